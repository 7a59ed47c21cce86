// The kit's consumer over real Kafka and Postgres: what one fetch brings from several partitions
// is applied in one transaction, each partition's events in order; and a poison message on one
// partition leaves the other partitions' events applied and goes to the dead-letter topic alone.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kafka } from "kafkajs";
import { createKafka, createPool, createProducer, encodeEvent, EventConsumer, migrate, type BatchMessage, type Pool, type Publisher } from "@grievance-hub/kit";
import { createTestEnv, eventually, type TestEnv } from "../../../test/support";

const partitions = 6;
let env: TestEnv;
let pool: Pool;
let kafka: Kafka;
let producer: Publisher;

beforeAll(async () => {
  env = await createTestEnv();
  await migrate({ databaseUrl: env.databaseUrl, schema: "batches", dir: mkdtempSync(path.join(tmpdir(), "gh-no-migrations-")), logger: env.logger });
  pool = createPool({ databaseUrl: env.databaseUrl, size: 4, connectTimeoutMs: 2000, schema: "batches", logger: env.logger });
  kafka = createKafka({ clientId: "consumer-batches-test", brokers: env.kafkaBrokers.split(","), logger: env.logger });
  producer = createProducer(kafka, env.logger);
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await pool?.end();
  await env?.drop();
});

/** A topic of its own with six partitions, and a dead-letter topic. */
async function topics(name: string): Promise<{ topic: string; deadLetters: string }> {
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${env.topicPrefix}${name}`;
  const deadLetters = `${topic}.dlq`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }, { topic: deadLetters, numPartitions: 1 }] });
  await admin.disconnect();
  return { topic, deadLetters };
}

function caseOpened(n: number): { value: string; headers: Record<string, string>; eventId: string } {
  const e = encodeEvent(
    "case.opened.v1",
    { caseId: randomUUID(), grievanceId: randomUUID(), trackingCode: `TR${n}`, divisionCode: "440402001001", openedAt: new Date().toISOString(), status: "received", classification: null },
    { source: "/test", topicPrefix: env.topicPrefix },
  );
  return { value: e.value, headers: e.headers, eventId: e.eventId };
}

/** A consumer recording each call of its batch handler: the partitions and tracking codes it was given. */
function consumer(topic: string, deadLetters: string, calls: { partition: number; code: string }[][]): EventConsumer {
  return new EventConsumer({
    kafka,
    groupId: `${topic}.group`,
    topics: [topic],
    pool,
    schema: "batches",
    producer,
    deadLetterTopic: deadLetters,
    logger: env.logger,
    batchHandlers: {
      "case.opened.v1": async (_client, messages: BatchMessage[]) => {
        calls.push(messages.map((m) => ({ partition: m.position.partition, code: (m.event.data as { trackingCode: string }).trackingCode })));
      },
    },
  });
}

describe("the kit's consumer", () => {
  it("applies what one fetch brings from every partition in one transaction, each partition's events in order", async () => {
    const { topic, deadLetters } = await topics("together");
    // Three events on each partition, all there before the consumer starts: its first fetch brings them all.
    const sent = Array.from({ length: partitions * 3 }, (_, i) => ({ partition: i % partitions, ...caseOpened(i) }));
    await producer.send({ topic, acks: -1, messages: sent.map((m) => ({ partition: m.partition, value: m.value, headers: m.headers })) });
    const calls: { partition: number; code: string }[][] = [];
    const c = consumer(topic, deadLetters, calls);
    await c.start();
    try {
      await eventually(async () => ((await pool.query("SELECT count(*)::int AS n FROM inbox WHERE topic = $1", [topic])).rows[0].n === sent.length ? true : undefined), 30_000, "every event applied");
      const { rows } = await pool.query<{ n: number }>("SELECT count(DISTINCT xmin::text)::int AS n FROM inbox WHERE topic = $1", [topic]);
      // One partition a transaction would be six.
      expect(rows[0]!.n, "transactions").toBeLessThanOrEqual(2);
      expect(calls.length, "batch handler calls").toBeLessThanOrEqual(2);
      expect(new Set(calls.flat().map((m) => m.partition)).size).toBe(partitions);
      for (let p = 0; p < partitions; p++) {
        const order = calls.flat().filter((m) => m.partition === p).map((m) => m.code);
        expect(order, `partition ${p} in order`).toEqual(sent.filter((m) => m.partition === p).map((_, i) => `TR${p + i * partitions}`));
      }
    } finally {
      await c.stop();
    }
  }, 60_000);

  it("a poison message on one partition goes to the dead-letter topic alone; the other partitions' events and its own others apply", async () => {
    const { topic, deadLetters } = await topics("poison");
    const good = Array.from({ length: partitions * 2 }, (_, i) => ({ partition: i % partitions, ...caseOpened(i) }));
    const poison = { partition: 2, value: '{"caseId": "not closed', headers: { ...good[2]!.headers, ce_id: randomUUID() } };
    await producer.send({ topic, acks: -1, messages: [...good.slice(0, partitions), poison, ...good.slice(partitions)].map((m) => ({ partition: m.partition, value: m.value, headers: m.headers })) });
    const calls: { partition: number; code: string }[][] = [];
    const c = consumer(topic, deadLetters, calls);
    await c.start();
    try {
      await eventually(async () => ((await pool.query("SELECT count(*)::int AS n FROM inbox WHERE topic = $1", [topic])).rows[0].n === good.length ? true : undefined), 30_000, "every good event applied");
      expect(new Set(calls.flat().map((m) => m.code))).toEqual(new Set(good.map((_, i) => `TR${i}`)));
      const dead: { partition: string; reason: string }[] = [];
      const reader = kafka.consumer({ groupId: `${deadLetters}.reader` });
      await reader.connect();
      await reader.subscribe({ topics: [deadLetters], fromBeginning: true });
      await reader.run({ eachMessage: async ({ message }) => void dead.push({ partition: String(message.headers?.["dlq-partition"]), reason: String(message.headers?.["dlq-reason"]) }) });
      await eventually(async () => (dead.length >= 1 ? true : undefined), 30_000, "the dead letter");
      await new Promise((r) => setTimeout(r, 500));
      await reader.disconnect();
      expect(dead).toEqual([{ partition: "2", reason: expect.stringMatching(/JSON/) }]);
    } finally {
      await c.stop();
    }
  }, 60_000);
});
