import { z } from "zod";
import { BaseConfig } from "@grievance-hub/kit";

export const TriageConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  TRIAGE_CONSUMER_GROUP: z.string().min(1).default("triage"),
});
export type TriageConfig = z.infer<typeof TriageConfig>;
