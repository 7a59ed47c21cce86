// The supervisor's routes of the BFF: the team's queue and caseworkers, assigning and reassigning
// a case (If-Match passed on, so a stale view is refused by triage), and the dashboard's figures.
import type { FastifyInstance } from "fastify";
import { HttpProblem } from "@grievance-hub/kit";
import { DashboardQuery } from "@grievance-hub/schema";
import { requireRoleOf, type RouteDeps } from "./deps";

const supervisors = ["supervisor", "admin"] as const;
/** The most tasks the queue asks for (triage's own ceiling). */
const QUEUE_LIMIT = 500;

export function supervisorRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { config, forward } = deps;

  app.get("/api/supervisor/queue", async (req, reply) => {
    const s = await requireRoleOf(deps, req, supervisors);
    return forward(reply, `${config.TRIAGE_URL}/v1/tasks?limit=${QUEUE_LIMIT}`, { method: "GET", token: s.accessToken });
  });

  app.get("/api/supervisor/caseworkers", async (req, reply) => {
    const s = await requireRoleOf(deps, req, supervisors);
    return forward(reply, `${config.TRIAGE_URL}/v1/admin/caseworkers`, { method: "GET", token: s.accessToken });
  });

  app.post("/api/supervisor/cases/:id/:action", async (req, reply) => {
    const s = await requireRoleOf(deps, req, supervisors);
    const { id, action } = req.params as { id: string; action: string };
    if (action !== "assign" && action !== "reassign") throw new HttpProblem(404, "Not found");
    const ifMatch = req.headers["if-match"];
    return forward(reply, `${config.TRIAGE_URL}/v1/cases/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      token: s.accessToken,
      headers: { "content-type": "application/json", ...(typeof ifMatch === "string" ? { "if-match": ifMatch } : {}) },
      body: JSON.stringify(req.body ?? {}),
    });
  });

  app.get("/api/supervisor/dashboard", async (req, reply) => {
    const s = await requireRoleOf(deps, req, supervisors);
    // Only the query the contract knows is passed on; triage validates it again.
    const query = DashboardQuery.safeParse(req.query);
    if (!query.success) {
      throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", {
        errors: query.error.issues.map((i) => ({ field: `querystring.${i.path.join(".")}`, message: i.message })),
      });
    }
    const params = new URLSearchParams(Object.entries(query.data).filter((e): e is [string, string] => e[1] !== undefined));
    return forward(reply, `${config.TRIAGE_URL}/v1/statistics/dashboard?${params}`, { method: "GET", token: s.accessToken });
  });
}
