// Per-file isolation for integration tests: each file gets its own database and its own
// topic prefix (and so its own topics and consumer groups) on the shared broker and server.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import pg from "pg";
import { AuthConfig, BaseConfig, createLogger, signDevelopmentToken, type Logger, type Principal } from "@grievance-hub/kit";

export interface TestEnv {
  databaseUrl: string;
  kafkaBrokers: string;
  topicPrefix: string;
  /** Environment for a service's config schema, as main.ts would read it. */
  env: Record<string, string>;
  logger: Logger;
  drop: () => Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function createTestEnv(): Promise<TestEnv> {
  const adminUrl = inject("databaseUrl");
  const kafkaBrokers = inject("kafkaBrokers");
  const id = randomBytes(5).toString("hex");
  const dbName = `gh_test_${id}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const databaseUrl = withDatabase(adminUrl, dbName);
  const topicPrefix = `t${id}.`;
  return {
    databaseUrl,
    kafkaBrokers,
    topicPrefix,
    env: { DATABASE_URL: databaseUrl, KAFKA_BROKERS: kafkaBrokers, KAFKA_TOPIC_PREFIX: topicPrefix, PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", OUTBOX_POLL_INTERVAL_MS: "200" },
    logger: createLogger("test", process.env.TEST_LOG_LEVEL ?? "warn"),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Polls until `probe` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
}

export { BaseConfig };

/** A token signed with the development secret the services use in tests. */
export function tokenFor(role: Principal["role"], sub = `${role}-1`, extra: { team?: string; division?: string; expiresIn?: string } = {}): Promise<string> {
  const { expiresIn, ...claims } = extra;
  return signDevelopmentToken({ sub, role, ...claims }, AuthConfig.parse({}), expiresIn);
}
