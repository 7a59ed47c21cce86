// Who read what notification holds of a grievance (its deliveries) or of a staff recipient (their
// contact details), issue #18: listed for the grievance's team supervisor, admins and auditors,
// and for admins (who alone read the recipients directory) and auditors.
import type { FastifyInstance } from "fastify";
import { accessLogRoute, type ServiceRuntime } from "@grievance-hub/kit";
import { z } from "zod";

export const RecipientKind = z.enum(["caseworker", "team_supervisor"]);

/** A recipient's record id in the access log. */
export const recipientRecord = (kind: string, id: string): string => `${kind}:${id}`;

export function notificationAccessLogRoutes(app: FastifyInstance, rt: ServiceRuntime): void {
  accessLogRoute(app, {
    url: "/v1/grievances/:id/access-log",
    auth: rt.auth,
    pool: rt.pool,
    roles: ["supervisor", "admin", "auditor"],
    recordKind: "grievance",
    summary: "Who read this grievance's deliveries, when and why, and who was refused, oldest first (the supervisor of the team handling it, admin, auditor)",
    params: z.object({ id: z.string() }),
    recordOf: async ({ id }, p) => {
      if (!z.uuid().safeParse(id).success) return undefined;
      if (p.role === "admin" || p.role === "auditor") return id;
      const { rowCount } = await rt.pool.query("SELECT 1 FROM case_teams WHERE grievance_id = $1 AND team_id = $2", [id, p.team ?? null]);
      return rowCount === 1 ? id : undefined;
    },
  });

  accessLogRoute(app, {
    url: "/v1/recipients/:kind/:id/access-log",
    auth: rt.auth,
    pool: rt.pool,
    roles: ["admin", "auditor"],
    recordKind: "recipient",
    summary: "Who read this recipient's contact details, when, and who was refused, oldest first (admin, auditor)",
    params: z.object({ kind: RecipientKind, id: z.string().min(1).max(200) }),
    recordOf: async ({ kind, id }) => recipientRecord(kind, id),
  });
}
