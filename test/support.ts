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
    env: { NODE_ENV: "test", DATABASE_URL: databaseUrl, KAFKA_BROKERS: kafkaBrokers, KAFKA_TOPIC_PREFIX: topicPrefix, PORT: "0", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", OUTBOX_POLL_INTERVAL_MS: "200", METRICS_PORT: "0" },
    logger: createLogger("test", process.env.TEST_LOG_LEVEL ?? "warn"),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      // A pool's end() resolves once its clients are told to end, not once they have gone: give
      // them a moment, so FORCE does not terminate a connection mid-goodbye (its client would
      // get a FATAL with nobody listening, an uncaught error in whichever test runs then).
      for (let waited = 0; waited < 10_000; waited += 100) {
        const { rows } = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1", [dbName]);
        if (rows[0]!.n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
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

/**
 * A TCP proxy in front of a real server, to take it away from a service under test:
 * `refuse()` drops every connection and refuses new ones, `blackhole()` accepts
 * connections and never answers, `restore()` forwards again.
 */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<{ port: number; refuse: () => Promise<void>; blackhole: () => void; restore: () => Promise<void>; close: () => Promise<void> }> {
  const net = await import("node:net");
  let mode: "forward" | "blackhole" = "forward";
  const sockets = new Set<import("node:net").Socket>();
  const handler = (client: import("node:net").Socket) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (mode === "blackhole") return;
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(upstream);
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  };
  let server = net.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as import("node:net").AddressInfo).port;
  const listen = () => new Promise<void>((r) => {
    server = net.createServer(handler);
    server.listen(port, "127.0.0.1", r);
  });
  const stop = () => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  });
  return {
    port,
    refuse: stop,
    blackhole: () => {
      mode = "blackhole";
      for (const s of sockets) s.destroy();
    },
    restore: async () => {
      mode = "forward";
      if (!server.listening) await listen();
    },
    close: stop,
  };
}

/** A pino destination that keeps every line, to prove what was (not) logged. */
export function captureLogs(): { stream: { write: (line: string) => void }; text: () => string } {
  const lines: string[] = [];
  return { stream: { write: (line: string) => void lines.push(line) }, text: () => lines.join("") };
}

/** A broker of the test's own (other ports, own data), for tests that stop and start Kafka. */
export async function startPrivateBroker(port: number): Promise<{ brokers: string; stop: () => Promise<void>; start: () => Promise<void>; destroy: () => Promise<void> }> {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const { mkdtemp, rm } = await import("node:fs/promises");
  const os = await import("node:os");
  const path = await import("node:path");
  const run = promisify(execFile);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "gh-broker-"));
  const script = path.resolve(import.meta.dirname, "../infra/kafka/kafka.sh");
  const env = { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1), KAFKA_DATA_DIR: dataDir };
  const start = async () => void (await run("bash", [script, "start"], { env, timeout: 120_000 }));
  const stop = async () => void (await run("bash", [script, "stop"], { env, timeout: 60_000 }));
  await start();
  return {
    brokers: `127.0.0.1:${port}`,
    start,
    stop,
    destroy: async () => {
      await stop().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
