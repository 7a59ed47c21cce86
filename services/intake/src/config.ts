import { z } from "zod";
import { BaseConfig, developmentDefault } from "@grievance-hub/kit";

export const IntakeConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Key of the HMAC that lets triage recognise a repeat caller without the phone number. */
  PHONE_HASH_KEY: developmentDefault(z.string().min(16, "at least 16 characters").default("development-only-phone-hash-key"), { secret: true }),
  /** Region assumed for phone numbers written without a country code. */
  DEFAULT_PHONE_REGION: z.string().length(2).default("CN"),
  /** Status lookups per client address per minute on the public tracking endpoint. */
  TRACK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Days an Idempotency-Key's first answer is kept; a retry later than this records a new grievance. */
  IDEMPOTENCY_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
  /**
   * Days a person's data is kept once every grievance of theirs is resolved or closed; then it is
   * erased as an admin's erasure would (checked every RETENTION_INTERVAL_MS). Three years by default.
   */
  PERSONAL_DATA_RETENTION_DAYS: z.coerce.number().int().min(1).default(1095),
});
export type IntakeConfig = z.infer<typeof IntakeConfig>;
