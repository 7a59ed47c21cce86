// Configuration is read from the environment once, at start-up, and validated with zod.
// A missing or bad value stops the process with a message naming the variable.
import { z } from "zod";
import { AuthConfig, DEVELOPMENT_JWT_SECRET } from "./auth";

export class ConfigError extends Error {
  override name = "ConfigError";
}

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
}).extend(KafkaClientConfig.shape);
export type BaseConfig = z.infer<typeof BaseConfig>;

export function loadConfig<T>(schema: z.ZodType<T>, env: Record<string, string | undefined> = process.env): T {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const kafkaProblems = kafkaClientProblems(result.data as Partial<KafkaClientConfig>);
  if (kafkaProblems.length > 0) throw new ConfigError(`invalid configuration:\n${kafkaProblems.map((p) => `  ${p}`).join("\n")}`);
  const data = result.data as { NODE_ENV?: string; JWT_SECRET?: string; JWT_PUBLIC_KEY?: string };
  if (data.NODE_ENV === "production" && data.JWT_SECRET === DEVELOPMENT_JWT_SECRET && !data.JWT_PUBLIC_KEY) {
    throw new ConfigError("invalid configuration:\n  JWT_SECRET: the development secret cannot be used with NODE_ENV=production (set JWT_SECRET or JWT_PUBLIC_KEY)");
  }
  return result.data;
}
