// Configuration is read from the environment once, at start-up, and validated with zod.
// A missing or bad value stops the process with a message naming the variable.
import { z } from "zod";
import { AuthConfig } from "./auth";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Defaults that only fit a developer's machine (secrets everybody can read in this repository,
 * addresses of local servers). Unless NODE_ENV is development or test, each such variable must
 * be set; a `secret` must also differ from its development value; `unless` names a variable
 * whose presence makes this one unnecessary.
 */
export const developmentDefaults = z.registry<{ secret?: boolean; unless?: string }>();

/** Marks `schema` (which has a default) as a development default: see developmentDefaults. */
export function developmentDefault<T extends z.ZodType>(schema: T, meta: { secret?: boolean; unless?: string } = {}): T {
  developmentDefaults.add(schema, meta);
  return schema;
}

/** The modes in which development defaults are accepted; production is the default mode. */
const developmentModes = ["development", "test"];

export const BaseConfig = AuthConfig.extend({
  NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
  JWT_SECRET: developmentDefault(AuthConfig.shape.JWT_SECRET, { secret: true, unless: "JWT_PUBLIC_KEY" }),
  DATABASE_URL: developmentDefault(z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").default("postgres://postgres@127.0.0.1:5432/postgres")),
  KAFKA_BROKERS: developmentDefault(
    z
      .string()
      .default("127.0.0.1:9092")
      .transform((s) => s.split(",").map((b) => b.trim()).filter(Boolean)),
  ),
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
  const refused = refusedDevelopmentDefaults(schema, env);
  if (refused.length > 0) throw new ConfigError(`invalid configuration:\n${refused.map((line) => `  ${line}`).join("\n")}`);
  return result.data;
}

/** One line per development default that `env` relies on outside development and test. */
function refusedDevelopmentDefaults(schema: z.ZodType, env: Record<string, string | undefined>): string[] {
  const mode = env.NODE_ENV || "production";
  if (developmentModes.includes(mode) || !(schema instanceof z.ZodObject)) return [];
  const lines: string[] = [];
  for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const meta = developmentDefaults.get(field);
    if (!meta || (meta.unless && env[meta.unless])) continue;
    const value = env[name];
    const fallback = field.safeParse(undefined);
    if (!value) {
      lines.push(`${name}: must be set with NODE_ENV=${mode} (its default is for development only; NODE_ENV=development allows it)`);
    } else if (meta.secret && fallback.success && JSON.stringify(field.parse(value)) === JSON.stringify(fallback.data)) {
      lines.push(`${name}: the development value cannot be used with NODE_ENV=${mode}`);
    }
  }
  return lines;
}
