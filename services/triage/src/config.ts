import { z } from "zod";
import { BaseConfig } from "@grievance-hub/kit";
import { DeadlinePolicy } from "./domain/deadlines";
import { defaultRulesetPath } from "./domain/classification/ruleset";

const JsonPolicy = z.string().transform((s, ctx) => {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "must be JSON, e.g. {\"P1\":{\"acknowledgeWithinMinutes\":10}}" });
    return z.NEVER;
  }
}).pipe(DeadlinePolicy);

export const TriageConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  TRIAGE_CONSUMER_GROUP: z.string().min(1).default("triage"),
  /** The classification ruleset file (JSON, validated at start-up). */
  RULESET_PATH: z.string().min(1).default(defaultRulesetPath),
  /** Overrides of the deadline policy per urgency, in minutes (JSON); unspecified values keep their defaults. */
  DEADLINE_POLICY: JsonPolicy.default(DeadlinePolicy.parse({})),
  DEADLINE_SCAN_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  /** How long before a deadline the caseworker is reminded. */
  DEADLINE_LEAD_TIME_MINUTES: z.coerce.number().int().min(1).default(60),
  REPEAT_WINDOW_DAYS: z.coerce.number().int().min(1).default(90),
  REPEATS_FOR_P2: z.coerce.number().int().min(1).default(3),
  RELATED_WINDOW_DAYS: z.coerce.number().int().min(1).default(7),
  /** pg_trgm similarity from which two descriptions count as the same dispute. */
  RELATED_SIMILARITY: z.coerce.number().min(0.1).max(1).default(0.45),
});
export type TriageConfig = z.infer<typeof TriageConfig>;
