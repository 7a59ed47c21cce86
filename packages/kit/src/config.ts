// Configuration is read from the environment once, at start-up, and validated with zod.
// A missing or bad value stops the process with a message naming the variable.
import { isIP } from "node:net";
import { fileURLToPath } from "node:url";
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
export const developmentDefaults = z.registry<{ secret?: boolean; unless?: string | string[] }>();

/** Marks `schema` (which has a default) as a development default: see developmentDefaults. */
export function developmentDefault<T extends z.ZodType>(schema: T, meta: { secret?: boolean; unless?: string | string[] } = {}): T {
  developmentDefaults.add(schema, meta);
  return schema;
}

/** The modes in which development defaults are accepted; production is the default mode. */
const developmentModes = ["development", "test"];

// Kafka client security and topic creation. Which variables go together is checked in
// loadConfig (kafkaClientProblems); the files are read when the client is made (kafkaSecurity).
const kafkaFlag = z.enum(["true", "false"]).transform((v) => v === "true");
const kafkaFile = z.string().min(1, "a file path").optional();
export const KafkaClientConfig = z.object({
  /** TLS to the brokers; with no CA file the system's trusted CAs are used. */
  KAFKA_SSL: kafkaFlag.default(false),
  KAFKA_SSL_CA_FILE: kafkaFile,
  /** Client certificate and key (PEM) for mutual TLS; both or neither. */
  KAFKA_SSL_CERT_FILE: kafkaFile,
  KAFKA_SSL_KEY_FILE: kafkaFile,
  KAFKA_SASL_MECHANISM: z.enum(["plain", "scram-sha-256", "scram-sha-512"]).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** Create missing topics at start-up; unset: yes unless NODE_ENV=production, where the platform owns them. */
  KAFKA_CREATE_TOPICS: kafkaFlag.optional(),
});
export type KafkaClientConfig = z.infer<typeof KafkaClientConfig>;

/** The Kafka settings that make no sense together, each as "VARIABLE: why". */
export function kafkaClientProblems(c: Partial<KafkaClientConfig> & { NODE_ENV?: string }): string[] {
  const problems: string[] = [];
  for (const name of ["KAFKA_SSL_CA_FILE", "KAFKA_SSL_CERT_FILE", "KAFKA_SSL_KEY_FILE"] as const) {
    if (c[name] && !c.KAFKA_SSL) problems.push(`${name}: set, but KAFKA_SSL is not true`);
  }
  if (c.KAFKA_SSL_CERT_FILE && !c.KAFKA_SSL_KEY_FILE) problems.push("KAFKA_SSL_KEY_FILE: required with KAFKA_SSL_CERT_FILE");
  if (c.KAFKA_SSL_KEY_FILE && !c.KAFKA_SSL_CERT_FILE) problems.push("KAFKA_SSL_CERT_FILE: required with KAFKA_SSL_KEY_FILE");
  if (c.KAFKA_SASL_MECHANISM) {
    if (!c.KAFKA_SASL_USERNAME) problems.push(`KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}`);
    if (!c.KAFKA_SASL_PASSWORD) problems.push(`KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}`);
    if (c.KAFKA_SASL_MECHANISM === "plain" && !c.KAFKA_SSL && c.NODE_ENV === "production") {
      problems.push("KAFKA_SASL_MECHANISM: plain sends the password in clear; set KAFKA_SSL=true or use scram-sha-512");
    }
  } else {
    for (const name of ["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"] as const) {
      if (c[name]) problems.push(`KAFKA_SASL_MECHANISM: required with ${name}`);
    }
  }
  return problems;
}

/** The key file in this repository: as public as the code, for development and tests only. */
const developmentKekFile = fileURLToPath(new URL("../dev/development.kek", import.meta.url));

/** Where the key-encryption key comes from (a local key file, or Vault Transit when VAULT_ADDR is set) and the data-key cache. */
export const KeyringConfig = z.object({
  /** Local key file of KEK versions (`<version>:<base64 of 32 bytes>` per line); not needed with VAULT_ADDR. */
  KEK_FILE: developmentDefault(z.string().min(1).default(developmentKekFile), { secret: true, unless: "VAULT_ADDR" }),
  /** Vault (or OpenBao) address; set, the KEK is the Transit key VAULT_TRANSIT_KEY and KEK_FILE is not read. */
  VAULT_ADDR: z.url().optional(),
  VAULT_TOKEN: z.string().min(1).optional(),
  VAULT_TRANSIT_MOUNT: z.string().min(1).default("transit"),
  VAULT_TRANSIT_KEY: z.string().min(1).default("grievance-hub"),
  /** Unwrapped data keys kept in memory, and for how long: an erasure reaches other replicas' caches within the TTL at the latest. */
  KEYRING_CACHE_SIZE: z.coerce.number().int().min(1).default(10_000),
  KEYRING_CACHE_TTL_MS: z.coerce.number().int().min(1000).default(60_000),
});
export type KeyringConfig = z.infer<typeof KeyringConfig>;

export const BaseConfig = AuthConfig.extend({
  NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
  JWT_SECRET: developmentDefault(AuthConfig.shape.JWT_SECRET, { secret: true, unless: ["JWT_PUBLIC_KEY", "JWT_JWKS_URL"] }),
  DATABASE_URL: developmentDefault(z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").default("postgres://postgres@127.0.0.1:5432/postgres")),
  KAFKA_BROKERS: developmentDefault(
    z
      .string()
      .default("127.0.0.1:9092")
      .transform((s) => s.split(",").map((b) => b.trim()).filter(Boolean)),
  ),
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, "letters, digits, '.', '_' and '-' only").default("gh."),
  /** Replicas of each topic a service creates, and how many must have a write (acks=all) before it counts. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  KAFKA_MIN_INSYNC_REPLICAS: z.coerce.number().int().min(1).default(1),
  HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** How long a request waits for a database connection before answering 503. */
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(1500),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /**
   * A consumer's fetch waits at the broker until this much is there or KAFKA_FETCH_MAX_WAIT_MS
   * has passed: under a steady trickle a fetch brings several events, not one each.
   */
  KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(1024 * 1024).default(16 * 1024),
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(5000).default(60),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(64 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Where GET /metrics is served (on HOST), apart from the public port; unset: not served. 0 takes a free port. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /**
   * Days an applied event's inbox row is kept. A redelivery older than this would be applied
   * again, so it must exceed how far back a consumer can be sent (offset resets, replays
   * without a rebuild); 30 days is far beyond the longest outage the services plan for.
   */
  INBOX_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** How often the retention job deletes expired technical rows. */
  RETENTION_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Requests per signed-in staff member (the token's subject) per minute, whatever address they come from. */
  STAFF_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6000),
  /** Requests per client address per minute on the routes answered without a token (a route may set its own, lower). */
  PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /**
   * Rate-limit counts are kept in memory and added to the shared Postgres table once a client has
   * made this many requests on a replica, or every RATE_LIMIT_SYNC_INTERVAL_MS, whichever comes
   * first: a limit can then be exceeded by at most (replicas × this) requests per window. 1: every
   * request is counted in Postgres at once (exact, one statement per request).
   */
  RATE_LIMIT_SYNC_EVERY: z.coerce.number().int().min(1).default(10),
  RATE_LIMIT_SYNC_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /**
   * The proxies in front of the service, whose X-Forwarded-For is believed for the client
   * address (rate limits are keyed on it): a hop count, or a comma-separated list of addresses
   * and CIDR ranges. Unset: none; the connection's address is the client's.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return undefined;
      if (/^\d+$/.test(v)) return Number(v);
      const entries = v.split(",").map((e) => e.trim()).filter(Boolean);
      const bad = entries.find((e) => !isAddressOrRange(e));
      if (bad !== undefined || entries.length === 0) {
        ctx.addIssue({ code: "custom", message: `a hop count or addresses and CIDR ranges separated by commas (not ${JSON.stringify(bad ?? v)})` });
        return z.NEVER;
      }
      return entries;
    }),
}).extend(KafkaClientConfig.shape).extend(KeyringConfig.shape);
export type BaseConfig = z.infer<typeof BaseConfig>;

function isAddressOrRange(entry: string): boolean {
  const [address, bits, ...rest] = entry.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export function loadConfig<T>(schema: z.ZodType<T>, env: Record<string, string | undefined> = process.env): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const refused = refusedDevelopmentDefaults(schema, env);
  if (refused.length > 0) throw new ConfigError(`invalid configuration:\n${refused.map((line) => `  ${line}`).join("\n")}`);
  const kafkaProblems = kafkaClientProblems(result.data as Partial<KafkaClientConfig>);
  if (kafkaProblems.length > 0) throw new ConfigError(`invalid configuration:\n${kafkaProblems.map((p) => `  ${p}`).join("\n")}`);
  const replication = result.data as { KAFKA_REPLICATION_FACTOR?: number; KAFKA_MIN_INSYNC_REPLICAS?: number };
  if ((replication.KAFKA_MIN_INSYNC_REPLICAS ?? 1) > (replication.KAFKA_REPLICATION_FACTOR ?? 1)) {
    throw new ConfigError("invalid configuration:\n  KAFKA_MIN_INSYNC_REPLICAS: cannot exceed KAFKA_REPLICATION_FACTOR (no write could ever be acknowledged)");
  }
  return result.data;
}

/** One line per development default that `env` relies on outside development and test. */
function refusedDevelopmentDefaults(schema: z.ZodType, env: Record<string, string | undefined>): string[] {
  const mode = env.NODE_ENV || "production";
  if (developmentModes.includes(mode) || !(schema instanceof z.ZodObject)) return [];
  const lines: string[] = [];
  for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const meta = developmentDefaults.get(field);
    if (!meta || [meta.unless ?? []].flat().some((other) => env[other])) continue;
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
