// Linking on arrival over real Kafka and Postgres: a caller coming back about the same matter
// joins their open case (and raises its urgency on the third repeat) instead of opening a
// parallel one; different callers describing the same dispute in one division are linked as
// related and flagged as a possible group dispute; grievances of one batch see those before them.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import pg from "pg";
import { decodeEvent, encodeEvent, loadConfig, type DecodedEvent, type RunningService } from "@grievance-hub/kit";
import { Topics, type EventData, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";

let env: TestEnv;
let triage: RunningService;
let db: pg.Pool;
let producer: Producer;
let reader: Consumer;
let admin: string;
const published: { key: string; event: DecodedEvent }[] = [];
const DAY = 24 * 60 * 60_000;

beforeAll(async () => {
  env = await createTestEnv();
  triage = await startTriage(loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" }), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const kafka = new Kafka({ clientId: "triage-linking-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  reader = kafka.consumer({ groupId: `${env.topicPrefix}reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: env.topicPrefix + Topics.casesInternal, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void published.push({ key: message.key!.toString(), event: decodeEvent(message) }) });

  admin = await tokenFor("admin", "admin-1");
  await put("teams/xz-community", { name: "Xiangzhou community", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "labour"] });
  await put("caseworkers/cw-a", { teamId: "xz-community", name: "An", categories: ["neighbour", "labour"], languages: ["zh"], capacity: 50 });
});

afterAll(async () => {
  await reader?.disconnect();
  await producer?.disconnect();
  await triage?.stop();
  await db?.end();
  await env?.drop();
});

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${triage.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}`).toBe(200);
}

const caller = () => randomBytes(16).toString("hex");

let calls = 0;
function grievance(phoneHash: string, description: string, divisionCode: string, receivedAt = new Date()): GrievanceReceivedV1 {
  calls++;
  return {
    grievanceId: randomUUID(),
    trackingCode: `RL${String(calls).padStart(6, "0")}`,
    channel: "phone",
    receivedAt: receivedAt.toISOString(),
    divisionCode,
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash, language: "zh", consentToContact: true },
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

async function casesOpenedFor(grievanceId: string): Promise<number> {
  return (await db.query("SELECT 1 FROM triage.cases WHERE grievance_id = $1", [grievanceId])).rowCount ?? 0;
}

type View = { caseId: string; status: string; category: string; urgency: string; version: number; repeatCount: number; signals: { rule: string; level?: string }[]; links: { grievanceId: string; kind: string; relatedCaseId: string | null; similarity: number | null }[] };

async function caseOf(grievanceId: string): Promise<View> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE grievance_id = $1", [grievanceId]);
  expect(rows, `a case for ${grievanceId}`).toHaveLength(1);
  const res = await fetch(`${triage.url}/v1/cases/${rows[0]!.id}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as View;
}

/** The grievance.linked.v1 events that name `linkedGrievanceId`, once there are `count` of them. */
async function linkedEvents(linkedGrievanceId: string, count = 1): Promise<{ key: string; data: EventData<"grievance.linked.v1"> }[]> {
  return eventually(async () => {
    const found = published.filter((m) => m.event.type === "grievance.linked.v1" && (m.event.data as EventData<"grievance.linked.v1">).linkedGrievanceId === linkedGrievanceId);
    return found.length >= count ? found.map((m) => ({ key: m.key, data: m.event.data as EventData<"grievance.linked.v1"> })) : undefined;
  }, 20_000, `grievance.linked.v1 for ${linkedGrievanceId}`);
}

describe("a caller coming back about the same matter", () => {
  const phone = caller();
  const division = "440402001011";
  let original: GrievanceReceivedV1;
  let caseId: string;

  beforeAll(async () => {
    original = await receive(grievance(phone, "楼上邻居每天半夜装修，电钻声吵得人睡不着", division, new Date(Date.now() - 60 * DAY)));
    ({ caseId } = await caseOf(original.grievanceId));
  });

  it("joins their open case within 90 days instead of opening a new one, and says so as grievance.linked.v1", async () => {
    const again = await receive(grievance(phone, "楼上又在半夜装修了，上次说好的不再晚上施工", division));
    expect(await casesOpenedFor(again.grievanceId)).toBe(0);
    const [linked, ...more] = await linkedEvents(again.grievanceId);
    expect(more).toEqual([]);
    expect(linked!.key, "keyed by the district").toBe("440402");
    expect(linked!.data).toMatchObject({ kind: "repeat", caseId, grievanceId: original.grievanceId, linkedGrievanceId: again.grievanceId, repeatCount: 1, urgency: "P3" });
    const view = await caseOf(original.grievanceId);
    expect(view).toMatchObject({ repeatCount: 1, urgency: "P3" });
    expect(view.links).toEqual([expect.objectContaining({ grievanceId: again.grievanceId, kind: "repeat" })]);
  });

  it("counts every repeat and raises the case to P2 on the third", async () => {
    const second = await receive(grievance(phone, "楼上装修的噪音还是没停，已经好几个晚上了", division));
    expect((await linkedEvents(second.grievanceId))[0]!.data).toMatchObject({ repeatCount: 2, urgency: "P3" });
    expect(await caseOf(original.grievanceId)).toMatchObject({ repeatCount: 2, urgency: "P3" });

    const third = await receive(grievance(phone, "楼上邻居今晚又在用电钻，我实在受不了了", division));
    expect((await linkedEvents(third.grievanceId))[0]!.data).toMatchObject({ caseId, repeatCount: 3, urgency: "P2" });
    const view = await caseOf(original.grievanceId);
    expect(view).toMatchObject({ repeatCount: 3, urgency: "P2", status: "assigned" });
    expect(view.links.map((l) => l.kind)).toEqual(["repeat", "repeat", "repeat"]);
    expect(await casesOpenedFor(second.grievanceId) + (await casesOpenedFor(third.grievanceId))).toBe(0);
    const { rows } = await db.query("SELECT count(*)::int AS n FROM triage.cases WHERE phone_hash = $1", [phone]);
    expect(rows[0].n).toBe(1);
  });

  it("opens a new case for the same caller about another kind of matter", async () => {
    const wages = await receive(grievance(phone, "老板拖欠我三个月工资不给", division));
    expect(await caseOf(wages.grievanceId)).toMatchObject({ category: "labour", repeatCount: 0, status: "assigned" });
    expect(published.some((m) => m.event.type === "grievance.linked.v1" && (m.event.data as EventData<"grievance.linked.v1">).linkedGrievanceId === wages.grievanceId)).toBe(false);
  });

  it("opens a new case when the caller's earlier case was received more than 90 days before", async () => {
    const other = caller();
    const old = await receive(grievance(other, "隔壁邻居家的狗整夜叫，沟通过也没有用", "440402001012", new Date(Date.now() - 91 * DAY)));
    const now = await receive(grievance(other, "隔壁邻居家的狗还是整夜叫", "440402001012"));
    expect(await casesOpenedFor(now.grievanceId)).toBe(1);
    expect(await caseOf(old.grievanceId)).toMatchObject({ repeatCount: 0 });
  });

  it("opens a new case when the caller's earlier case about it was resolved", async () => {
    const other = caller();
    const first = await receive(grievance(other, "对门邻居把杂物堆在楼道里，出入很不方便", "440402001013"));
    const view = await caseOf(first.grievanceId);
    const cw = await tokenFor("caseworker", "cw-a", { team: "xz-community" });
    for (const [action, body] of [["accept", {}], ["resolve", { outcome: "resolved", summary: "The neighbour cleared the corridor." }]] as const) {
      const res = await fetch(`${triage.url}/v1/cases/${view.caseId}/${action}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${cw}` }, body: JSON.stringify(body) });
      expect(res.status, action).toBe(200);
    }
    const again = await receive(grievance(other, "对门邻居又把杂物堆在楼道里了", "440402001013"));
    expect(await caseOf(again.grievanceId)).toMatchObject({ status: "assigned", repeatCount: 0 });
  });
});

// One district is one key and so one partition; two partitions hold a district's grievances only
// while partitions are added or a district is re-keyed, which this burst stands for.
describe("one caller's grievances arriving at the same moment on different partitions", () => {
  it("open one case and link the others to it", async () => {
    const phone = caller();
    const burst = ["楼下邻居的空调外机对着我家窗户，噪音很大", "楼下空调外机的噪音还是很大", "楼下邻居的空调外机整夜响", "空调外机噪音吵得睡不着，楼下邻居不理"].map((d) => grievance(phone, d, "440402001030"));
    const events = burst.map((b) => encodeEvent("grievance.received.v1", b, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix }));
    await producer.send({ topic: events[0]!.topic, messages: events.map((e, partition) => ({ partition, key: e.key, value: e.value, headers: e.headers })) });
    await eventually(async () => {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM triage.inbox WHERE event_id = ANY($1)", [events.map((e) => e.eventId)]);
      return rows[0].n === burst.length ? true : undefined;
    }, 20_000, "triage to apply the burst");
    const { rows } = await db.query<{ repeat_count: number }>("SELECT repeat_count FROM triage.cases WHERE phone_hash = $1", [phone]);
    expect(rows).toEqual([{ repeat_count: 3 }]);
  });
});

describe("different callers describing the same dispute", () => {
  const description = "小区东门的垃圾站每天清晨五点开始作业，铁桶撞击声和压缩机噪音吵得整栋楼都睡不着";
  const nearlyTheSame = "小区东门垃圾站每天清晨五点就开始作业，铁桶撞击声和压缩机的噪音吵得整栋楼都睡不着觉";

  it("links the second to the first as related and flags a possible group dispute at P2", async () => {
    const first = await receive(grievance(caller(), description, "440402001020"));
    const second = await receive(grievance(caller(), nearlyTheSame, "440402001020"));
    const firstCase = await caseOf(first.grievanceId);
    const view = await caseOf(second.grievanceId);
    expect(view.caseId).not.toBe(firstCase.caseId);
    expect(view.urgency).toBe("P2");
    expect(view.signals).toEqual(expect.arrayContaining([expect.objectContaining({ rule: "p2.group-dispute", level: "P2" })]));
    expect(view.links).toEqual([expect.objectContaining({ grievanceId: second.grievanceId, kind: "related", relatedCaseId: firstCase.caseId })]);
    expect(view.links[0]!.similarity).toBeGreaterThanOrEqual(0.45);
    const [linked] = await linkedEvents(first.grievanceId);
    expect(linked!.data).toMatchObject({ kind: "related", caseId: view.caseId, grievanceId: second.grievanceId, linkedGrievanceId: first.grievanceId, urgency: "P2" });
    expect(firstCase).toMatchObject({ urgency: "P3", links: [] });
  });

  it("does not link the same description from another division", async () => {
    await receive(grievance(caller(), description, "440402001021"));
    const elsewhere = await receive(grievance(caller(), nearlyTheSame, "440402001022"));
    const view = await caseOf(elsewhere.grievanceId);
    expect(view).toMatchObject({ urgency: "P3", links: [] });
    expect(view.signals.map((s) => s.rule)).not.toContain("p2.group-dispute");
  });
});

/** Produces the grievances in one request onto one partition, so triage applies them as one batch, and waits for all. */
async function receiveTogether(gs: GrievanceReceivedV1[]): Promise<void> {
  const events = gs.map((g) => encodeEvent("grievance.received.v1", g, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix }));
  await producer.send({ topic: events[0]!.topic, messages: events.map((e) => ({ partition: 0, key: e.key, value: e.value, headers: e.headers })) });
  await eventually(async () => {
    const { rows } = await db.query("SELECT count(*)::int AS n FROM triage.inbox WHERE event_id = ANY($1)", [events.map((e) => e.eventId)]);
    return rows[0].n === gs.length ? true : undefined;
  }, 20_000, "triage to apply the batch");
}

describe("grievances decided together in one batch", () => {
  it("see the cases, links and caseworker loads of those before them in the batch", async () => {
    // A team added after triage has read the directory: the next batch routes with it.
    // Noise from a refuse station is a neighbour's or a public service's matter as the model sees it: the team handles both.
    await put("teams/xz-load", { name: "Xiangzhou ninth community", level: "community", divisionPrefix: "440402009", categories: ["neighbour", "public_services"] });
    for (const id of ["cw-x", "cw-y"]) await put(`caseworkers/${id}`, { teamId: "xz-load", name: id, categories: ["neighbour", "public_services"], languages: ["zh"], capacity: 1 });
    const phone = caller();
    const first = grievance(phone, "楼上邻居每天半夜装修，电钻声吵得人睡不着", "440402009001");
    const again = grievance(phone, "楼上又在半夜装修了，电钻声吵得人睡不着", "440402009001");
    const one = grievance(caller(), "小区东门的垃圾站每天清晨五点开始作业，铁桶撞击声和压缩机噪音吵得整栋楼都睡不着", "440402009002");
    const two = grievance(caller(), "小区东门垃圾站每天清晨五点就开始作业，铁桶撞击声和压缩机的噪音吵得整栋楼都睡不着觉", "440402009002");
    await receiveTogether([first, again, one, two]);

    expect(await casesOpenedFor(again.grievanceId)).toBe(0);
    expect(await caseOf(first.grievanceId)).toMatchObject({ repeatCount: 1, links: [expect.objectContaining({ grievanceId: again.grievanceId, kind: "repeat" })] });
    const oneCase = await caseOf(one.grievanceId);
    const twoCase = await caseOf(two.grievanceId);
    expect(twoCase).toMatchObject({ urgency: "P2", links: [expect.objectContaining({ kind: "related", relatedCaseId: oneCase.caseId })] });
    // Two free caseworkers with room for one case each: the first two cases take one each, the third waits at the team.
    const { rows } = await db.query<{ grievance_id: string; status: string; caseworker_id: string | null }>(
      "SELECT grievance_id::text, status, caseworker_id FROM triage.cases WHERE grievance_id = ANY($1) ORDER BY received_at, grievance_id",
      [[first.grievanceId, one.grievanceId, two.grievanceId]],
    );
    expect(rows.filter((r) => r.status === "assigned").map((r) => r.caseworker_id).sort()).toEqual(["cw-x", "cw-y"]);
    expect(rows.filter((r) => r.status === "queued")).toHaveLength(1);
  });
});

describe("a repeat and another caller's similar grievance in one batch", () => {
  it("links the other caller's grievance to the case the repeat joined, never to the repeat itself", async () => {
    const phone = caller();
    const first = grievance(phone, "小区北门的烧烤摊每天半夜营业，油烟和吵闹声让整栋楼都睡不着", "440402001040");
    // The repeat is the closer match of the two.
    const again = grievance(phone, "小区北门的烧烤摊每天半夜还在营业，油烟和吵闹声让整栋楼都睡不着觉", "440402001040");
    const other = grievance(caller(), "小区北门的烧烤摊每天半夜还在营业，油烟和吵闹声让整栋楼都睡不着觉", "440402001040");
    await receiveTogether([first, again, other]);
    const firstCase = await caseOf(first.grievanceId);
    expect(firstCase).toMatchObject({ repeatCount: 1 });
    expect((await caseOf(other.grievanceId)).links).toEqual([expect.objectContaining({ kind: "related", relatedCaseId: firstCase.caseId })]);
  });
});

describe("a caller whose open case is in another district", () => {
  it("gets a new case in the district they call about; the other district's case is not touched", async () => {
    const phone = caller();
    const home = await receive(grievance(phone, "楼上邻居每天半夜装修，电钻声吵得人睡不着", "440402001050"));
    const elsewhere = await receive(grievance(phone, "楼上邻居每天半夜装修，电钻声吵得人睡不着", "440403001001"));
    expect(await casesOpenedFor(elsewhere.grievanceId)).toBe(1);
    expect(await caseOf(home.grievanceId)).toMatchObject({ repeatCount: 0, links: [] });
  });
});
