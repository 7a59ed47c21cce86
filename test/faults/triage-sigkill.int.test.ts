// Fault 2: triage, running as a process of its own, killed with SIGKILL while it works through
// a burst of grievances, then started again. Nothing is lost, no grievance opens two cases,
// no case is announced twice: the events applied before the kill but not yet committed to
// Kafka come again and the inbox absorbs them.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Kafka } from "kafkajs";
import pg from "pg";
import { encodeEvent } from "@grievance-hub/kit";
import { Topics, type EventData } from "@grievance-hub/schema";
import { createTestEnv, eventually, type TestEnv } from "../support";
import { kafkaClient, seedDirectory, settle, spawnService, type ServiceProcess } from "./support";

const BURST = 400;

let env: TestEnv;
let db: pg.Pool;
let kafka: Kafka;
let triage: ServiceProcess;
let processEnv: Record<string, string>;

beforeAll(async () => {
  env = await createTestEnv();
  db = new pg.Pool({ connectionString: env.databaseUrl });
  kafka = kafkaClient(env.kafkaBrokers);
  processEnv = { DATABASE_URL: env.databaseUrl, KAFKA_BROKERS: env.kafkaBrokers, KAFKA_TOPIC_PREFIX: env.topicPrefix, LOG_LEVEL: "warn", DEADLINE_SCAN_INTERVAL_MS: "3600000", OUTBOX_POLL_INTERVAL_MS: "200" };
  triage = await spawnService("triage", processEnv);
  await seedDirectory(triage.url);
}, 120_000);

afterAll(async () => {
  triage?.kill("SIGKILL");
  await triage?.exited;
  await db?.end();
  await env?.drop();
});

function received(i: number): EventData<"grievance.received.v1"> {
  const n = String(i).padStart(6, "0");
  const grievanceId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  return {
    grievanceId,
    trackingCode: `K${n.slice(0, 4)}-${n}`,
    channel: "phone",
    receivedAt: new Date().toISOString(),
    divisionCode: `440402${n}`,
    language: "zh",
    description: "楼上邻居装修噪音每天到深夜，多次沟通无果。",
    complainant: { anonymous: false, name: `Caller ${i}`, phone: `+86137${String(i).padStart(8, "0")}`, phoneHash: n.padStart(64, "a"), language: "zh", consentToContact: true },
    location: { divisionCode: `440402${n}` },
  };
}

const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]!.n);

async function committedSum(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: env.topicPrefix + "triage", topics: [env.topicPrefix + Topics.grievancesInternal] });
    return t!.partitions.reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe("triage killed with SIGKILL in the middle of a burst", () => {
  it("opens exactly one case per grievance and announces each once after it is started again", async () => {
    const first = triage;
    onTestFailed(() => console.error(first.output().slice(-3000), "\n--- after the restart ---\n", triage.output().slice(-3000)));
    const events = Array.from({ length: BURST }, (_, i) => encodeEvent("grievance.received.v1", received(i), { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: env.topicPrefix + Topics.grievancesInternal, acks: -1, messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers })) });
    await producer.disconnect();

    await eventually(async () => ((await count("SELECT count(*) AS n FROM triage.cases")) >= 40 ? true : undefined), 60_000, "the first cases");
    triage.kill("SIGKILL");
    const killed = await triage.exited;
    const atKill = {
      cases: await count("SELECT count(*) AS n FROM triage.cases"),
      applied: await count("SELECT count(*) AS n FROM triage.inbox"),
      committed: await committedSum(),
      unpublished: await count("SELECT count(*) AS n FROM triage.outbox"),
    };
    expect(killed.signal).toBe("SIGKILL");
    expect(atKill.cases).toBeLessThan(BURST);

    triage = await spawnService("triage", processEnv);
    const books = await settle({
      db, kafka, topicPrefix: env.topicPrefix, accepted: events.map((e) => e.subject),
      services: ["triage"],
      caseEvents: ["case.opened.v1", "grievance.triaged.v2", "case.assigned.v1"],
      // The relay may have published rows it had no time to mark sent: those go out again,
      // with the same event id, and consumers apply them once. A second *event* for one
      // fact (another id) is what must never happen, and `settle` counts those.
      copies: "at-least-once",
    }, 90_000);
    console.info("fault 2 (triage SIGKILL)", JSON.stringify({ burst: BURST, atKill, settledAfterRestartMs: books.settledMs, ...books.figures }));
    expect(books.problems).toEqual([]);
    // The kill landed mid-batch: events applied before it whose offsets were not yet committed
    // were delivered again after the restart (and the inbox absorbed them).
    expect(atKill.applied, "events applied but not committed at the kill").toBeGreaterThan(atKill.committed);
  }, 180_000);
});
