// Teams and caseworkers: admins manage them; supervisors may read.
import type { FastifyInstance } from "fastify";
import { HttpProblem, requireRole, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CaseworkerBody, CaseworkerView, Team, TeamBody } from "@grievance-hub/schema";
import { z } from "zod";
import { findTeam, listCaseworkers, listTeams, upsertCaseworker, upsertTeam } from "../db/directory";

const Id = z.object({ id: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/, "letters, digits, '.', '_' or '-'") });

export function adminRoutes(app: FastifyInstance, rt: ServiceRuntime): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = requireRole(rt.auth, ["admin"]);
  const readers = requireRole(rt.auth, ["admin", "supervisor"]);

  api.get("/v1/admin/teams", { onRequest: readers, schema: { summary: "Teams", security: [{ bearer: [] }], response: { 200: z.object({ teams: z.array(Team) }) } } }, async () => ({
    teams: (await listTeams(rt.pool)).map((t) => ({ id: t.id, name: t.name, level: t.level, divisionPrefix: t.divisionPrefix, categories: [...t.categories], ...(t.desk ? { desk: true } : {}) })),
  }));

  api.put("/v1/admin/teams/:id", { onRequest: admin, schema: { summary: "Create or replace a team", security: [{ bearer: [] }], params: Id, body: TeamBody, response: { 200: Team } } }, async (req) => {
    await upsertTeam(rt.pool, { id: req.params.id, ...req.body });
    return { id: req.params.id, ...req.body };
  });

  api.get(
    "/v1/admin/caseworkers",
    { onRequest: readers, schema: { summary: "Caseworkers with their open cases", security: [{ bearer: [] }], querystring: z.object({ teamId: z.string().optional() }), response: { 200: z.object({ caseworkers: z.array(CaseworkerView) }) } } },
    async (req) => {
      const teamId = req.principal!.role === "supervisor" ? req.principal!.team : req.query.teamId;
      if (req.principal!.role === "supervisor" && !teamId) return { caseworkers: [] };
      return { caseworkers: await listCaseworkers(rt.pool, teamId) };
    },
  );

  api.put(
    "/v1/admin/caseworkers/:id",
    { onRequest: admin, schema: { summary: "Create or replace a caseworker", security: [{ bearer: [] }], params: Id, body: CaseworkerBody, response: { 200: CaseworkerBody.extend({ id: z.string() }) } } },
    async (req) => {
      if (!(await findTeam(rt.pool, req.body.teamId))) {
        throw new HttpProblem(422, "Unprocessable", "No team with this id.", { errors: [{ field: "teamId", message: "no such team" }] });
      }
      await upsertCaseworker(rt.pool, { id: req.params.id, ...req.body });
      return { id: req.params.id, ...req.body };
    },
  );
}
