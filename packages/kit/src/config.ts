// Configuration is read from the environment once, at start-up, and validated with zod.
// A missing or bad value stops the process with a message naming the variable.
import { z } from "zod";
import { AuthConfig, DEVELOPMENT_JWT_SECRET } from "./auth";

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const BaseConfig = AuthConfig.extend({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
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
  /** Where GET /metrics is served (on HOST), apart from the public port; unset: not served. 0 takes a free port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

export function loadConfig<T>(schema: z.ZodType<T>, env: Record<string, string | undefined> = process.env): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const data = result.data as { NODE_ENV?: string; JWT_SECRET?: string; JWT_PUBLIC_KEY?: string };
  if (data.NODE_ENV === "production" && data.JWT_SECRET === DEVELOPMENT_JWT_SECRET && !data.JWT_PUBLIC_KEY) {
    throw new ConfigError("invalid configuration:\n  JWT_SECRET: the development secret cannot be used with NODE_ENV=production (set JWT_SECRET or JWT_PUBLIC_KEY)");
  }
  return result.data;
}
