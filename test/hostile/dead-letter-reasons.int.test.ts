// A dead letter's reason (its dlq-reason header, and the log line about it) names what is wrong,
// never the value that was wrong: poison messages carrying a phone number and a name where an
// id, a time or a type belongs, or a party's name and phone and an agreement's terms where a
// case event's fields belong, reach intake's dead-letter topic with none of them in the reason.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { captureLogs, createTestEnv, type TestEnv } from "../support";
import { capturedLogger, readTopics } from "./support";

const phone = "+86 138 0013 8000";
const name = "Qiao Mingyue";
// Mediation's personal data: the other party and what was agreed.
const partyName = "Wang Fangfei";
const partyPhone = "+8613900139000";
const terms = "Wang Fangfei pays 800 yuan to Qiao Mingyue by the end of the month";
let env: TestEnv;
let intake: RunningService;
const logs = captureLogs();

beforeAll(async () => {
  env = await createTestEnv();
  intake = await startIntake(loadConfig(IntakeConfig, env.env), capturedLogger("intake", logs));
});

afterAll(async () => {
  await intake?.stop();
  await env?.drop();
});

const ce = (overrides: Record<string, string> = {}) => ({
  ce_id: randomUUID(),
  ce_source: "/triage",
  ce_type: "case.assigned.v1",
  ce_specversion: "1.0",
  ce_time: "2026-12-04T09:00:00Z",
  "content-type": "application/json",
  ...overrides,
});

describe("dead letters", () => {
  it("say what was wrong without repeating the personal values", async () => {
    const prefix = env.env.KAFKA_TOPIC_PREFIX;
    const kafka = new Kafka({ clientId: "dead-letter-reasons", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const poisons = [
      { headers: ce(), value: `{"caseId": "${phone}", "note": "${name}` },
      { headers: ce(), value: JSON.stringify({ caseId: phone, name, occurredAt: name }) },
      { headers: ce({ ce_type: `${name} ${phone}` }), value: "{}" },
      { headers: ce({ ce_time: phone, ce_specversion: name }), value: "{}" },
      {
        headers: ce(),
        value: JSON.stringify({ caseId: randomUUID(), grievanceId: randomUUID(), occurredAt: "2026-12-04T09:00:00Z", actor: { id: partyName, role: partyPhone }, team: terms, caseworkerId: 42, parties: [{ name: partyName, phone: partyPhone }] }),
      },
    ];
    await producer.send({ topic: `${prefix}${Topics.casesInternal}`, messages: poisons.map((p) => ({ key: randomUUID(), headers: p.headers, value: p.value })) });
    await producer.disconnect();

    const deadLetters = await readTopics(env.kafkaBrokers, [`${prefix}${Topics.deadLetterIntake}`]);
    expect(deadLetters.length).toBe(poisons.length);
    const reasons = deadLetters.map((m) => m.text.split("\n").find((line) => line.startsWith("dlq-reason="))!);
    for (const reason of reasons) {
      expect(reason.length).toBeGreaterThan("dlq-reason=".length);
      expect(reason).not.toContain("138 0013 8000");
      expect(reason).not.toContain(name);
      for (const personal of [partyName, "13900139000", terms]) expect(reason).not.toContain(personal);
    }
    const text = logs.text();
    expect(text).toContain("poison message sent to the dead-letter topic");
    expect(text).not.toContain("138 0013 8000");
    expect(text).not.toContain(name);
    for (const personal of [partyName, "13900139000", terms]) expect(text).not.toContain(personal);
  });
});
