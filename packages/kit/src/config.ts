// Configuration is read from the environment once, at start-up, and validated with zod.
// A missing or bad value stops the process with a message naming the variable.
import { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const BaseConfig = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").default("postgres://postgres@127.0.0.1:5432/postgres"),
  KAFKA_BROKERS: z
    .string()
    .default("127.0.0.1:9092")
    .transform((s) => s.split(",").map((b) => b.trim()).filter(Boolean)),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, "letters, digits, '.', '_' and '-' only").default("gh."),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** How long a request waits for a database connection before answering 503. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(1500),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

export function loadConfig<T>(schema: z.ZodType<T>, env: Record<string, string | undefined> = process.env): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}
