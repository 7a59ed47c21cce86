// Routing on arrival over real Kafka and Postgres: a grievance.received.v1 produced onto the
// test's topic is classified and goes to the most local team's least-loaded caseworker, or
// waits at that team, or stays triaged when no team covers it; what triage announces on
// cases.internal are CloudEvents about the grievance, keyed by its district.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Consumer, type IHeaders, type Producer } from "kafkajs";
import pg from "pg";
import { decodeEvent, encodeEvent, keyEncryptionKeys, Keyring, loadConfig, type DecodedEvent, type Pool, type RunningService } from "@grievance-hub/kit";
import { Topics, type EventData, type EventTypeName, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";

let env: TestEnv;
let triage: RunningService;
let db: pg.Pool;
let kafka: Kafka;
let producer: Producer;
let reader: Consumer;
let admin: string;
const published: { key: string; partition: number; headers: Record<string, string>; event: DecodedEvent }[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  triage = await startTriage(loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" }), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  kafka = new Kafka({ clientId: "triage-routing-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  reader = kafka.consumer({ groupId: `${env.topicPrefix}reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: env.topicPrefix + Topics.casesInternal, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      published.push({ key: message.key!.toString(), partition, headers: headersOf(message.headers), event: decodeEvent(message) });
    },
  });

  admin = await tokenFor("admin", "admin-1");
  await put("teams/xz-community", { name: "Xiangzhou community", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "family", "other"] });
  await put("teams/xz-empty", { name: "Xiangzhou second community", level: "community", divisionPrefix: "440402002", categories: ["neighbour"] });
  await put("teams/xz-street", { name: "Xiangzhou street", level: "street", divisionPrefix: "440402", categories: ["neighbour", "family", "labour", "other"] });
  await put("teams/xz-district", { name: "Xiangzhou district", level: "district", divisionPrefix: "4404", categories: ["neighbour", "family", "labour", "other"] });
  const worker = { categories: ["neighbour", "family", "other"], languages: ["zh"], capacity: 5 };
  await put("caseworkers/cw-a", { ...worker, teamId: "xz-community", name: "An" });
  await put("caseworkers/cw-b", { ...worker, teamId: "xz-community", name: "Bai" });
  await put("caseworkers/cw-street", { ...worker, categories: ["neighbour", "family", "labour", "other"], teamId: "xz-street", name: "Shi" });
  await put("caseworkers/cw-district", { ...worker, categories: ["neighbour", "family", "labour", "other"], teamId: "xz-district", name: "Deng" });
});

afterAll(async () => {
  await reader?.disconnect();
  await producer?.disconnect();
  await triage?.stop();
  await db?.end();
  await env?.drop();
});

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]));
}

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${triage.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}`).toBe(200);
}

let calls = 0;
function grievance(description: string, divisionCode: string, receivedAt = new Date()): GrievanceReceivedV1 {
  calls++;
  return {
    grievanceId: randomUUID(),
    trackingCode: `RT${String(calls).padStart(6, "0")}`,
    channel: "phone",
    receivedAt: receivedAt.toISOString(),
    divisionCode,
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash: randomBytes(16).toString("hex"), language: "zh", consentToContact: true },
    location: { divisionCode },
  };
}

/** Produces the grievance as intake would and waits until triage has applied it. */
async function receive(g: GrievanceReceivedV1): Promise<GrievanceReceivedV1> {
  const e = encodeEvent("grievance.received.v1", g, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix });
  await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
  await eventually(async () => ((await db.query("SELECT 1 FROM triage.inbox WHERE event_id = $1", [e.eventId])).rowCount ? true : undefined), 20_000, `triage to apply ${g.grievanceId}`);
  return g;
}

async function caseOf(grievanceId: string): Promise<Record<string, unknown> & { caseId: string; version: number }> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE grievance_id = $1", [grievanceId]);
  expect(rows, `a case for ${grievanceId}`).toHaveLength(1);
  const res = await fetch(`${triage.url}/v1/cases/${rows[0]!.id}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & { caseId: string; version: number };
}

/** How many messages a topic holds now (a fresh topic of this file: every partition starts at 0). */
async function topicLength(topic: string): Promise<number> {
  const a = kafka.admin();
  await a.connect();
  try {
    return (await a.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await a.disconnect();
  }
}

/** The events triage published about a grievance, once `types` have all arrived, in topic order. */
async function eventsAbout(grievanceId: string, types: EventTypeName[]): Promise<DecodedEvent[]> {
  return eventually(async () => {
    const about = published.filter((m) => m.event.subject === grievanceId).map((m) => m.event);
    return types.every((t) => about.some((e) => e.type === t)) ? about : undefined;
  }, 20_000, `${types.join(", ")} about ${grievanceId}`);
}

function dataOf<T extends EventTypeName>(events: DecodedEvent[], type: T): EventData<T> {
  const found = events.filter((e) => e.type === type);
  expect(found, type).toHaveLength(1);
  return found[0]!.data as EventData<T>;
}

async function act(caseId: string, action: string, body: unknown, token: string): Promise<Response> {
  return fetch(`${triage.url}/v1/cases/${caseId}/${action}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

describe("routing a grievance on arrival", () => {
  let first: GrievanceReceivedV1;

  it("assigns it to the most local team that handles its category, to the caseworker with the fewest open cases", async () => {
    first = await receive(grievance("楼上邻居每天半夜装修，电钻声吵得人睡不着", "440402001001"));
    expect(await caseOf(first.grievanceId)).toMatchObject({ status: "assigned", category: "neighbour", urgency: "P3", teamId: "xz-community", caseworkerId: "cw-a" });

    const second = await receive(grievance("隔壁邻居家的狗整夜叫，沟通过也没有用", "440402001002"));
    expect(await caseOf(second.grievanceId)).toMatchObject({ teamId: "xz-community", caseworkerId: "cw-b" });

    // cw-b was assigned last but now carries fewer open cases than cw-a: load decides, not turn.
    const secondCase = await caseOf(second.grievanceId);
    const cwB = await tokenFor("caseworker", "cw-b", { team: "xz-community" });
    expect((await act(secondCase.caseId, "accept", {}, cwB)).status).toBe(200);
    expect((await act(secondCase.caseId, "resolve", { outcome: "mediated_agreement", summary: "The owner keeps the dog in at night." }, cwB)).status).toBe(200);
    const third = await receive(grievance("对门邻居把杂物堆在楼道里，出入很不方便", "440402001003"));
    expect(await caseOf(third.grievanceId)).toMatchObject({ teamId: "xz-community", caseworkerId: "cw-b" });
  });

  it("announces the assignment with due dates from the policy and no supervisor alert for a P3", async () => {
    const events = await eventsAbout(first.grievanceId, ["case.assigned.v1"]);
    const assigned = dataOf(events, "case.assigned.v1");
    expect(assigned).toMatchObject({ team: { id: "xz-community", level: "community" }, caseworkerId: "cw-a", category: "neighbour", urgency: "P3", alertSupervisor: false });
    expect(Date.parse(assigned.acknowledgeBy) - Date.parse(first.receivedAt)).toBe(24 * 60 * 60_000);
    expect(Date.parse(assigned.resolveBy) - Date.parse(first.receivedAt)).toBe(15 * 24 * 60 * 60_000);
  });

  it("passes a category the community team does not handle to the street team", async () => {
    const g = await receive(grievance("老板拖欠我三个月工资不给", "440402001004"));
    expect(await caseOf(g.grievanceId)).toMatchObject({ category: "labour", teamId: "xz-street", caseworkerId: "cw-street" });
  });

  it("uses the district team where no street or community team covers the division", async () => {
    const g = await receive(grievance("隔壁邻居家的狗整夜叫，沟通过也没有用", "440499001001"));
    expect(await caseOf(g.grievanceId)).toMatchObject({ teamId: "xz-district", caseworkerId: "cw-district" });
  });

  it("queues it at the most local team when nobody there is free, rather than passing it up", async () => {
    const g = await receive(grievance("楼下邻居的空调外机对着我家窗户，噪音很大", "440402002001"));
    expect(await caseOf(g.grievanceId)).toMatchObject({ status: "queued", teamId: "xz-empty", caseworkerId: null, acknowledgeBy: null });
    const events = await eventsAbout(g.grievanceId, ["case.queued.v1"]);
    expect(dataOf(events, "case.queued.v1")).toMatchObject({ team: { id: "xz-empty", level: "community" }, urgency: "P3", alertSupervisor: false });
    expect(events.map((e) => e.type)).not.toContain("case.assigned.v1");
  });

  it("classifies a threat with a knife as P1, due within 15 minutes, and alerts the supervisor", async () => {
    const g = await receive(grievance("隔壁邻居拿着刀说要杀了我", "440402001005"));
    const view = await caseOf(g.grievanceId);
    expect(view).toMatchObject({ status: "assigned", urgency: "P1", teamId: "xz-community" });
    expect((view.signals as { rule: string }[]).map((s) => s.rule)).toEqual(expect.arrayContaining(["p1.weapon", "p1.threat"]));
    const events = await eventsAbout(g.grievanceId, ["grievance.triaged.v2", "case.assigned.v1"]);
    // The case page shows the matched words; the event carries them sealed with the caller's key.
    expect(view.signals).toEqual(expect.arrayContaining([expect.objectContaining({ rule: "p1.weapon", level: "P1", matched: "刀" })]));
    const triaged = dataOf(events, "grievance.triaged.v2");
    expect(triaged).toMatchObject({ urgency: "P1", signals: expect.arrayContaining([expect.objectContaining({ rule: "p1.weapon", level: "P1", matched: expect.stringMatching(/^ghs1\./) })]) });
    const keyring = new Keyring(db as unknown as Pool, keyEncryptionKeys(loadConfig(TriageConfig, env.env)));
    expect(await keyring.openDeep(triaged.signals, new Set(["matched"]))).toEqual(expect.arrayContaining([expect.objectContaining({ rule: "p1.weapon", matched: "刀" })]));
    const assigned = dataOf(events, "case.assigned.v1");
    expect(assigned).toMatchObject({ urgency: "P1", alertSupervisor: true });
    expect(Date.parse(assigned.acknowledgeBy) - Date.parse(g.receivedAt)).toBe(15 * 60_000);
  });

  it("alerts the supervisor of a P1 that waits in a queue", async () => {
    const g = await receive(grievance("隔壁邻居拿着刀说要杀了我", "440402002002"));
    const events = await eventsAbout(g.grievanceId, ["case.queued.v1"]);
    expect(dataOf(events, "case.queued.v1")).toMatchObject({ team: { id: "xz-empty" }, urgency: "P1", alertSupervisor: true });
  });

  it("leaves it triaged, with no team, when no team covers the division", async () => {
    const g = await receive(grievance("楼上邻居每天半夜装修，电钻声吵得人睡不着", "450101001001"));
    expect(await caseOf(g.grievanceId)).toMatchObject({ status: "triaged", category: "neighbour", teamId: null, caseworkerId: null, team: null });
    await eventsAbout(g.grievanceId, ["case.opened.v1", "grievance.triaged.v2"]);
    // Everything triage wrote is on the topic once its outbox is empty (the relay deletes what Kafka acknowledged).
    await eventually(async () => ((await db.query("SELECT 1 FROM triage.outbox LIMIT 1")).rowCount === 0 ? true : undefined), 20_000, "triage's outbox to be published");
    await eventually(async () => (published.length === (await topicLength(env.topicPrefix + Topics.casesInternal)) ? true : undefined), 20_000, "the reader to reach the end of the topic");
    expect(published.filter((m) => m.event.subject === g.grievanceId).map((m) => m.event.type)).toEqual(["case.opened.v1", "grievance.triaged.v2"]);
  });
});

describe("what triage announces on cases.internal", () => {
  it("publishes each fact as a binary-mode CloudEvent about the grievance, keyed by its district, in order, on one partition", async () => {
    const g = await receive(grievance("邻居在走廊里养鸡，气味很难闻", "440402001006"));
    await eventsAbout(g.grievanceId, ["case.assigned.v1"]);
    const messages = published.filter((m) => m.event.subject === g.grievanceId);
    expect(messages.map((m) => m.key)).toEqual(["440402", "440402", "440402"]);
    expect(messages.map((m) => m.event.type)).toEqual(["case.opened.v1", "grievance.triaged.v2", "case.assigned.v1"]);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
    expect(new Set(messages.map((m) => m.headers["ce_id"])).size).toBe(3);
    for (const m of messages) {
      expect(m.headers).toMatchObject({ ce_specversion: "1.0", ce_source: "/grievance-hub/triage", ce_subject: g.grievanceId, ce_type: m.event.type, "content-type": "application/json" });
      expect(m.headers["ce_id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isNaN(Date.parse(m.headers["ce_time"]!))).toBe(false);
    }
    const { caseId } = await caseOf(g.grievanceId);
    expect(messages.map((m) => (m.event.data as { caseId: string }).caseId)).toEqual([caseId, caseId, caseId]);
    expect(dataOf(messages.map((m) => m.event), "case.opened.v1")).toMatchObject({ grievanceId: g.grievanceId, trackingCode: g.trackingCode, divisionCode: "440402001006", status: "received" });
  });
});

describe("the admin API that routing reads", () => {
  it("refuses a caseworker in a team that does not exist with 422 and a non-admin with 403", async () => {
    const res = await fetch(`${triage.url}/v1/admin/caseworkers/cw-ghost`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
      body: JSON.stringify({ teamId: "no-such-team", name: "Ghost", categories: ["neighbour"], languages: ["zh"], capacity: 5 }),
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const asSupervisor = await fetch(`${triage.url}/v1/admin/teams/xz-community`, {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("supervisor", "sup-1", { team: "xz-community" })}` },
      body: JSON.stringify({ name: "Taken over", level: "community", divisionPrefix: "440402001", categories: ["neighbour"] }),
    });
    expect(asSupervisor.status).toBe(403);
  });
});
