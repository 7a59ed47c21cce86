import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { enqueueEvent, HttpProblem, withTransaction, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CreateGrievanceRequest, CreateGrievanceResponse } from "@grievance-hub/schema";
import type { IntakeConfig } from "../config";
import { toReceivedEvent } from "../domain/grievance";
import { newTrackingCode } from "../domain/tracking-code";
import { insertGrievance } from "../db/grievances";

export function grievanceRoutes(app: FastifyInstance, rt: ServiceRuntime, config: IntakeConfig): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    "/v1/grievances",
    { schema: { body: CreateGrievanceRequest, response: { 202: CreateGrievanceResponse } } },
    async (req, reply) => {
      const grievanceId = randomUUID();
      const receivedAt = new Date();
      const result = await withTransaction(rt.pool, async (client) => {
        for (let attempt = 0; attempt < 5; attempt++) {
          const decided = toReceivedEvent(req.body, { grievanceId, trackingCode: newTrackingCode(), receivedAt }, {
            phoneHashKey: config.PHONE_HASH_KEY,
            defaultPhoneRegion: config.DEFAULT_PHONE_REGION,
          });
          if (!decided.ok) throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [decided.refusal] });
          if (await insertGrievance(client, decided.event)) {
            await enqueueEvent(client, rt.outbox, "grievance.received.v1", decided.event);
            return decided.event;
          }
        }
        throw new Error("could not draw an unused tracking code in 5 attempts");
      });
      return reply.status(202).send({ id: result.grievanceId, trackingCode: result.trackingCode, status: "received" });
    },
  );
}
