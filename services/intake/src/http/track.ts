// The complainant's status lookup: no login, no personal data, no caseworker names.
// An unknown code and a malformed one get the same answer, so codes cannot be probed.
import type { FastifyInstance } from "fastify";
import { HttpProblem, recordRead, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { TrackingStatus } from "@grievance-hub/schema";
import { z } from "zod";
import type { IntakeConfig } from "../config";
import { normaliseTrackingCode } from "../domain/tracking-code";
import { findTrackingStatus } from "../db/grievances";

export async function trackRoutes(app: FastifyInstance, rt: ServiceRuntime, config: IntakeConfig): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/v1/track/:code",
    {
      config: { rateLimit: { max: config.TRACK_RATE_LIMIT_PER_MINUTE, timeWindow: "1 minute" } },
      schema: {
        summary: "Status of a grievance by its tracking code (public)",
        params: z.object({ code: z.string().max(64) }),
        response: { 200: TrackingStatus },
      },
    },
    async (req) => {
      const code = normaliseTrackingCode(req.params.code);
      const found = code ? await findTrackingStatus(rt.pool, code) : undefined;
      if (!found) throw new HttpProblem(404, "Not found", "No grievance with this tracking code.");
      // The complainant's own access is logged too, by the grievance's id (no code, no address).
      await recordRead(rt.pool, req, "grievance", found.grievanceId, "complainant");
      return found.status;
    },
  );
}
