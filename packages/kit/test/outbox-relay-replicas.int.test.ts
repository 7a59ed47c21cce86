// Two replicas' outbox relays over real Postgres and Kafka: one leads and publishes what both
// replicas commit; the other, told of its own commits, hands them to the leader with a NOTIFY and
// waits for its poll to try to lead again. It used to try again at once, for ever, after the
// first NOTIFY it heard: a busy loop of pg_try_advisory_lock on every replica but one.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, createPool, createProducer, enqueueEvents, ensureTopics, migrate, OutboxRelay, withTransaction, type OutboxContext, type Pool, type Publisher } from "@grievance-hub/kit";
import { createTestEnv, eventually, type TestEnv } from "../../../test/support";

let env: TestEnv;
let pools: Pool[] = [];
let producer: Publisher;
const relays: OutboxRelay[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  await migrate({ databaseUrl: env.databaseUrl, schema: "relay", dir: mkdtempSync(path.join(tmpdir(), "gh-no-migrations-")), logger: env.logger });
  pools = [0, 1].map(() => createPool({ databaseUrl: env.databaseUrl, size: 2, connectTimeoutMs: 2000, schema: "relay", logger: env.logger }));
  const kafka = createKafka({ clientId: "relay-replicas-test", brokers: env.kafkaBrokers.split(","), logger: env.logger });
  await ensureTopics(kafka, env.topicPrefix);
  producer = createProducer(kafka, env.logger);
  await producer.connect();
});
afterAll(async () => {
  for (const relay of relays) await relay.stop();
  await producer?.disconnect();
  for (const pool of pools) await pool.end();
  await env?.drop();
});

describe("outbox relays of two replicas", () => {
  it("the leader publishes both replicas' commits; the other does not spin trying to lead", async () => {
    const relayOf = (pool: Pool) => new OutboxRelay({ pool, databaseUrl: env.databaseUrl, schema: "relay", producer, logger: env.logger, pollIntervalMs: 1000 });
    const leader = relayOf(pools[0]!);
    relays.push(leader);
    leader.start();
    await eventually(async () => ((await leader.status()).leader ? true : undefined), 10_000, "the first relay to lead");
    const follower = relayOf(pools[1]!);
    relays.push(follower);
    follower.start();

    // Twenty commits on the follower's replica, each announced to its relay as the runtime does.
    const ctx: OutboxContext = { schema: "relay", source: "/test", topicPrefix: env.topicPrefix, announce: () => follower.announce() };
    for (let i = 0; i < 20; i++) {
      await withTransaction(pools[1]!, (client) =>
        enqueueEvents(client, ctx, [
          { type: "case.opened.v1", data: { caseId: randomUUID(), grievanceId: randomUUID(), trackingCode: `TR${i}`, divisionCode: "440402001001", openedAt: new Date().toISOString(), status: "received", classification: null } },
        ]),
      );
    }
    await eventually(async () => ((await leader.status()).unsent === 0 ? true : undefined), 10_000, "the leader to publish them");
    expect(leader.published).toBe(40); // each event and its public counterpart
    expect(follower.published).toBe(0);
    expect((await follower.status()).leader).toBe(false);

    // Quiet now: the two relays poll about once a second and nothing more. A follower trying to
    // lead in a loop sends pg_try_advisory_lock after pg_try_advisory_lock (tens of thousands in a
    // few seconds), which keeps this process (the tests run in a process of their own) busy.
    await new Promise((r) => setTimeout(r, 500));
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 3000));
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1000, "ms of CPU in 3 quiet seconds").toBeLessThan(600);
  }, 60_000);
});
