// The operator's routes of the BFF: the caller's earlier grievances, looked up by phone before a
// new one is filed (the phone travels in the body to intake, never in a URL).
import type { FastifyInstance } from "fastify";
import { requireRoleOf, type RouteDeps } from "./deps";

const callers = ["operator", "supervisor", "admin"] as const;

export function operatorRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.post("/api/caller-history", async (req, reply) => {
    const s = await requireRoleOf(deps, req, callers);
    return deps.forward(reply, `${deps.config.INTAKE_URL}/v1/grievances/caller-history`, {
      method: "POST",
      token: s.accessToken,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(req.body ?? null),
    });
  });
}
