import type { FastifyInstance } from "fastify";
import { HttpProblem, requireRole, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CallerHistory, CallerHistoryRequest, CreateGrievanceRequest, CreateGrievanceResponse, GrievanceDetail } from "@grievance-hub/schema";
import { z } from "zod";
import type { IntakeConfig } from "../config";
import { recordGrievance } from "../commands/record-grievance";
import { findCallerHistory, findGrievance } from "../db/grievances";
import { normalisePhone, phoneHash } from "../domain/phone";

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
      schema: {
        summary: "A grievance with its status and timeline (operator, supervisor)",
        security: [{ bearer: [] }],
        params: z.object({ id: z.string() }),
        response: { 200: GrievanceDetail },
      },
    },
    async (req) => {
      const principal = req.principal!;
      const grievance = z.uuid().safeParse(req.params.id).success ? await findGrievance(rt.pool, req.params.id) : undefined;
      // A supervisor sees the grievances of their own division only (none without a division claim); others look absent.
      const visible = grievance && (principal.role !== "supervisor" || (principal.division !== undefined && grievance.location.divisionCode.startsWith(principal.division)));
      if (!visible) throw new HttpProblem(404, "Not found", "No grievance with this id.");
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
      if (!e164) throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [{ field: "phone", message: "not a valid phone number" }] });
      // A supervisor sees their own division's grievances only (none without a division claim), as on GET /v1/grievances/:id.
      if (principal.role === "supervisor" && principal.division === undefined) return { grievances: [] };
      const division = principal.role === "supervisor" ? principal.division : undefined;
      return { grievances: await findCallerHistory(rt.pool, phoneHash(e164, config.PHONE_HASH_KEY), division) };
    },
  );
}
