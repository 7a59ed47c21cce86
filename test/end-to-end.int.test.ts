// One grievance through the whole system over the real broker and database, and a
// redelivery of every event that must change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "./support";

let env: TestEnv;
let services: RunningService[] = [];
let db: pg.Pool;
let kafka: Kafka;

const body = {
  channel: "phone",
  complainant: { name: "Li Wei", phone: "+86 138 0013 8000", language: "zh", consentToContact: true },
  location: { divisionCode: "440402001001" },
  description: "邻居装修噪音每天到晚上十一点，多次沟通无果。",
};

beforeAll(async () => {
  env = await createTestEnv();
  services = [
    await startIntake(loadConfig(IntakeConfig, env.env), env.logger),
    await startTriage(loadConfig(TriageConfig, env.env), env.logger),
    await startNotification(loadConfig(NotificationConfig, env.env), env.logger),
  ];
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const admin = { "content-type": "application/json", authorization: `Bearer ${await tokenFor("admin")}` };
  const triageUrl = services[1]!.url;
  await fetch(`${triageUrl}/v1/admin/teams/xiangzhou-community`, { method: "PUT", headers: admin, body: JSON.stringify({ name: "Xiangzhou community mediation", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "family"] }) });
  await fetch(`${triageUrl}/v1/admin/caseworkers/cw-zhang`, { method: "PUT", headers: admin, body: JSON.stringify({ teamId: "xiangzhou-community", name: "Zhang Min", categories: ["neighbour"], languages: ["zh"], capacity: 10 }) });
  kafka = new Kafka({ clientId: "e2e-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  await db?.end();
  await env?.drop();
});

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

/** Reads every message of a topic from the beginning with a throw-away group. */
async function readTopic(topic: string, expected: number) {
  const consumer = kafka.consumer({ groupId: `reader-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 500 });
  const messages: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push({ key: message.key, value: message.value, headers: message.headers ?? {} }) });
  await eventually(async () => (messages.length >= expected ? true : undefined), 20_000, `${expected} message(s) on ${topic}`);
  await consumer.disconnect();
  return messages;
}

/** Waits until `group` has committed past `offset` on the partition that holds it. */
async function consumedPast(group: string, topic: string, partition: number, offset: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const p = t?.partitions.find((x) => x.partition === partition);
      return p && BigInt(p.offset) > BigInt(offset) ? true : undefined;
    }, 20_000, `${group} to consume offset ${offset}`);
  } finally {
    await admin.disconnect();
  }
}

describe("one grievance end to end", () => {
  let grievanceId: string;

  it("accepts a grievance with 202, an id and a tracking code", async () => {
    const res = await fetch(`${services[0]!.url}/v1/grievances`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` }, body: JSON.stringify(body) });
    expect(res.status).toBe(202);
    const answer = (await res.json()) as { id: string; trackingCode: string; status: string };
    expect(answer.status).toBe("received");
    expect(answer.trackingCode).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
    grievanceId = answer.id;
  });

  it("classifies the grievance and assigns it to the community caseworker", async () => {
    const row = await eventually(async () => (await db.query("SELECT * FROM triage.cases WHERE grievance_id = $1", [grievanceId])).rows[0], 30_000, "the case");
    expect(row).toMatchObject({ status: "assigned", category: "neighbour", urgency: "P3", division_code: "440402001001", team_id: "xiangzhou-community", caseworker_id: "cw-zhang" });
  });

  it("records the deliveries the case makes due in notification's projection", async () => {
    const row = await eventually(async () => (await db.query("SELECT * FROM notification.deliveries WHERE grievance_id = $1", [grievanceId])).rows[0], 30_000, "a delivery");
    expect(row).toBeTruthy();
  });

  it("tells intake, which shows the new status", async () => {
    const status = await eventually(async () => {
      const { rows } = await db.query("SELECT status, handling_level FROM intake.grievances WHERE id = $1", [grievanceId]);
      return rows[0]?.status === "assigned" ? rows[0] : undefined;
    }, 30_000, "intake's status");
    expect(status).toEqual({ status: "assigned", handling_level: "community" });
  });

  it("publishes a CloudEvent in binary mode about the grievance, keyed by its district", async () => {
    const [message] = await readTopic(env.topicPrefix + Topics.grievancesInternal, 1);
    expect(message).toBeDefined();
    const header = (name: string) => message!.headers[name]?.toString();
    expect(message!.key?.toString()).toBe("440402");
    expect(header("ce_type")).toBe("grievance.received.v2");
    expect(header("ce_specversion")).toBe("1.0");
    expect(header("ce_subject")).toBe(grievanceId);
    expect(header("ce_source")).toBe("/grievance-hub/intake");
    expect(header("content-type")).toBe("application/json");
    // The complainant's phone sealed with their data key: nothing readable in the log.
    expect(message!.value!.toString()).not.toContain("13800138000");
    expect(JSON.parse(message!.value!.toString())).toMatchObject({ grievanceId, complainant: { phone: expect.stringMatching(/^ghs1\./) } });
  });

  it("changes nothing when every event is delivered again", async () => {
    const before = {
      cases: await count("SELECT count(*) AS n FROM triage.cases"),
      triageOutbox: await count("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM triage.outbox_id_seq"),
      deliveries: await count("SELECT count(*) AS n FROM notification.deliveries"),
    };
    // triageOutbox: rows ever written to triage's outbox (the relay deletes published ones): 3 case events and their public counterparts.
    expect(before).toMatchObject({ cases: 1, triageOutbox: 6 });
    expect(before.deliveries).toBeGreaterThan(0);

    const producer = kafka.producer();
    await producer.connect();
    for (const [topic, group] of [
      [env.topicPrefix + Topics.grievancesInternal, env.topicPrefix + "triage"],
      [env.topicPrefix + Topics.casesInternal, env.topicPrefix + "notification"],
    ] as const) {
      const [original] = await readTopic(topic, 1);
      const [sent] = await producer.send({ topic, messages: [{ key: original!.key, value: original!.value, headers: original!.headers as Record<string, Buffer> }] });
      await consumedPast(group, topic, sent!.partition, sent!.baseOffset!);
    }
    await producer.disconnect();

    expect({
      cases: await count("SELECT count(*) AS n FROM triage.cases"),
      triageOutbox: await count("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM triage.outbox_id_seq"),
      deliveries: await count("SELECT count(*) AS n FROM notification.deliveries"),
    }).toEqual(before);
    expect(await count("SELECT count(*) AS n FROM triage.inbox")).toBe(1);
  });

  it("reports ready when its database and Kafka answer", async () => {
    for (const s of services) {
      const res = await fetch(`${s.url}/health/ready`);
      expect(res.status, s.name).toBe(200);
      const body = (await res.json()) as { checks: { name: string; ok: boolean }[] };
      expect(body.checks.map((c) => c.name)).toEqual(["database", "kafka", "outbox"]);
    }
  });
});
