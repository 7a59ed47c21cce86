// Who read a case (issue #18): the grounds a reader had, and the case's access log for the
// supervisor of the team holding it, admins and auditors.
import type { FastifyInstance } from "fastify";
import { accessLogRoute, type Principal, type ServiceRuntime } from "@grievance-hub/kit";
import type { AccessReason } from "@grievance-hub/schema";
import { z } from "zod";
import type { OpenedCase } from "../domain/case-lifecycle";
import { loadCase } from "../db/cases";
import { visibleTo } from "../db/case-views";

/** Why `p` may read the case (the grounds visibleTo allows it on); undefined when they may not. */
export function caseAccessReason(state: Pick<OpenedCase, "caseworkerId" | "team">, p: Principal): AccessReason | undefined {
  if (!visibleTo(state, p)) return undefined;
  if (p.role === "admin") return "admin";
  if (p.role === "supervisor") return "supervisor";
  return state.caseworkerId === p.sub ? "own_case" : "team_case";
}

/** Whether a case with this id exists (to tell a refused read from a read of nothing). */
export async function caseExists(rt: ServiceRuntime, id: string): Promise<boolean> {
  const { rowCount } = await rt.pool.query("SELECT 1 FROM cases WHERE id = $1 AND state IS NOT NULL", [id]);
  return rowCount === 1;
}

export function caseAccessLogRoutes(app: FastifyInstance, rt: ServiceRuntime): void {
  accessLogRoute(app, {
    url: "/v1/cases/:id/access-log",
    auth: rt.auth,
    pool: rt.pool,
    roles: ["supervisor", "admin", "auditor"],
    recordKind: "case",
    summary: "Who read this case, when and why, and who was refused, oldest first (the team's supervisor, admin, auditor)",
    params: z.object({ id: z.string() }),
    recordOf: async ({ id }, p) => {
      if (!z.uuid().safeParse(id).success) return undefined;
      const state = await loadCase(rt.pool, id);
      return state && (p.role === "auditor" || visibleTo(state, p)) ? id : undefined;
    },
  });
}
