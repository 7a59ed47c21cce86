// Every case action through HTTP over real Kafka and Postgres, with who may take it and the
// refusals: an action the lifecycle does not allow answers 409, a stale If-Match 412, a bad
// value 422, someone other than the permitted party 403 — all problem+json, none changing the case.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import pg from "pg";
import { decodeEvent, encodeEvent, loadConfig, type DecodedEvent, type RunningService } from "@grievance-hub/kit";
import { Topics, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";

let env: TestEnv;
let triage: RunningService;
let db: pg.Pool;
let producer: Producer;
let reader: Consumer;
const published: { key: string; event: DecodedEvent }[] = [];
const tokens: Record<"admin" | "cwA" | "cwB" | "cwStreet" | "supCommunity" | "supStreet" | "operator", string> = {} as never;

type View = {
  caseId: string;
  grievanceId: string;
  status: string;
  version: number;
  teamId: string | null;
  caseworkerId: string | null;
  acknowledgeBy: string | null;
  acknowledgedAt: string | null;
  mediation: { at: string; place: string | null } | null;
  resolution: { outcome: string; summary: string } | null;
  timeline: { type: string; actor: { id: string; role: string }; facts: Record<string, unknown> }[];
};

/** The case that goes through the whole lifecycle, and one that is escalated. */
let lifecycle: string;
let escalated: string;

beforeAll(async () => {
  env = await createTestEnv();
  triage = await startTriage(loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" }), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const kafka = new Kafka({ clientId: "triage-actions-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  reader = kafka.consumer({ groupId: `${env.topicPrefix}reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: env.topicPrefix + Topics.casesInternal, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void published.push({ key: message.key!.toString(), event: decodeEvent(message) }) });

  tokens.admin = await tokenFor("admin", "admin-1");
  tokens.cwA = await tokenFor("caseworker", "cw-a", { team: "xz-community" });
  tokens.cwB = await tokenFor("caseworker", "cw-b", { team: "xz-community" });
  tokens.cwStreet = await tokenFor("caseworker", "cw-street", { team: "xz-street" });
  tokens.supCommunity = await tokenFor("supervisor", "sup-community", { team: "xz-community" });
  tokens.supStreet = await tokenFor("supervisor", "sup-street", { team: "xz-street" });
  tokens.operator = await tokenFor("operator", "op-1");

  await put("teams/xz-community", { name: "Xiangzhou community", level: "community", divisionPrefix: "440402001", categories: ["neighbour"] });
  await put("teams/xz-street", { name: "Xiangzhou street", level: "street", divisionPrefix: "440402", categories: ["neighbour"] });
  const worker = { categories: ["neighbour"], languages: ["zh"], capacity: 10 };
  await put("caseworkers/cw-a", { ...worker, teamId: "xz-community", name: "An" });
  await put("caseworkers/cw-b", { ...worker, teamId: "xz-community", name: "Bai" });
  await put("caseworkers/cw-idle", { ...worker, teamId: "xz-community", name: "Away", active: false });
  await put("caseworkers/cw-street", { ...worker, teamId: "xz-street", name: "Shi" });

  lifecycle = await receive("楼上邻居每天半夜装修，电钻声吵得人睡不着", "440402001001");
  escalated = await receive("隔壁邻居家的狗整夜叫，沟通过也没有用", "440402001002");
});

afterAll(async () => {
  await reader?.disconnect();
  await producer?.disconnect();
  await triage?.stop();
  await db?.end();
  await env?.drop();
});

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${triage.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${tokens.admin}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}`).toBe(200);
}

/** Produces a grievance as intake would, waits until triage has applied it, and returns its case id. */
async function receive(description: string, divisionCode: string): Promise<string> {
  const g: GrievanceReceivedV1 = {
    grievanceId: randomUUID(),
    trackingCode: `AC${randomBytes(3).toString("hex").toUpperCase()}`,
    channel: "phone",
    receivedAt: new Date().toISOString(),
    divisionCode,
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash: randomBytes(16).toString("hex"), language: "zh", consentToContact: true },
    location: { divisionCode },
  };
  const e = encodeEvent("grievance.received.v1", g, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix });
  await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
  return eventually(async () => (await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE grievance_id = $1 AND status <> 'received'", [g.grievanceId])).rows[0]?.id, 20_000, "the case");
}

function act(caseId: string, action: string, token: string, body: unknown = {}, ifMatch?: string): Promise<Response> {
  return fetch(`${triage.url}/v1/cases/${caseId}/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...(ifMatch ? { "if-match": ifMatch } : {}) },
    body: JSON.stringify(body),
  });
}

async function read(caseId: string, token = tokens.admin): Promise<View> {
  const res = await fetch(`${triage.url}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const view = (await res.json()) as View;
  expect(res.headers.get("etag")).toBe(`"${view.version}"`);
  return view;
}

/** A successful action: 200 with the case after it, whose ETag is its new version. */
async function done(res: Response): Promise<View> {
  expect(res.status, await res.clone().text()).toBe(200);
  const view = (await res.json()) as View;
  expect(res.headers.get("etag")).toBe(`"${view.version}"`);
  return view;
}

async function expectProblem(res: Response, status: number): Promise<{ title: string; detail?: string }> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as { status: number; title: string; type: string; detail?: string };
  expect(problem.status).toBe(status);
  expect(problem.type).toMatch(/^https:\/\//);
  return problem;
}

/** Runs a refused request and checks that the case did not change. */
async function refused(caseId: string, status: number, send: () => Promise<Response>): Promise<{ title: string; detail?: string }> {
  const before = await read(caseId);
  const problem = await expectProblem(await send(), status);
  expect((await read(caseId)).version).toBe(before.version);
  return problem;
}

describe("one case through its lifecycle", () => {
  it("shows the assigned caseworker the case with an ETag that is its version", async () => {
    const view = await read(lifecycle, tokens.cwA);
    expect(view).toMatchObject({ status: "assigned", caseworkerId: "cw-a", teamId: "xz-community", version: 3 });
  });

  it("lets only the assignee accept", async () => {
    expect((await refused(lifecycle, 403, () => act(lifecycle, "accept", tokens.cwB))).detail).toMatch(/only the assigned caseworker/);
    await refused(lifecycle, 403, () => act(lifecycle, "accept", tokens.supCommunity));
    await refused(lifecycle, 404, () => act(lifecycle, "accept", tokens.cwStreet));
    await refused(lifecycle, 403, () => act(lifecycle, "accept", tokens.operator));
    const { version } = await read(lifecycle);
    const view = await done(await act(lifecycle, "accept", tokens.cwA, {}, `"${version}"`));
    expect(view).toMatchObject({ status: "accepted", version: version + 1 });
    expect(view.acknowledgedAt).not.toBeNull();
  });

  it("refuses an action the case's state does not allow with 409", async () => {
    expect((await refused(lifecycle, 409, () => act(lifecycle, "accept", tokens.cwA))).title).toBe("Conflict");
    await refused(lifecycle, 409, () => act(lifecycle, "close", tokens.cwA));
    await refused(lifecycle, 409, () => act(lifecycle, "reopen", tokens.supCommunity, { reason: "not resolved yet" }));
  });

  it("adds notes from the assignee and the team's supervisor, and refuses an empty one", async () => {
    await done(await act(lifecycle, "notes", tokens.cwA, { text: "Spoke to both neighbours; the works finish on Friday." }));
    const view = await done(await act(lifecycle, "notes", tokens.supCommunity, { text: "Check again after Friday." }));
    expect(view.timeline.filter((t) => t.type === "case.note_added").map((t) => [t.actor.id, t.facts.text])).toEqual([
      ["cw-a", "Spoke to both neighbours; the works finish on Friday."],
      ["sup-community", "Check again after Friday."],
    ]);
    await refused(lifecycle, 400, () => act(lifecycle, "notes", tokens.cwA, { text: "  " }));
    await refused(lifecycle, 403, () => act(lifecycle, "notes", tokens.cwB, { text: "Not my case." }));
  });

  it("schedules mediation for a time to come and refuses one in the past with 422", async () => {
    const past = new Date(Date.now() - 60 * 60_000).toISOString();
    expect((await refused(lifecycle, 422, () => act(lifecycle, "mediation", tokens.cwA, { at: past }))).detail).toMatch(/time still to come/);
    await refused(lifecycle, 400, () => act(lifecycle, "mediation", tokens.cwA, { at: "tomorrow" }));
    const at = new Date(Date.now() + 2 * 24 * 60 * 60_000).toISOString();
    const view = await done(await act(lifecycle, "mediation", tokens.cwA, { at, place: "Community office, room 2" }));
    expect(view).toMatchObject({ status: "in_mediation", mediation: { at, place: "Community office, room 2" } });
  });

  it("refuses an action on a stale version with 412, and accepts the current one, weak or strong", async () => {
    const { version } = await read(lifecycle);
    await refused(lifecycle, 412, () => act(lifecycle, "notes", tokens.cwA, { text: "stale" }, `"${version - 1}"`));
    await refused(lifecycle, 412, () => act(lifecycle, "notes", tokens.cwA, { text: "stale" }, `W/"${version - 1}"`));
    const view = await done(await act(lifecycle, "notes", tokens.cwA, { text: "current" }, `W/"${version}"`));
    expect(view.version).toBe(version + 1);
  });

  it("resolves with an outcome from the contract and refuses any other", async () => {
    await refused(lifecycle, 400, () => act(lifecycle, "resolve", tokens.cwA, { outcome: "solved", summary: "done" }));
    const view = await done(await act(lifecycle, "resolve", tokens.cwA, { outcome: "mediated_agreement", summary: "Works end at 20:00 from now on." }));
    expect(view).toMatchObject({ status: "resolved", resolution: { outcome: "mediated_agreement", summary: "Works end at 20:00 from now on." } });
    await refused(lifecycle, 409, () => act(lifecycle, "mediation", tokens.cwA, { at: new Date(Date.now() + 60 * 60_000).toISOString() }));
  });

  it("closes a resolved case", async () => {
    expect(await done(await act(lifecycle, "close", tokens.cwA))).toMatchObject({ status: "closed" });
    await refused(lifecycle, 409, () => act(lifecycle, "close", tokens.cwA));
  });

  it("lets only the team's supervisor reopen, giving the caseworker new due dates", async () => {
    const before = await read(lifecycle);
    await refused(lifecycle, 403, () => act(lifecycle, "reopen", tokens.cwA, { reason: "I want it back" }));
    await refused(lifecycle, 404, () => act(lifecycle, "reopen", tokens.supStreet, { reason: "not my team" }));
    const view = await done(await act(lifecycle, "reopen", tokens.supCommunity, { reason: "The works started again at night." }));
    expect(view).toMatchObject({ status: "assigned", caseworkerId: "cw-a", acknowledgedAt: null, resolution: null, mediation: null });
    expect(Date.parse(view.acknowledgeBy!)).toBeGreaterThan(Date.parse(before.acknowledgeBy!));
  });

  it("lets only the team's supervisor reassign, and only to an active member of the team", async () => {
    await refused(lifecycle, 403, () => act(lifecycle, "reassign", tokens.cwA, { toCaseworkerId: "cw-b", reason: "swap" }));
    await refused(lifecycle, 404, () => act(lifecycle, "reassign", tokens.supStreet, { toCaseworkerId: "cw-street", reason: "take it" }));
    for (const unknown of ["cw-nobody", "cw-street", "cw-idle"]) {
      const problem = await refused(lifecycle, 422, () => act(lifecycle, "reassign", tokens.supCommunity, { toCaseworkerId: unknown, reason: "swap" }));
      expect(problem.title).toBe("Unprocessable");
    }
    await refused(lifecycle, 422, () => act(lifecycle, "reassign", tokens.supCommunity, { toCaseworkerId: "cw-a", reason: "already theirs" }));
    const view = await done(await act(lifecycle, "reassign", tokens.supCommunity, { toCaseworkerId: "cw-b", reason: "cw-a is on leave" }));
    expect(view).toMatchObject({ status: "assigned", caseworkerId: "cw-b", teamId: "xz-community" });
    await refused(lifecycle, 403, () => act(lifecycle, "accept", tokens.cwA));
    expect(await done(await act(lifecycle, "accept", tokens.cwB))).toMatchObject({ status: "accepted" });
  });

  it("announces every action on cases.internal in the order taken", async () => {
    const { grievanceId } = await read(lifecycle);
    const expected = [
      "case.opened.v1", "grievance.triaged.v2", "case.assigned.v1", "case.accepted.v1", "case.note_added.v2", "case.note_added.v2",
      // Resolving schedules the follow-up visit.
      // What staff type in their own words (a place, a summary, a reason) goes out sealed, in v2; a close without a reason has none.
      "case.mediation_scheduled.v2", "case.note_added.v2", "case.resolved.v2", "case.follow_up_scheduled.v1", "case.closed.v1", "case.reopened.v2", "case.reassigned.v2", "case.accepted.v1",
    ];
    const types = await eventually(async () => {
      const t = published.filter((m) => m.event.subject === grievanceId).map((m) => m.event.type);
      return t.length >= expected.length ? t : undefined;
    }, 20_000, "every action on the topic");
    expect(types).toEqual(expected);
    const reassigned = published.find((m) => m.event.subject === grievanceId && m.event.type === "case.reassigned.v2")!.event.data;
    expect(reassigned).toMatchObject({ fromCaseworkerId: "cw-a", toCaseworkerId: "cw-b", reason: expect.stringMatching(/^ghs1\./), actor: { id: "sup-community", role: "supervisor" } });
    const words = ["cw-a is on leave", "Community office, room 2", "Works end at 20:00 from now on.", "The works started again at night."];
    const onTheTopic = JSON.stringify(published.filter((m) => m.event.subject === grievanceId).map((m) => m.event.data));
    expect(words.filter((w) => onTheTopic.includes(w))).toEqual([]);
    // The case page opens them.
    const view = await read(lifecycle);
    expect(view.timeline.find((t) => t.type === "case.reassigned")?.facts.reason).toBe("cw-a is on leave");
    expect(view.timeline.find((t) => t.type === "case.resolved")?.facts.summary).toBe("Works end at 20:00 from now on.");
  });
});

describe("escalation by hand", () => {
  it("moves the case to the street team and gives it to someone free there when the assignee escalates it", async () => {
    expect(await read(escalated)).toMatchObject({ caseworkerId: "cw-b", teamId: "xz-community" });
    const view = await done(await act(escalated, "escalate", tokens.cwB, { reason: "The dog owner refuses to talk to us." }));
    expect(view).toMatchObject({ status: "assigned", teamId: "xz-street", caseworkerId: "cw-street" });
    expect(view.timeline.at(-2)).toMatchObject({ type: "case.escalated", actor: { id: "cw-b", role: "caseworker" }, facts: { fromTeam: { id: "xz-community", level: "community" }, toTeam: { id: "xz-street", level: "street" } } });
    expect(view.timeline.at(-1)).toMatchObject({ type: "case.assigned", actor: { role: "system" }, facts: { caseworkerId: "cw-street" } });
  });

  it("refuses with 409 when there is no team above, and hides the case from its former team", async () => {
    const problem = await refused(escalated, 409, () => act(escalated, "escalate", tokens.supStreet, { reason: "Needs the district." }));
    expect(problem.detail).toMatch(/no team above/);
    await refused(escalated, 404, () => act(escalated, "escalate", tokens.supCommunity, { reason: "again" }));
    await refused(escalated, 404, () => act(escalated, "notes", tokens.cwB, { text: "still mine?" }));
  });
});

describe("the team queue", () => {
  it("waits in the queue above when nobody there is free, until the team's supervisor gives it to someone", async () => {
    const queued = await receive("对门邻居把杂物堆在楼道里，说了几次都不清理", "440402001003");
    await put("caseworkers/cw-street", { categories: ["neighbour"], languages: ["zh"], capacity: 10, teamId: "xz-street", name: "Shi", active: false });
    const owner = (await read(queued)).caseworkerId!;
    const ownerToken = owner === "cw-a" ? tokens.cwA : tokens.cwB;
    expect(await done(await act(queued, "escalate", ownerToken, { reason: "Needs the street office." }))).toMatchObject({ status: "queued", teamId: "xz-street", caseworkerId: null });

    await put("caseworkers/cw-street-2", { categories: ["neighbour"], languages: ["zh"], capacity: 10, teamId: "xz-street", name: "Shi Er" });
    await refused(queued, 403, () => act(queued, "assign", tokens.cwStreet, { caseworkerId: "cw-street-2", reason: "taking it" }));
    await refused(queued, 422, () => act(queued, "assign", tokens.supStreet, { caseworkerId: "cw-street", reason: "inactive" }));
    const view = await done(await act(queued, "assign", tokens.supStreet, { caseworkerId: "cw-street-2", reason: "Shi Er knows the building" }));
    expect(view).toMatchObject({ status: "assigned", teamId: "xz-street", caseworkerId: "cw-street-2" });
    expect(view.timeline.at(-1)).toMatchObject({ type: "case.assigned", actor: { id: "sup-street", role: "supervisor" } });
  });
});

describe("addressing a case that is not there", () => {
  it("answers 404 problem+json for an unknown id and for one that is not a uuid", async () => {
    await expectProblem(await act(randomUUID(), "accept", tokens.cwA), 404);
    await expectProblem(await act("not-a-case", "accept", tokens.cwA), 404);
  });
});
