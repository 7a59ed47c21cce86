import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpProblem } from "@grievance-hub/kit";
import type { ConsoleConfig } from "../config";
import type { Session } from "../session";

/** What a group of the BFF's routes needs from the console: its config, the session, the forwarder. */
export interface RouteDeps {
  config: ConsoleConfig;
  /** The signed-in person's session; 401 without one, 503 when the sessions' database cannot be reached. */
  requireSession: (req: FastifyRequest) => Promise<Session>;
  /** Whether the request's session still exists, not counted as activity; throws when the database does not answer. */
  sessionAlive: (req: FastifyRequest) => Promise<boolean>;
  forward: (reply: FastifyReply, url: string, init: RequestInit & { token?: string }) => Promise<FastifyReply>;
}

/** The signed-in person, if their role is one of `roles`; checked before anything else is done. */
export async function requireRoleOf(deps: RouteDeps, req: FastifyRequest, roles: readonly string[]): Promise<Session> {
  const s = await deps.requireSession(req);
  if (!roles.includes(s.role)) throw new HttpProblem(403, "Forbidden", "Your role may not do this.");
  return s;
}
