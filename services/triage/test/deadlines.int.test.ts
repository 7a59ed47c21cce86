// Deadlines with two triage replicas on one database and one set of topics: each missed
// deadline is recorded and escalated exactly once, and each reminder goes out once, however
// many scheduler scans run at the same time. Time is driven through tick(now); the background
// scan is set far apart so it does not interfere.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from "kafkajs";
import pg from "pg";
import { decodeEvent, encodeEvent, loadConfig, type DecodedEvent } from "@grievance-hub/kit";
import { Topics, type EventData, type EventTypeName, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";
import { DeadlinePolicy } from "../src/domain/deadlines";
import { DeadlineScheduler } from "../src/scheduler/deadline-scheduler";

type Triage = Awaited<ReturnType<typeof startTriage>>;

let env: TestEnv;
let replicas: Triage[] = [];
let db: pg.Pool;
let producer: Producer;
let reader: Consumer;
let kafkaAdmin: Admin;
let admin: string;
const published: { key: string; event: DecodedEvent }[] = [];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** When every grievance of this file was received; the P3 policy makes them due for acknowledgement a day later. */
const received = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (ms: number) => new Date(received.getTime() + ms);

/** The grievances of the story, by the part each plays, and their cases. */
const g: Record<"escalated" | "queuedAbove" | "accepted" | "unrouted" | "followedUp", GrievanceReceivedV1> = {} as never;
const caseIds: Record<keyof typeof g, string> = {} as never;

beforeAll(async () => {
  env = await createTestEnv();
  const config = loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000", DEADLINE_LEAD_TIME_MINUTES: "60" });
  replicas = [await startTriage(config, env.logger), await startTriage(config, env.logger)];
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const kafka = new Kafka({ clientId: "triage-deadlines-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  reader = kafka.consumer({ groupId: `${env.topicPrefix}reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: env.topicPrefix + Topics.casesInternal, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void published.push({ key: message.key!.toString(), event: decodeEvent(message) }) });

  admin = await tokenFor("admin", "admin-1");
  await put("teams/xz-community", { name: "Xiangzhou community", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "labour"] });
  await put("teams/xz-street", { name: "Xiangzhou street", level: "street", divisionPrefix: "440402", categories: ["neighbour", "labour"] });
  await put("caseworkers/cw-c", { teamId: "xz-community", name: "Chen", categories: ["neighbour", "labour"], languages: ["zh"], capacity: 50 });
  // Nobody at the street level handles wages: an escalated wage dispute waits in the street queue.
  await put("caseworkers/cw-s", { teamId: "xz-street", name: "Song", categories: ["neighbour"], languages: ["zh"], capacity: 50 });

  g.escalated = await receive(grievance("楼上邻居每天半夜装修，电钻声吵得人睡不着", "440402001001"));
  g.queuedAbove = await receive(grievance("老板拖欠我三个月工资不给", "440402001002"));
  g.accepted = await receive(grievance("隔壁邻居家的狗整夜叫，沟通过也没有用", "440402001003"));
  g.unrouted = await receive(grievance("对门邻居把杂物堆在楼道里，出入很不方便", "450101001001"));
  for (const k of Object.keys(g) as (keyof typeof g)[]) caseIds[k] = await caseIdOf(g[k]);
  const accept = await fetch (`${replicas[0]!.url}/v1/cases/${caseIds.accepted}/accept`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("caseworker", "cw-c", { team: "xz-community" })}` },
    body: "{}",
  });
  expect(accept.status).toBe(200);
});

afterAll(async () => {
  await reader?.disconnect();
  await kafkaAdmin?.disconnect();
  await producer?.disconnect();
  await Promise.allSettled(replicas.map((r) => r.stop()));
  await db?.end();
  await env?.drop();
});

async function caseIdOf(grievance: GrievanceReceivedV1): Promise<string> {
  return (await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE grievance_id = $1", [grievance.grievanceId])).rows[0]!.id;
}

/** A case action by cw-c, the community caseworker, with the case's current version. */
async function actAsChen(caseId: string, action: string, body: unknown): Promise<void> {
  const token = await tokenFor("caseworker", "cw-c", { team: "xz-community" });
  const current = await fetch(`${replicas[0]!.url}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${token}` } });
  const res = await fetch(`${replicas[0]!.url}/v1/cases/${caseId}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "if-match": current.headers.get("etag") ?? "" },
    body: JSON.stringify(body),
  });
  expect(res.status, `${action}: ${await res.clone().text()}`).toBe(200);
}

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${replicas[0]!.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}`).toBe(200);
}

let calls = 0;
function grievance(description: string, divisionCode: string, receivedAt = received): GrievanceReceivedV1 {
  calls++;
  return {
    grievanceId: randomUUID(),
    trackingCode: `DL${String(calls).padStart(6, "0")}`,
    channel: "phone",
    receivedAt: receivedAt.toISOString(),
    divisionCode,
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash: randomBytes(16).toString("hex"), language: "zh", consentToContact: true },
    location: { divisionCode },
  };
}

async function receive(grievance: GrievanceReceivedV1): Promise<GrievanceReceivedV1> {
  const e = encodeEvent("grievance.received.v1", grievance, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix });
  await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
  await eventually(async () => ((await db.query("SELECT 1 FROM triage.inbox WHERE event_id = $1", [e.eventId])).rowCount ? true : undefined), 20_000, `triage to apply ${grievance.grievanceId}`);
  return grievance;
}

/** Every scheduler scan at once: two per replica. */
async function scanEverywhere(now: Date): Promise<{ breaches: number; reminders: number }> {
  const results = await Promise.all([...replicas, ...replicas].map((r) => r.scheduler.tick(now)));
  return results.reduce((sum, r) => ({ breaches: sum.breaches + r.breaches, reminders: sum.reminders + r.reminders }), { breaches: 0, reminders: 0 });
}

/**
 * What triage has announced about a grievance: once its outbox is empty (the relay deletes what
 * Kafka acknowledged) and the reader has every message of the topic, the events on cases.internal.
 */
async function announced<T extends EventTypeName>(key: keyof typeof g, type: T): Promise<EventData<T>[]> {
  const topic = env.topicPrefix + Topics.casesInternal;
  await eventually(async () => {
    if ((await db.query("SELECT 1 FROM triage.outbox LIMIT 1")).rowCount !== 0) return undefined;
    const ends = await kafkaAdmin.fetchTopicOffsets(topic);
    return published.length === ends.reduce((n, p) => n + Number(p.high), 0) ? true : undefined;
  }, 20_000, "triage's announcements on the topic");
  return published.filter((m) => m.event.subject === g[key].grievanceId && m.event.type === type).map((m) => m.event.data as EventData<T>);
}

async function view(key: keyof typeof g): Promise<Record<string, unknown>> {
  const res = await fetch(`${replicas[1]!.url}/v1/cases/${caseIds[key]}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe("deadline reminders", () => {
  it("reminds the caseworker once, half an hour before acknowledgement is due, however many scans run", async () => {
    const result = await scanEverywhere(at(DAY - 30 * MINUTE));
    expect(result.reminders).toBe(2);
    expect((await replicas[0]!.scheduler.tick(at(DAY - 10 * MINUTE))).reminders).toBe(0);

    const reminders = await announced("escalated", "case.deadline_approaching.v1");
    expect(reminders).toEqual([expect.objectContaining({ deadline: "acknowledge", dueAt: at(DAY).toISOString(), caseworkerId: "cw-c", team: { id: "xz-community", level: "community" }, urgency: "P3" })]);
    expect(await announced("queuedAbove", "case.deadline_approaching.v1")).toHaveLength(1);
    expect(await announced("accepted", "case.deadline_approaching.v1")).toEqual([]);
    expect(await announced("unrouted", "case.deadline_approaching.v1")).toEqual([]);
  });

  it("publishes the reminder on cases.internal, keyed by the case's district like its other events", async () => {
    const reminder = await eventually(async () => published.find((m) => m.event.subject === g.escalated.grievanceId && m.event.type === "case.deadline_approaching.v1"), 20_000, "the reminder on the topic");
    // On another key it could overtake the case's opening on another partition (a rebuild then meets a reminder for no case).
    expect(reminder.key).toBe("440402");
  });
});

describe("a missed acknowledgement deadline", () => {
  let result: { breaches: number };

  beforeAll(async () => {
    result = await scanEverywhere(at(DAY + HOUR));
  });

  it("is recorded once per case across all replicas' scans", async () => {
    expect(result.breaches).toBe(3);
    for (const key of ["escalated", "queuedAbove", "unrouted"] as const) {
      expect(await announced(key, "case.deadline_breached.v1"), key).toEqual([expect.objectContaining({ deadline: "acknowledge", dueAt: at(DAY).toISOString() })]);
    }
    expect(await announced("accepted", "case.deadline_breached.v1")).toEqual([]);
  });

  it("escalates the case once to the street team and assigns it to someone free there, keeping the complainant's due dates", async () => {
    const [breach] = await announced("escalated", "case.deadline_breached.v1");
    expect(breach).toMatchObject({ team: { id: "xz-community", level: "community" }, caseworkerId: "cw-c" });
    expect(await announced("escalated", "case.escalated.v1")).toEqual([
      expect.objectContaining({ fromTeam: { id: "xz-community", level: "community" }, toTeam: { id: "xz-street", level: "street" }, actor: { id: "deadline-scheduler", role: "system" } }),
    ]);
    const assignments = await announced("escalated", "case.assigned.v1");
    expect(assignments.map((a) => a.caseworkerId)).toEqual(["cw-c", "cw-s"]);
    expect(assignments[1]).toMatchObject({ team: { id: "xz-street", level: "street" }, acknowledgeBy: at(DAY).toISOString(), alertSupervisor: true });
    expect(await view("escalated")).toMatchObject({ status: "assigned", teamId: "xz-street", caseworkerId: "cw-s", breached: { acknowledge: true, resolve: false } });
  });

  it("leaves the escalated case in the street team's queue when nobody there handles its category", async () => {
    expect(await announced("queuedAbove", "case.escalated.v1")).toHaveLength(1);
    expect(await announced("queuedAbove", "case.assigned.v1")).toHaveLength(1);
    expect(await view("queuedAbove")).toMatchObject({ status: "queued", teamId: "xz-street", caseworkerId: null });
  });

  it("records the breach of a case no team covers without escalating it", async () => {
    expect(await announced("unrouted", "case.deadline_breached.v1")).toEqual([expect.objectContaining({ team: null, caseworkerId: null })]);
    expect(await announced("unrouted", "case.escalated.v1")).toEqual([]);
    expect(await view("unrouted")).toMatchObject({ status: "triaged", teamId: null, breached: { acknowledge: true, resolve: false } });
  });

  it("does nothing more on later scans", async () => {
    expect(await scanEverywhere(at(DAY + 2 * HOUR))).toEqual({ breaches: 0, reminders: 0 });
    expect(await announced("escalated", "case.deadline_breached.v1")).toHaveLength(1);
    expect(await announced("escalated", "case.escalated.v1")).toHaveLength(1);
  });

  it("publishes each of these facts once on cases.internal", async () => {
    const about = () => published.filter((m) => m.event.subject === g.escalated.grievanceId).map((m) => m.event.type);
    await eventually(async () => (about().filter((t) => t === "case.assigned.v1").length === 2 ? true : undefined), 20_000, "the second assignment on the topic");
    expect(about().filter((t) => t === "case.deadline_breached.v1")).toHaveLength(1);
    expect(about().filter((t) => t === "case.escalated.v1")).toHaveLength(1);
  });
});

describe("a missed resolution deadline at the top covering level", () => {
  it("is recorded once and, with no team above, escalates nowhere", async () => {
    await scanEverywhere(at(15 * DAY + HOUR));
    expect((await announced("escalated", "case.deadline_breached.v1")).map((b) => b.deadline)).toEqual(["acknowledge", "resolve"]);
    expect(await announced("escalated", "case.escalated.v1")).toHaveLength(1);
    expect(await view("escalated")).toMatchObject({ status: "assigned", teamId: "xz-street", caseworkerId: "cw-s", breached: { acknowledge: true, resolve: true } });
    // The accepted case was acknowledged in time but not resolved: its resolve deadline still runs, at community level.
    expect((await announced("accepted", "case.deadline_breached.v1")).map((b) => b.deadline)).toEqual(["resolve"]);
    expect(await announced("accepted", "case.escalated.v1")).toHaveLength(1);
  });
});

describe("a missed follow-up visit of a resolved case", () => {
  it("is recorded once and moves the case to the street team, whose supervisor is told; the case stays resolved with its caseworker", async () => {
    g.followedUp = await receive(grievance("楼下邻居的空调外机噪音很大，晚上吵得睡不着", "440402001004"));
    const caseId = (caseIds.followedUp = await caseIdOf(g.followedUp));
    await eventually(async () => ((await view("followedUp")).caseworkerId === "cw-c" ? true : undefined), 20_000, "the case assigned to cw-c");
    await actAsChen(caseId, "accept", {});
    await actAsChen(caseId, "resolve", { outcome: "resolved", summary: "the unit was moved" });
    const followUp = ((await view("followedUp")).dispute as { followUp: { dueAt: string } }).followUp;
    const late = new Date(Date.parse(followUp.dueAt) + HOUR);

    const scans = await Promise.all([...replicas, ...replicas].map((r) => r.scheduler.tick(late)));
    expect(scans.reduce((n, t) => n + t.mediation, 0)).toBe(1);
    expect(await announced("followedUp", "case.deadline_breached.v1")).toEqual([expect.objectContaining({ deadline: "follow_up", dueAt: followUp.dueAt })]);
    expect(await announced("followedUp", "case.escalated.v1")).toEqual([
      expect.objectContaining({ fromTeam: { id: "xz-community", level: "community" }, toTeam: { id: "xz-street", level: "street" }, actor: { id: "deadline-scheduler", role: "system" } }),
    ]);
    expect(await view("followedUp")).toMatchObject({ status: "resolved", teamId: "xz-street", caseworkerId: "cw-c" });
    const { rows } = await db.query("SELECT status, team_id, caseworker_id FROM triage.cases WHERE id = $1", [caseId]);
    expect(rows[0]).toEqual({ status: "resolved", team_id: "xz-street", caseworker_id: "cw-c" });

    // The caseworker who knows the people can still make the visit, late; nothing more is escalated.
    await actAsChen(caseId, "follow-up", { reached: true, satisfaction: "satisfied" });
    expect((await Promise.all(replicas.map((r) => r.scheduler.tick(new Date(late.getTime() + DAY))))).reduce((n, t) => n + t.mediation, 0)).toBe(0);
    expect(await announced("followedUp", "case.escalated.v1")).toHaveLength(1);
  });
});

describe("reminders when more deadlines are near than a scan takes", () => {
  it("reminds of each once, a scan's batch at a time, instead of taking the same ones again", async () => {
    // A month on (past every deadline of the story above): three ordinary cases received together.
    const later = new Date(received.getTime() + 30 * DAY);
    const texts = ["隔壁邻居经常把垃圾袋放在门口，味道很难闻", "邻居把车长期停在我家门口，出入很不方便", "对面邻居装修时把建筑垃圾堆在公共楼道里"];
    const ids: string[] = [];
    for (const [i, text] of texts.entries()) ids.push(await caseIdOf(await receive(grievance(text, `44040200100${5 + i}`, later))));
    const { rows } = await db.query<{ ack: Date }>("SELECT DISTINCT acknowledge_by AS ack FROM triage.cases WHERE id = ANY($1::uuid[])", [ids]);
    expect(rows.map((r) => r.ack.getTime()), "all three due for acknowledgement a day after receipt (P3)").toEqual([later.getTime() + DAY]);

    // One case a scan, as a surge with more than a scan's batch near its deadline would be.
    const scheduler = new DeadlineScheduler(replicas[0]!.runtime, { policy: DeadlinePolicy.parse({}), leadTimeMinutes: 60, intervalMs: HOUR, batchSize: 1 });
    const now = new Date(later.getTime() + DAY - 30 * MINUTE);
    const reminded: number[] = [];
    for (let scan = 0; scan < 4; scan++) reminded.push((await scheduler.tick(now)).reminders);
    expect(reminded).toEqual([1, 1, 1, 0]);
    const { rows: reminders } = await db.query<{ case_id: string }>("SELECT case_id FROM triage.deadline_reminders WHERE case_id = ANY($1::uuid[]) AND deadline = 'acknowledge'", [ids]);
    expect(reminders.map((r) => r.case_id).sort()).toEqual([...ids].sort());
  });
});
