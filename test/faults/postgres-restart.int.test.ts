// Fault 3: Postgres stopped for 10 seconds in the middle of a steady load, then started again
// — a server of this file's own (an embedded PostgreSQL), never the shared one. While it is
// down intake answers 503 problem+json within 2 s (no request hangs); when it is back intake
// answers 202 again without being restarted, and every grievance answered 202 is in every
// projection once.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Kafka } from "kafkajs";
import pg from "pg";
import { isDatabaseUnavailable, withTransaction } from "@grievance-hub/kit";
import { startEmbeddedPostgres } from "../../scripts/embedded-postgres";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { kafkaClient, logTail, percentile, seedDirectory, settle, sleep, startPeers, startSystem, steadyLoad, type Answer, type Peers, type System } from "./support";

const PORT = 55432;
const OUTAGE_MS = 10_000;
/** The liveness bound: an answer, whatever it is, within this long. Not a benchmark. */
const ANSWER_WITHIN_MS = 2000;

let env: TestEnv;
let dataDir: string;
let server: { url: string; stop: () => Promise<void> };
let peers: Peers;
let system: System;
let db: pg.Pool;
let kafka: Kafka;

beforeAll(async () => {
  const shared = await createTestEnv();
  const parent = await mkdtemp(path.join(os.tmpdir(), "gh-faults-pg-"));
  // initdb runs as the `postgres` user when the tests run as root: it must reach the directory.
  await chmod(parent, 0o755);
  dataDir = path.join(parent, "data");
  server = await startEmbeddedPostgres(dataDir, PORT);
  // The shared broker, a topic prefix of this file's own, and the private server's database.
  env = { ...shared, databaseUrl: server.url, env: { ...shared.env, DATABASE_URL: server.url } };
  await shared.drop();
  peers = await startPeers();
  system = await startSystem(env, { peers, services: ["intake", "triage"] });
  await seedDirectory(system.triages[0]!.url, undefined, peers);
  db = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 2000 });
  db.on("error", () => undefined);
  kafka = kafkaClient(env.kafkaBrokers);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await Promise.allSettled([peers?.webhook.close(), peers?.sms.close()]);
  await db?.end();
  await server?.stop();
  if (dataDir) await rm(path.dirname(dataDir), { recursive: true, force: true });
});

const is503Problem = (a: Answer) => a.status === 503 && a.contentType?.startsWith("application/problem+json") && a.body?.status === 503 && a.retryAfter !== undefined;

describe("Postgres stopped for 10 s under a steady load", () => {
  it("answers 503 problem+json within 2 s while it is down and 202 again, unrestarted, when it is back", async () => {
    onTestFailed(() => console.error(logTail(system.logs)));
    const load = steadyLoad({ urls: [system.intakes[0]!.url], token: await tokenFor("operator"), perSecond: 10, timeoutMs: 10_000 });
    await sleep(3000);
    // A transaction of intake's that is open when the server goes: it must fail, not crash the process.
    let serverGone!: () => void;
    const gone = new Promise<void>((r) => (serverGone = r));
    const openTransaction = withTransaction(system.intakes[0]!.runtime.pool, async (client) => {
      await client.query("SELECT 1");
      await gone;
      return client.query("SELECT 1");
    }).then(() => undefined, (err: unknown) => err);
    const stopping = Date.now();
    await server.stop();
    const down = Date.now();
    serverGone();
    const failure = await openTransaction;
    expect(isDatabaseUnavailable(failure), `the open transaction failed with: ${String(failure)}`).toBe(true);
    await sleep(OUTAGE_MS);
    const starting = Date.now();
    server = await startEmbeddedPostgres(dataDir, PORT);
    const up = Date.now();
    // Back without a restart of intake: the first 202 after the server answers again.
    const recovered = await eventually(async () => load.answers.find((a) => a.sentAt >= up && a.status === 202), 20_000, "a 202 after the restart");
    await sleep(3000);
    const answers = await load.stop();

    const whileDown = answers.filter((a) => a.sentAt >= down && a.sentAt + a.ms < starting);
    const afterwards = answers.filter((a) => a.sentAt >= recovered.sentAt);
    expect(answers.filter((a) => a.ms > ANSWER_WITHIN_MS), "answers slower than the bound").toEqual([]);
    expect(answers.filter((a) => a.status !== 202 && !is503Problem(a)), "neither 202 nor a 503 problem").toEqual([]);
    expect(whileDown.length).toBeGreaterThanOrEqual((OUTAGE_MS / 1000) * 10 * 0.8);
    expect(whileDown.filter((a) => !is503Problem(a)), "answers while the server was down").toEqual([]);
    expect(afterwards.filter((a) => a.status !== 202), "answers once it was back").toEqual([]);

    const accepted = answers.filter((a) => a.status === 202).map((a) => a.body!.id!);
    const books = await settle({
      db, kafka, topicPrefix: env.topicPrefix, accepted,
      services: ["intake", "triage"],
      caseEvents: ["case.opened.v1", "grievance.triaged.v2", "case.assigned.v1"],
      // A batch the relay had published when the server went away is published again.
      copies: "at-least-once",
      finalStatus: "assigned",
    }, 60_000);
    const downMs = whileDown.map((a) => a.ms);
    console.info("fault 3 (postgres restart)", JSON.stringify({
      stopMs: down - stopping, outageMs: up - down, requests: answers.length, answered503: answers.filter((a) => a.status === 503).length,
      whileDown: whileDown.length, whileDownMaxMs: Math.round(Math.max(...downMs)), whileDownP50Ms: Math.round(percentile(downMs, 50)),
      maxMs: Math.round(Math.max(...answers.map((a) => a.ms))), first202AfterStartMs: recovered.sentAt + recovered.ms - up,
      settledMs: books.settledMs, ...books.figures,
    }));
    expect(books.problems).toEqual([]);
  }, 180_000);
});
