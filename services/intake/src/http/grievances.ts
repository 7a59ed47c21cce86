import type { FastifyInstance } from "fastify";
import { accessLogRoute, HttpProblem, logRefusedReads, recordAccess, recordRead, refuseRead, requireRole, routeOf, staffActor, type Principal, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CallerHistory, CallerHistoryRequest, CreateGrievanceRequest, CreateGrievanceResponse, GrievanceDetail, type AccessReason } from "@grievance-hub/schema";
import { z } from "zod";
import type { IntakeConfig } from "../config";
import { recordGrievance } from "../commands/record-grievance";
import { findCallerHistory, findGrievance } from "../db/grievances";
import { invalidPhone, normalisePhone, phoneHash } from "../domain/phone";

const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces").optional(),
});

export function grievanceRoutes(app: FastifyInstance, rt: ServiceRuntime, config: IntakeConfig): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    "/v1/grievances",
    {
      onRequest: requireRole(rt.auth, ["operator", "supervisor", "admin"]),
      schema: {
        summary: "Record a grievance (operator)",
        security: [{ bearer: [] }],
        headers: IdempotencyHeaders,
        body: CreateGrievanceRequest,
        response: { 202: CreateGrievanceResponse },
      },
    },
    async (req, reply) => {
      const key = req.headers["idempotency-key"];
      const recorded = await recordGrievance(rt, config, req.body, key ? { scope: `user:${req.principal!.sub}`, key } : undefined);
      if (recorded.replayed) reply.header("idempotent-replayed", "true");
      return reply.status(202).send(recorded.response);
    },
  );

  api.get(
    "/v1/grievances/:id",
    {
      onRequest: requireRole(rt.auth, ["operator", "supervisor", "admin"]),
      onError: logRefusedReads(rt.pool, "grievance"),
      schema: {
        summary: "A grievance with its status and timeline (operator, supervisor)",
        security: [{ bearer: [] }],
        params: z.object({ id: z.string() }),
        response: { 200: GrievanceDetail },
      },
    },
    async (req) => {
      const principal = req.principal!;
      const grievance = z.uuid().safeParse(req.params.id).success ? await findGrievance(rt.pool, rt.keyring, req.params.id) : undefined;
      const reason = grievance && readingReason(grievance.location.divisionCode, principal);
      if (!reason) {
        if (grievance) refuseRead(req, grievance.id);
        throw new HttpProblem(404, "Not found", "No grievance with this id.");
      }
      await recordRead(rt.pool, req, "grievance", grievance.id, reason);
      return grievance;
    },
  );

  api.post(
    "/v1/grievances/caller-history",
    {
      onRequest: requireRole(rt.auth, ["operator", "supervisor", "admin"]),
      schema: {
        summary: "A caller's earlier grievances, by phone (operator, supervisor)",
        description: "The phone travels in the body so it never lands in an access log; it is matched by its keyed hash.",
        security: [{ bearer: [] }],
        body: CallerHistoryRequest,
        response: { 200: CallerHistory },
      },
    },
    async (req) => {
      const principal = req.principal!;
      const e164 = normalisePhone(req.body.phone, config.DEFAULT_PHONE_REGION);
      if (!e164) throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [invalidPhone("phone")] });
      // A supervisor sees their own division's grievances only (none without a division claim), as on GET /v1/grievances/:id.
      if (principal.role === "supervisor" && principal.division === undefined) return { grievances: [] };
      const division = principal.role === "supervisor" ? principal.division : undefined;
      const grievances = await findCallerHistory(rt.pool, phoneHash(e164, config.PHONE_HASH_KEY), division);
      // Each earlier grievance shown is a read of that person's file: on record like the grievance page.
      const reason = readingReason(division ?? "", principal)!;
      await recordAccess(rt.pool, grievances.map((g) => ({ recordKind: "grievance", recordId: g.id, actor: staffActor(principal), reason, route: routeOf(req) })));
      return { grievances };
    },
  );

  accessLogRoute(app, {
    url: "/v1/grievances/:id/access-log",
    auth: rt.auth,
    pool: rt.pool,
    roles: ["supervisor", "admin", "auditor"],
    recordKind: "grievance",
    summary: "Who read this grievance, when and why, and who was refused, oldest first (supervisor of its division, admin, auditor)",
    params: z.object({ id: z.string() }),
    recordOf: async ({ id }, p) => {
      const grievance = z.uuid().safeParse(id).success ? await findGrievance(rt.pool, rt.keyring, id) : undefined;
      return grievance && (p.role === "auditor" || readingReason(grievance.location.divisionCode, p)) ? grievance.id : undefined;
    },
  });
}

/** A supervisor reads the grievances of their own division only (none without a division claim); others look absent to them. */
function readingReason(divisionCode: string, p: Principal): AccessReason | undefined {
  if (p.role === "supervisor") return p.division !== undefined && divisionCode.startsWith(p.division) ? "supervisor" : undefined;
  return p.role === "admin" ? "admin" : p.role === "operator" ? "operator" : undefined;
}
