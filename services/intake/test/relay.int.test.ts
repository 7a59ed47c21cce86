// The outbox relay with the broker taken away mid-load: intake keeps answering 202, the
// rows wait, and after the broker returns every grievance is published exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { encodeEvent, loadConfig, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { createTestEnv, eventually, startPrivateBroker, tokenFor, type TestEnv } from "../../../test/support";

let env: TestEnv;
let broker: Awaited<ReturnType<typeof startPrivateBroker>>;
let intake: RunningService;
let db: pg.Pool;
let token: string;

beforeAll(async () => {
  env = await createTestEnv();
  broker = await startPrivateBroker(19092);
  intake = await startIntake(loadConfig(IntakeConfig, { ...env.env, KAFKA_BROKERS: broker.brokers }), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  token = await tokenFor("operator");
}, 180_000);

afterAll(async () => {
  await intake?.stop();
  await db?.end();
  await broker?.destroy();
  await env?.drop();
});

async function postOne(i: number): Promise<{ status: number; id?: string }> {
  const res = await fetch(`${intake.url}/v1/grievances`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ channel: "phone", anonymous: true, language: "en", location: { divisionCode: "440402001001" }, description: `Grievance number ${i}` }),
  });
  const body = (await res.json()) as { id?: string };
  return { status: res.status, ...(body.id ? { id: body.id } : {}) };
}

const unsent = async () => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM intake.outbox")).rows[0]!.n);

describe("outbox relay with the broker stopped and restarted", () => {
  it("accepts grievances throughout and publishes each exactly once afterwards", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await postOne(i)).id!);
    await eventually(async () => ((await unsent()) === 0 ? true : undefined), 20_000, "the first batch to be published");

    await broker.stop();
    for (let i = 10; i < 30; i++) {
      const r = await postOne(i);
      expect(r.status).toBe(202);
      ids.push(r.id!);
    }
    expect(await unsent()).toBe(40); // each grievance: the internal event and its public counterpart
    const ready = await fetch(`${intake.url}/health/ready`);
    expect(ready.status).toBe(503);
    const detail = (await ready.json()) as { checks: { name: string; ok: boolean; unsent?: number }[] };
    expect(detail.checks.find((c) => c.name === "kafka")?.ok).toBe(false);
    expect(detail.checks.find((c) => c.name === "outbox")).toMatchObject({ ok: true, unsent: 40 });
    const metrics = await (await fetch(intake.metricsUrl!)).text();
    expect(metrics).toMatch(/^outbox_unsent_events\{service="intake"\} 40$/m);

    await broker.start();
    await eventually(async () => ((await unsent()) === 0 ? true : undefined), 60_000, "the waiting rows to be published");

    const kafka = new Kafka({ clientId: "relay-test", brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: "relay-test-reader", maxWaitTimeInMs: 500 });
    const seen: string[] = [];
    const order = new Map<string, number>();
    await consumer.connect();
    await consumer.subscribe({ topic: env.topicPrefix + Topics.grievancesInternal, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        // Keyed by the district; the grievance is the CloudEvents subject.
        expect(message.key!.toString()).toBe("440402");
        const subject = message.headers!["ce_subject"]!.toString();
        seen.push(subject);
        order.set(subject, (order.get(subject) ?? 0) + 1);
      },
    });
    await eventually(async () => (seen.length >= 30 ? true : undefined), 30_000, "30 events on the topic");
    await new Promise((r) => setTimeout(r, 1000));
    await consumer.disconnect();
    expect(seen.length).toBe(30);
    expect(new Set(seen)).toEqual(new Set(ids));

    // intake's own consumer came back too: a case event sent now reaches its timeline.
    const producer = kafka.producer();
    await producer.connect();
    const e = encodeEvent(
      "case.opened.v1",
      { caseId: "7b0f3a52-6d1e-4a57-9a51-2f1c2d7c4e11", grievanceId: ids[0]!, trackingCode: "ABCDE-FGHJK", divisionCode: "440402001001", openedAt: new Date().toISOString(), status: "received", classification: null },
      { source: "/grievance-hub/triage", topicPrefix: env.topicPrefix },
    );
    await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
    await producer.disconnect();
    await eventually(async () => ((await db.query("SELECT 1 FROM intake.timeline WHERE grievance_id = $1", [ids[0]])).rowCount === 1 ? true : undefined), 60_000, "intake's consumer to apply a case event after the restart");
  }, 180_000);
});
