import type { FastifyInstance } from "fastify";
import { requireRole, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { ErasureRequest, ErasureResponse } from "@grievance-hub/schema";
import type { IntakeConfig } from "../config";
import { erasePerson } from "../commands/erase-person";

export function erasureRoutes(app: FastifyInstance, rt: ServiceRuntime, config: IntakeConfig): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    "/v1/admin/erasures",
    {
      onRequest: requireRole(rt.auth, ["admin"]),
      schema: {
        summary: "Erase a person's personal data everywhere, by phone or by a tracking code (admin)",
        security: [{ bearer: [] }],
        body: ErasureRequest,
        response: { 200: ErasureResponse },
      },
    },
    async (req) => erasePerson(rt, config, req.body),
  );
}
