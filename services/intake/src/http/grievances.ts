import type { FastifyInstance } from "fastify";
import { HttpProblem, requireRole, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CreateGrievanceRequest, CreateGrievanceResponse, GrievanceDetail } from "@grievance-hub/schema";
import { z } from "zod";
import type { IntakeConfig } from "../config";
import { recordGrievance } from "../commands/record-grievance";
import { findGrievance } from "../db/grievances";

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
      const grievance = z.uuid().safeParse(req.params.id).success ? await findGrievance(rt.pool, rt.keyring, req.params.id) : undefined;
      // A supervisor sees the grievances of their own division only (none without a division claim); others look absent.
      const visible = grievance && (principal.role !== "supervisor" || (principal.division !== undefined && grievance.location.divisionCode.startsWith(principal.division)));
      if (!visible) throw new HttpProblem(404, "Not found", "No grievance with this id.");
      return grievance;
    },
  );
}
