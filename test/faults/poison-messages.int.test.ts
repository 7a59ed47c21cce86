// Fault 4: poison messages on every consumed topic — bad JSON, an unknown type, a known type
// in an unknown version, data failing the schema, no CloudEvents headers, and data that passes
// the schema but can never be stored. No consumer stalls: each poison message goes to the
// consuming service's dead-letter topic with the reason and where it came from, and the valid
// event behind it on the same partition is applied.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Kafka, Producer } from "kafkajs";
import pg from "pg";
import { encodeEvent, type EncodedEvent } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { grievanceBody, kafkaClient, logTail, readTopic, seedDirectory, startPeers, startSystem, type Peers, type System, type TopicMessage } from "./support";

let env: TestEnv;
let peers: Peers;
let system: System;
let db: pg.Pool;
let kafka: Kafka;
let producer: Producer;

beforeAll(async () => {
  env = await createTestEnv();
  peers = await startPeers();
  system = await startSystem(env, { peers });
  await seedDirectory(system.triages[0]!.url, system.notifications[0]!.url, peers);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  kafka = kafkaClient(env.kafkaBrokers);
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await system?.stop();
  await Promise.allSettled([peers?.webhook.close(), peers?.sms.close()]);
  await db?.end();
  await env?.drop();
});

interface Poison {
  what: string;
  headers: Record<string, string>;
  value: string;
  /** What the dead letter's reason must say. */
  reason: RegExp;
  /** Services that must refuse it (a service that can store it applies it). */
  refusedBy: string[];
}

/** The poison variants of a valid event, all keyed like it (so on its partition, before it). */
function poisonsOf(valid: EncodedEvent, consumers: string[], unknownType: string, unknownVersion: string, failing: Record<string, unknown>): Poison[] {
  const h = valid.headers;
  return [
    { what: "bad JSON", headers: { ...h, ce_id: randomUUID() }, value: '{"grievanceId": "not closed', reason: /JSON/, refusedBy: consumers },
    { what: "an unknown type", headers: { ...h, ce_id: randomUUID(), ce_type: unknownType }, value: valid.value, reason: new RegExp(`unknown event type ${unknownType.replaceAll(".", "\\.")}`), refusedBy: consumers },
    { what: "an unknown version", headers: { ...h, ce_id: randomUUID(), ce_type: unknownVersion }, value: valid.value, reason: new RegExp(`unknown event type ${unknownVersion.replaceAll(".", "\\.")}`), refusedBy: consumers },
    { what: "data failing the schema", headers: { ...h, ce_id: randomUUID() }, value: JSON.stringify({ ...JSON.parse(valid.value), ...failing }), reason: new RegExp(`fails the schema at: .*${Object.keys(failing)[0]}`), refusedBy: consumers },
    { what: "no CloudEvents headers", headers: {}, value: valid.value, reason: /not a CloudEvent/, refusedBy: consumers },
  ];
}

async function produce(topic: string, messages: { key: string; headers: Record<string, string>; value: string }[]): Promise<string[]> {
  const offsets: string[] = [];
  // One at a time, in order: each offset is known, and all sit on the key's partition.
  for (const m of messages) {
    const [r] = await producer.send({ topic, acks: -1, messages: [m] });
    offsets.push(r!.baseOffset!);
  }
  return offsets;
}

const header = (m: TopicMessage, name: string) => m.headers[name]?.toString();

describe("poison messages on every consumed topic", () => {
  it("go to each consuming service's dead-letter topic with the reason, and the event behind them is applied", async () => {
    onTestFailed(() => console.error(logTail(system.logs)));
    // A grievance through the whole system, so intake holds it and case events about it matter.
    const res = await fetch(`${system.intakes[0]!.url}/v1/grievances`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` },
      body: JSON.stringify(grievanceBody(1)),
    });
    const { id: known } = (await res.json()) as { id: string };
    await eventually(async () => ((await db.query("SELECT status FROM intake.grievances WHERE id = $1", [known])).rows[0]?.status === "assigned" ? true : undefined), 30_000, "the grievance to be assigned");

    // grievances.internal: triage and notification consume it.
    const fresh = randomUUID();
    const received = encodeEvent("grievance.received.v1", {
      grievanceId: fresh, trackingCode: "PSN01-AAAAA", channel: "phone", receivedAt: new Date().toISOString(), divisionCode: "440402000777", language: "zh",
      description: "邻居家的狗每天夜里叫，影响休息。",
      complainant: { anonymous: false, name: "Chen Jie", phone: "+8613900000777", phoneHash: "b".repeat(64), language: "zh", consentToContact: true },
      location: { divisionCode: "440402000777" },
    }, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix });
    const grievancePoisons: Poison[] = [
      ...poisonsOf(received, ["triage", "notification"], "grievance.exploded.v1", "grievance.received.v9", { divisionCode: "44A", grievanceId: "nope" }),
      {
        what: "data that passes the schema but cannot be stored (a NUL character)",
        headers: { ...received.headers, ce_id: randomUUID() },
        // In the tracking code, which both keep in clear (the description they keep sealed, whatever it holds).
        value: JSON.stringify({ ...JSON.parse(received.value), grievanceId: randomUUID(), trackingCode: "PSN01\u0000AAAA" }),
        reason: /cannot be stored.*0x00/,
        refusedBy: ["triage", "notification"],
      },
    ];
    // cases.internal: intake and notification consume it.
    const escalated = encodeEvent("case.escalated.v1", {
      caseId: randomUUID(), grievanceId: known, occurredAt: new Date().toISOString(), actor: { id: "deadline-scheduler", role: "system" },
      trackingCode: "PSN02-BBBBB", divisionCode: "440402000001", category: "neighbour", urgency: "P3",
      fromTeam: { id: "community", level: "community" }, toTeam: { id: "street", level: "street" }, reason: "the acknowledge deadline passed",
    }, { source: "/grievance-hub/triage", topicPrefix: env.topicPrefix });
    const casePoisons = poisonsOf(escalated, ["intake", "notification"], "case.exploded.v1", "case.escalated.v9", { toTeam: null });

    const gTopic = env.topicPrefix + Topics.grievancesInternal;
    const cTopic = env.topicPrefix + Topics.casesInternal;
    const sent = Date.now();
    const gOffsets = await produce(gTopic, [...grievancePoisons.map((p) => ({ key: received.key, headers: p.headers, value: p.value })), { key: received.key, headers: received.headers, value: received.value }]);
    const cOffsets = await produce(cTopic, [...casePoisons.map((p) => ({ key: escalated.key, headers: p.headers, value: p.value })), { key: escalated.key, headers: escalated.headers, value: escalated.value }]);

    // The valid events behind the poison are applied by every consumer of their topic.
    const applied = await eventually(async () => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*)::int FROM triage.cases WHERE grievance_id = $1) AS triage,
                (SELECT status FROM intake.grievances WHERE id = $2) AS intake,
                (SELECT count(*)::int FROM notification.deliveries WHERE event_id = ANY($3) AND status = 'sent') AS notification`,
        [fresh, known, [received.eventId, escalated.eventId]],
      );
      const r = rows[0] as { triage: number; intake: string; notification: number };
      return r.triage === 1 && r.intake === "queued" && r.notification === 2 ? Date.now() - sent : undefined;
    }, 60_000, "the valid events behind the poison messages to be applied");

    const deadLetters = {
      triage: await readTopic(kafka, env.topicPrefix + Topics.deadLetterTriage),
      intake: await readTopic(kafka, env.topicPrefix + Topics.deadLetterIntake),
      notification: await readTopic(kafka, env.topicPrefix + Topics.deadLetterNotification),
    };
    const expected: { service: keyof typeof deadLetters; topic: string; offset: string; poison: Poison }[] = [];
    for (const [topic, poisons, offsets] of [[gTopic, grievancePoisons, gOffsets], [cTopic, casePoisons, cOffsets]] as const) {
      poisons.forEach((poison, i) => {
        for (const service of poison.refusedBy) expected.push({ service: service as keyof typeof deadLetters, topic, offset: offsets[i]!, poison });
      });
    }
    for (const { service, topic, offset, poison } of expected) {
      const letter = deadLetters[service].find((m) => header(m, "dlq-topic") === topic && header(m, "dlq-offset") === offset);
      expect(letter, `${service}'s dead letter for ${poison.what} on ${topic}`).toBeDefined();
      expect(header(letter!, "dlq-reason"), `${service}: reason for ${poison.what}`).toMatch(poison.reason);
      expect(header(letter!, "dlq-group")).toBe(env.topicPrefix + service);
      expect(letter!.value?.toString(), `${service}: the poison message kept as it was`).toBe(poison.value);
    }
    // Nothing else was refused: the valid events are on no dead-letter topic.
    expect(Object.fromEntries(Object.entries(deadLetters).map(([s, l]) => [s, l.length]))).toEqual({
      triage: expected.filter((e) => e.service === "triage").length,
      intake: expected.filter((e) => e.service === "intake").length,
      notification: expected.filter((e) => e.service === "notification").length,
    });
    console.info("fault 4 (poison messages)", JSON.stringify({
      deadLetters: Object.fromEntries(Object.entries(deadLetters).map(([s, l]) => [s, l.length])),
      validAppliedAfterMs: applied,
      reasons: expected.map((e) => `${e.service}: ${header(deadLetters[e.service].find((m) => header(m, "dlq-offset") === e.offset && header(m, "dlq-topic") === e.topic)!, "dlq-reason")}`),
    }));
  }, 120_000);
});
