// A neighbour dispute mediated to a settlement that holds, and a labour case handed to labour
// arbitration, through the HTTP API over the real broker and database (the walk README shows
// with curl).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "./support";
import { kafkaClient, readTopic } from "./faults/support";

let env: TestEnv;
let services: RunningService[] = [];
let scheduler: Awaited<ReturnType<typeof startTriage>>["scheduler"];
let db: pg.Pool;
let triageUrl: string;
let cw: string;
let supervisor: string;

const DAY_MS = 24 * 60 * 60_000;
const today = () => new Date().toISOString().slice(0, 10);
const inDays = (n: number) => new Date(Date.now() + n * DAY_MS);

interface Answer {
  status: number;
  etag: string | null;
  body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${triageUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, etag: res.headers.get("etag"), body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** An action with If-Match on the case's current version; fails the test on anything but 200. */
async function act(caseId: string, action: string, body: unknown, token = cw): Promise<Answer["body"]> {
  const current = await call("GET", `/v1/cases/${caseId}`, token);
  const answer = await call("POST", `/v1/cases/${caseId}/${action}`, token, body, { "if-match": current.etag! });
  expect(answer.status, `${action}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
}

async function fileGrievance(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${services[0]!.url}/v1/grievances`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const row = await eventually(async () => (await db.query("SELECT id, status FROM triage.cases WHERE grievance_id = $1 AND status = 'assigned'", [id])).rows[0] as { id: string } | undefined, 60_000, "the case to be assigned");
  return row.id;
}

beforeAll(async () => {
  env = await createTestEnv();
  const triage = await startTriage(loadConfig(TriageConfig, env.env), env.logger);
  scheduler = triage.scheduler;
  services = [await startIntake(loadConfig(IntakeConfig, env.env), env.logger), triage];
  triageUrl = services[1]!.url;
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const admin = await tokenFor("admin");
  cw = await tokenFor("caseworker", "cw-zhang", { team: "xiangzhou-community" });
  supervisor = await tokenFor("supervisor", "sup-xiangzhou", { team: "xiangzhou-community" });
  expect((await call("PUT", "/v1/admin/teams/xiangzhou-community", admin, { name: "Xiangzhou community mediation", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "family", "labour"] })).status).toBe(200);
  expect((await call("PUT", "/v1/admin/caseworkers/cw-zhang", admin, { teamId: "xiangzhou-community", name: "Zhang Min", categories: ["neighbour", "labour"], languages: ["zh"], capacity: 10 })).status).toBe(200);
  // The street's mediator is less local than the community's: routing must prefer med-li.
  expect((await call("PUT", "/v1/admin/mediators/med-street", admin, { name: "Zhao Lei", level: "street", divisionPrefix: "440402", specialties: ["neighbour"], languages: ["zh"], capacity: 10 })).status).toBe(200);
  expect((await call("PUT", "/v1/admin/mediators/med-li", admin, { name: "Li Hua", level: "community", divisionPrefix: "440402001", specialties: ["neighbour", "family"], languages: ["zh"], capacity: 10 })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  await db?.end();
  await env?.drop();
});

describe("a neighbour noise dispute mediated to a settlement that holds", () => {
  let caseId: string;

  it("assigns the complaint to the community caseworker, who accepts it and records the respondent", async () => {
    caseId = await fileGrievance({
      channel: "phone",
      complainant: { name: "Li Wei", phone: "+86 138 0013 8000", language: "zh", consentToContact: true },
      location: { divisionCode: "440402001001" },
      description: "楼上邻居每天晚上十一点以后还在装修，噪音很大，多次沟通无果。",
      hints: { category: "neighbour" },
    });
    await act(caseId, "accept", {});
    const view = await act(caseId, "parties", { role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", language: "zh", consentToContact: true });
    expect(view.dispute.parties).toEqual([{ partyId: "party-1", role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", language: "zh", consentToContact: true }]);
  });

  it("refuses a stale If-Match and writes nothing", async () => {
    const before = await call("GET", `/v1/cases/${caseId}`, cw);
    const stale = await call("POST", `/v1/cases/${caseId}/mediator`, cw, {}, { "if-match": '"1"' });
    expect(stale.status).toBe(412);
    expect((await call("GET", `/v1/cases/${caseId}`, cw)).etag).toBe(before.etag);
  });

  it("gives the case the most local mediator for neighbour disputes", async () => {
    const view = await act(caseId, "mediator", {});
    expect(view.dispute.mediatorId).toBe("med-li");
  });

  it("refuses a session in the past, naming the field, and writes nothing", async () => {
    const before = await call("GET", `/v1/cases/${caseId}`, cw);
    const past = await call("POST", `/v1/cases/${caseId}/sessions`, cw, { at: inDays(-1).toISOString(), place: "community office", invitedPartyIds: ["party-1"] });
    expect(past.status).toBe(422);
    expect(past.body.errors).toEqual([expect.objectContaining({ field: "at" })]);
    expect((await call("GET", `/v1/cases/${caseId}`, cw)).etag).toBe(before.etag);
  });

  it("holds a first session that is adjourned", async () => {
    await act(caseId, "sessions", { at: inDays(1).toISOString(), durationMinutes: 90, place: "community office", invitedPartyIds: ["party-1"] });
    const view = await act(caseId, "record-session", { sessionId: "session-1", complainantAttended: true, attendedPartyIds: [], result: "adjourned", note: "respondent sent word she was away" });
    expect(view.status).toBe("in_mediation");
    expect(view.dispute.sessions[0]).toMatchObject({ sessionId: "session-1", status: "held", result: "adjourned" });
  });

  it("will not book the mediator into two sessions at once", async () => {
    await act(caseId, "sessions", { at: inDays(2).toISOString(), durationMinutes: 90, place: "community office", invitedPartyIds: ["party-1"] });
    const clash = await call("POST", `/v1/cases/${caseId}/sessions`, cw, { at: new Date(inDays(2).getTime() + 30 * 60_000).toISOString(), place: "street office", invitedPartyIds: [] });
    expect(clash.status).toBe(409);
  });

  it("refuses an agreement without a held session and an obligation due before the signing date", async () => {
    const unheld = await call("POST", `/v1/cases/${caseId}/agreement`, cw, { sessionId: "session-2", terms: "x", signedOn: today(), obligations: [{ owedBy: "party-1", what: "x", dueBy: today() }] });
    expect(unheld.status).toBe(422);
    expect(unheld.body.errors).toEqual([expect.objectContaining({ field: "sessionId" })]);
    await act(caseId, "record-session", { sessionId: "session-2", complainantAttended: true, attendedPartyIds: ["party-1"], result: "agreement" });
    const early = await call("POST", `/v1/cases/${caseId}/agreement`, cw, {
      sessionId: "session-2", terms: "x", signedOn: today(), obligations: [{ owedBy: "party-1", what: "x", dueBy: today() }, { owedBy: "party-1", what: "y", dueBy: "2020-01-01" }],
    });
    expect(early.status).toBe(422);
    expect(early.body.errors).toEqual([expect.objectContaining({ field: "obligations.1.dueBy" })]);
  });

  it("records the agreement with two obligations and resolves at the community level, with a follow-up due", async () => {
    const agreed = await act(caseId, "agreement", {
      sessionId: "session-2",
      terms: "王芳承诺晚上十点后停止装修；赔偿李伟天花板修理费500元。",
      signedOn: today(),
      obligations: [
        { owedBy: "party-1", what: "no renovation noise after 22:00", dueBy: today() },
        { owedBy: "party-1", what: "pay 500 yuan for the ceiling", dueBy: inDays(7).toISOString().slice(0, 10) },
      ],
    });
    expect(agreed.dispute.agreements[0].obligations.map((o: { obligationId: string }) => o.obligationId)).toEqual(["agreement-1.1", "agreement-1.2"]);
    const resolved = await act(caseId, "resolve", { outcome: "mediated_agreement", summary: "Agreement signed at the second session." });
    expect(resolved.status).toBe("resolved");
    expect(resolved.dispute.resolutionLevel).toBe("community");
    expect(new Date(resolved.dispute.followUp.dueAt).getTime()).toBeGreaterThan(inDays(6).getTime());
  });

  it("reopens the case when the follow-up finds an obligation broken, more urgent", async () => {
    await act(caseId, "follow-up", { reached: true, satisfaction: "partly", note: "quiet in the day, drilling at night again" });
    const view = await act(caseId, "obligation", { agreementId: "agreement-1", obligationId: "agreement-1.1", status: "broken", note: "drilling at 23:30 again" });
    expect(view).toMatchObject({ status: "assigned", caseworkerId: "cw-zhang", urgency: "P2" });
    expect(view.dispute.mediatorId).toBe("med-li");
    // A follow-up is made after resolution, not on an open case.
    const open = await call("POST", `/v1/cases/${caseId}/follow-up`, cw, { reached: true, satisfaction: "satisfied" });
    expect(open.status).toBe(409);
  });

  it("settles again, and the settlement holds at the follow-up", async () => {
    await act(caseId, "accept", {});
    await act(caseId, "sessions", { at: inDays(3).toISOString(), place: "community office", invitedPartyIds: ["party-1"] });
    await act(caseId, "record-session", { sessionId: "session-3", complainantAttended: true, attendedPartyIds: ["party-1"], result: "agreement" });
    await act(caseId, "agreement", { sessionId: "session-3", terms: "装修只在工作日9点到18点。", signedOn: today(), obligations: [{ owedBy: "party-1", what: "renovate only 9:00-18:00 on weekdays", dueBy: today() }] });
    await act(caseId, "resolve", { outcome: "mediated_agreement", summary: "Second agreement." });
    await act(caseId, "obligation", { agreementId: "agreement-2", obligationId: "agreement-2.1", status: "fulfilled" });
    const view = await act(caseId, "follow-up", { reached: true, satisfaction: "satisfied" });
    expect(view).toMatchObject({ status: "resolved", dispute: { resolutionLevel: "community", followUp: { reached: true, satisfaction: "satisfied" } } });
  });
});

describe("a labour case referred to labour arbitration", () => {
  let caseId: string;

  it("hands the case over and resolves it as referred when the committee acknowledges it", async () => {
    caseId = await fileGrievance({
      channel: "phone",
      complainant: { name: "Chen Gang", phone: "+86 137 0013 7000", language: "zh", consentToContact: false },
      location: { divisionCode: "440402001002" },
      description: "公司拖欠我三个月工资一万二千元，老板一直不给。",
      hints: { category: "labour" },
    });
    await act(caseId, "accept", {});
    const referred = await act(caseId, "refer", { to: { kind: "labour_arbitration", name: "Xiangzhou labour dispute arbitration committee" }, reason: "wages owed by a company: for arbitration" });
    expect(referred.status).toBe("referred");
    expect(referred.dispute.referrals[0]).toMatchObject({ referralId: "referral-1", purpose: "handover", acknowledgedAt: null });
    const acknowledged = await act(caseId, "acknowledge-referral", { referralId: "referral-1", reference: "XZLA-2026-0412" });
    expect(acknowledged).toMatchObject({ status: "resolved", resolution: { outcome: "referred_to_agency" }, dispute: { resolutionLevel: "referred" } });
  });
});

describe("the supervisor's statistics", () => {
  it("counts the neighbour dispute as resolved at the community level and the labour case as resolved by referral", async () => {
    const month = new Date().toISOString().slice(0, 7);
    const answer = await call("GET", `/v1/statistics?from=${month}&to=${month}`, supervisor);
    expect(answer.status).toBe(200);
    expect(answer.body.statistics).toEqual([
      expect.objectContaining({ divisionPrefix: "440402001", month, received: 2, resolved: 2, resolvedAtCommunityLevel: 1, mediationSuccessRate: 1, agreementsHoldingAtFollowUp: 1, satisfaction: 1, repeatRate: 0 }),
    ]);
  });

  it("does not show a supervisor another area's figures", async () => {
    const answer = await call("GET", "/v1/statistics?division=110105", supervisor);
    expect(answer.status).toBe(403);
    expect(answer.body.errors).toEqual([expect.objectContaining({ field: "division" })]);
  });

  it("serves the supervisor's dashboard of their area from the statistics projection", async () => {
    const answer = await call("GET", "/v1/statistics/dashboard", supervisor);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ divisionPrefix: "440402001", to: today(), resolution: { resolved: 2, atCommunityWithoutEscalation: 1, share: 0.5 } });
    expect(answer.body.receivedPerDay).toEqual(expect.arrayContaining([expect.objectContaining({ day: today(), category: "neighbour", received: 1 }), expect.objectContaining({ day: today(), category: "labour", received: 1 })]));
    expect(answer.body.urgencyMix.reduce((n: number, u: { received: number }) => n + u.received, 0)).toBe(2);
    expect(answer.body.medianMinutesToFirstContact).toEqual(expect.any(Number));
    expect(answer.body.medianDaysToResolution).toEqual(expect.any(Number));
    // the projection, not the cases table: without its rows the dashboard has nothing
    const { rows } = await db.query("SELECT count(*)::int AS n FROM triage.case_statistics WHERE division_code LIKE '440402001%'");
    expect(rows[0].n).toBe(2);
  });

  it("backfills, by its migration, the same facts the case writes upserted", async () => {
    const migration = readFileSync(new URL("../services/triage/migrations/2000000000023_case-statistics.sql", import.meta.url), "utf8");
    const backfill = migration.slice(migration.indexOf("INSERT INTO case_statistics"), migration.indexOf("-- Down Migration"));
    const client = await db.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL search_path TO triage");
      const live = (await client.query("SELECT * FROM case_statistics ORDER BY case_id")).rows;
      expect(live.length).toBeGreaterThan(0);
      await client.query("DELETE FROM case_statistics");
      await client.query(backfill);
      expect((await client.query("SELECT * FROM case_statistics ORDER BY case_id")).rows).toEqual(live);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("keeps a supervisor to their area, other roles out, and names the wrong field of a bad query", async () => {
    const other = await call("GET", "/v1/statistics/dashboard?division=110105", supervisor);
    expect(other.status).toBe(403);
    expect(other.body.errors).toEqual([expect.objectContaining({ field: "division" })]);
    expect((await call("GET", "/v1/statistics/dashboard", cw)).status).toBe(403);
    expect((await call("GET", "/v1/statistics/dashboard?division=110105", await tokenFor("admin"))).status).toBe(200);
    const tooLong = await call("GET", "/v1/statistics/dashboard?from=2026-01-01&to=2026-06-30", supervisor);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: "from" })]);
    const malformed = await call("GET", "/v1/statistics/dashboard?to=2026-02-30x", supervisor);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: "querystring.to" })]);
  });
});

describe("personal data of parties", () => {
  it("never reaches the public topic", async () => {
    const kafka = new Kafka({ clientId: "mediation-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `reader-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 500 });
    const types = new Set<string>();
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: env.topicPrefix + Topics.casesPublic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        types.add(message.headers?.ce_type?.toString() ?? "");
        values.push(message.value?.toString() ?? "");
      },
    });
    await eventually(async () => (types.has("case.referral_acknowledged.v1") && types.has("case.follow_up_recorded.v2") ? true : undefined), 60_000, "the mediation events on the public topic");
    await consumer.disconnect();
    expect([...types]).toEqual(expect.arrayContaining(["case.party_added.v2", "case.session_held.v2", "case.agreement_recorded.v2", "case.obligation_marked.v2", "case.urgency_raised.v1", "case.referred.v2"]));
    const all = values.join("\n");
    for (const personal of ["Wang Fang", "+8613900139000", "王芳", "drilling", "pay 500 yuan", "500元", "Xiangzhou labour", "XZLA"]) expect(all).not.toContain(personal);
  });
});

/** What triage published of one type on a topic, once its outbox is empty (the relay deletes what Kafka acknowledged). */
async function publishedOf(topic: string, type: string): Promise<{ topic: string; payload: string }[]> {
  await eventually(async () => ((await db.query("SELECT 1 FROM triage.outbox LIMIT 1")).rowCount === 0 ? true : undefined), 20_000, "triage's outbox to be published");
  const messages = await readTopic(kafkaClient(env.kafkaBrokers), env.topicPrefix + topic);
  return messages.filter((m) => m.ce.type === type).map((m) => ({ topic: env.topicPrefix + topic, payload: m.value!.toString() }));
}

describe("mediation deadlines", () => {
  it("records an unacknowledged referral and an obligation past its day once, however many scans run at once", async () => {
    const caseId = await fileGrievance({
      channel: "phone",
      anonymous: true,
      language: "zh",
      location: { divisionCode: "440402001003" },
      description: "工厂欠薪两个月，工人们都没拿到钱。",
      hints: { category: "labour" },
    });
    await act(caseId, "accept", {});
    await act(caseId, "refer", { to: { kind: "labour_arbitration", name: "arbitration committee" }, reason: "wages" });
    const later = inDays(8);
    // Two replicas' scans, twice each, at the same moment.
    const scans = await Promise.all([scheduler.tick(later), scheduler.tick(later), scheduler.tick(later), scheduler.tick(later)]);
    const rows = await publishedOf(Topics.casesInternal, "case.deadline_breached.v1");
    const breaches = rows.map((r) => JSON.parse(r.payload) as { caseId: string; deadline: string; ref?: string });
    expect(breaches.map(({ caseId: c, deadline, ref }) => ({ caseId: c, deadline, ref })).sort((a, b) => a.deadline.localeCompare(b.deadline))).toEqual([
      { caseId: expect.any(String), deadline: "obligation", ref: "agreement-1.2" },
      { caseId, deadline: "referral_acknowledgement", ref: "referral-1" },
    ]);
    expect(scans.reduce((n, t) => n + t.mediation, 0)).toBe(2);
    expect((await scheduler.tick(later)).mediation).toBe(0);
  });
});

describe("the daily statistics event", () => {
  it("goes out once a day per team area, however many scans run at once, on the public topic too", async () => {
    const tomorrow = inDays(1);
    const day = tomorrow.toISOString().slice(0, 10);
    const scans = await Promise.all([scheduler.tick(tomorrow), scheduler.tick(tomorrow), scheduler.tick(tomorrow), scheduler.tick(tomorrow)]);
    expect(scans.reduce((n, t) => n + t.statistics, 0)).toBe(1);
    const rows = [...(await publishedOf(Topics.casesInternal, "statistics.published.v1")), ...(await publishedOf(Topics.casesPublic, "statistics.published.v1"))];
    const published = rows.map((r) => ({ topic: r.topic, data: JSON.parse(r.payload) as Record<string, unknown> })).filter((r) => r.data.day === day);
    expect(published.map((p) => p.topic).sort()).toEqual([env.topicPrefix + Topics.casesInternal, env.topicPrefix + Topics.casesPublic]);
    expect(published[0]!.data).toMatchObject({ divisionPrefix: "440402001", month: new Date().toISOString().slice(0, 7), received: 3, resolvedAtCommunityLevel: 1, agreementsHoldingAtFollowUp: 1 });
  });
});
