import type { FastifyReply, FastifyRequest } from "fastify";
import { HttpProblem } from "@grievance-hub/kit";
import type { ConsoleConfig } from "../config";
import type { Session } from "../session";

/** What a group of the BFF's routes needs from the console: its config, the session, the forwarder. */
export interface RouteDeps {
  config: ConsoleConfig;
  requireSession: (req: FastifyRequest) => Session;
  forward: (reply: FastifyReply, url: string, init: RequestInit & { token?: string }) => Promise<FastifyReply>;
}

/** The signed-in person, if their role is one of `roles`; checked before anything else is done. */
export function requireRoleOf(deps: RouteDeps, req: FastifyRequest, roles: readonly string[]): Session {
  const s = deps.requireSession(req);
  if (!roles.includes(s.role)) throw new HttpProblem(403, "Forbidden", "Your role may not do this.");
  return s;
}
