// Projections rebuilt from the topics equal the ones built live, row for row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { BaseConfig, createKafka, createPool, Keyring, keyEncryptionKeys, loadConfig, ServiceStillRunningError, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { rebuildTriage } from "../services/triage/src/rebuild";
import { rebuildNotification } from "../services/notification/src/rebuild";
import { rebuildIntake } from "../services/intake/src/rebuild";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "./support";

let env: TestEnv;
let intake: RunningService;
let triage: Awaited<ReturnType<typeof startTriage>>;
let notification: RunningService;
let db: pg.Pool;
let triageConfig: TriageConfig;

const tables = {
  cases: "SELECT id, grievance_id, tracking_code, division_code, language, phone_hash, description, status, category, urgency, received_at, opened_at, version, state, team_id, team_level, caseworker_id, acknowledge_by, resolve_by, acknowledged, breached_acknowledge, breached_resolve, repeat_count FROM triage.cases ORDER BY id",
  case_timeline: "SELECT * FROM triage.case_timeline ORDER BY event_id",
  case_links: "SELECT * FROM triage.case_links ORDER BY case_id, grievance_id, kind",
  deadline_reminders: "SELECT * FROM triage.deadline_reminders ORDER BY case_id, deadline, due_at",
  session_reminders: "SELECT * FROM triage.session_reminders ORDER BY case_id, session_id, at",
  statistics_published: "SELECT * FROM triage.statistics_published ORDER BY day",
  case_statistics: "SELECT * FROM triage.case_statistics ORDER BY case_id",
  intake_timeline: "SELECT * FROM intake.timeline ORDER BY event_id",
  intake_status: "SELECT id, status, status_changed_at, handling_level FROM intake.grievances ORDER BY id",
  complainants: "SELECT * FROM notification.complainants ORDER BY grievance_id",
  case_teams: "SELECT * FROM notification.case_teams ORDER BY grievance_id",
  parties: "SELECT * FROM notification.parties ORDER BY grievance_id, party_id",
};

/** Waits until a stopped service's consumer group has no members left, so a rebuild may run. */
async function groupEmptied(kafka: ReturnType<typeof createKafka>, service: string): Promise<void> {
  await eventually(async () => {
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([env.topicPrefix + service]);
    await admin.disconnect();
    return groups[0]?.members.length === 0 ? true : undefined;
  }, 30_000, `${service}'s consumer group to empty`);
}

async function snapshot(service: "triage" | "intake" | "notification"): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables)) if (sql.includes(`FROM ${service}.`)) out[name] = (await db.query(sql)).rows;
  return out;
}

const texts = [
  "楼上邻居装修噪音每天到深夜，多次沟通无果。",
  "My landlord will not return my deposit after I moved out.",
  "老板拖欠我们三个月工资，二十多个工人都没拿到钱。",
  "他拿着刀说要杀了我，我现在很害怕。",
  "The shop sold me a broken phone and refuses a refund.",
  "请问社区调解需要预约吗？",
];

beforeAll(async () => {
  env = await createTestEnv();
  intake = await startIntake(loadConfig(IntakeConfig, env.env), env.logger);
  triageConfig = loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" });
  triage = await startTriage(triageConfig, env.logger);
  notification = await startNotification(loadConfig(NotificationConfig, env.env), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
}, 120_000);

afterAll(async () => {
  await notification?.stop();
  await intake?.stop();
  await triage?.stop();
  await db?.end();
  await env?.drop();
});

describe("rebuilding the projections from the topics", () => {
  it("gives the same rows as the live projection after a realistic run", async () => {
    const admin = { "content-type": "application/json", authorization: `Bearer ${await tokenFor("admin")}` };
    const put = (path: string, body: object) => fetch(`${triage.url}${path}`, { method: "PUT", headers: admin, body: JSON.stringify(body) });
    const all = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];
    await put("/v1/admin/teams/district", { name: "District", level: "district", divisionPrefix: "440402", categories: all });
    await put("/v1/admin/teams/street", { name: "Street", level: "street", divisionPrefix: "440402001", categories: all });
    await put("/v1/admin/teams/community", { name: "Community", level: "community", divisionPrefix: "440402001001", categories: all });
    await put("/v1/admin/caseworkers/cw-a", { teamId: "community", name: "A", categories: all, languages: ["zh", "en"], capacity: 3 });
    await put("/v1/admin/caseworkers/cw-b", { teamId: "street", name: "B", categories: all, languages: ["zh", "en"], capacity: 50 });
    await put("/v1/admin/mediators/med-a", { name: "M", level: "community", divisionPrefix: "440402001001", specialties: all, languages: ["zh"], capacity: 10 });

    const operator = `Bearer ${await tokenFor("operator")}`;
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) {
      const text = texts[i % texts.length]!;
      const body = {
        channel: "phone",
        complainant: { name: `Caller ${i % 5}`, phone: `+86 138 0013 80${String(i % 5).padStart(2, "0")}`, language: /[a-z]/i.test(text[0]!) ? "en" : "zh", consentToContact: true },
        location: { divisionCode: i % 4 === 0 ? "440402002001" : "440402001001" },
        description: text,
      };
      const res = await fetch(`${intake.url}/v1/grievances`, { method: "POST", headers: { "content-type": "application/json", authorization: operator }, body: JSON.stringify(body) });
      ids.push(((await res.json()) as { id: string }).id);
    }
    await eventually(async () => {
      const { rows } = await db.query("SELECT count(*)::int + (SELECT count(*)::int FROM triage.case_links WHERE kind = 'repeat') AS n FROM triage.cases");
      return rows[0].n >= ids.length ? true : undefined;
    }, 60_000, "every grievance to be triaged");

    // Caseworker actions on the community caseworker's cases.
    const cw = `Bearer ${await tokenFor("caseworker", "cw-a", { team: "community" })}`;
    const { rows: mine } = await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE caseworker_id = 'cw-a' ORDER BY urgency DESC, id");
    for (const [i, { id }] of mine.entries()) {
      const act = (action: string, body: object = {}) => fetch(`${triage.url}/v1/cases/${id}/${action}`, { method: "POST", headers: { "content-type": "application/json", authorization: cw }, body: JSON.stringify(body) });
      expect((await act("accept")).status).toBe(200);
      expect((await act("notes", { text: `Called both parties (${i})` })).status).toBe(200);
      if (i === 1) {
        // Handed to legal aid, which acknowledges it: resolved by referral.
        expect((await act("refer", { to: { kind: "legal_aid", name: "legal aid centre" }, reason: "needs a lawyer" })).status).toBe(200);
        expect((await act("acknowledge-referral", { referralId: "referral-1" })).status).toBe(200);
      }
      if (i === 0) {
        // Mediation: a party, a mediator, a session with an agreement, a broken obligation that reopens it, and a session to come.
        // (On the least urgent case: a P1 cannot be raised, so its broken obligation would raise nothing.)
        const hoursFromNow = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
        const day = new Date().toISOString().slice(0, 10);
        for (const [action, body] of [
          ["parties", { role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", consentToContact: true }],
          ["mediator", {}],
          ["sessions", { at: hoursFromNow(1), place: "community office", invitedPartyIds: ["party-1"] }],
          ["record-session", { sessionId: "session-1", complainantAttended: true, attendedPartyIds: ["party-1"], result: "agreement" }],
          ["agreement", { sessionId: "session-1", terms: "Quiet after 22:00.", signedOn: day, obligations: [{ owedBy: "party-1", what: "quiet", dueBy: day }] }],
          ["resolve", { outcome: "mediated_agreement", summary: "Agreement." }],
          ["follow-up", { reached: true, satisfaction: "partly" }],
          ["obligation", { agreementId: "agreement-1", obligationId: "agreement-1.1", status: "broken" }],
          ["accept", {}],
          ["sessions", { at: hoursFromNow(20), place: "community office", invitedPartyIds: ["party-1"] }],
        ] as const) {
          const res = await act(action, body);
          expect(res.status, `${action}: ${await res.text()}`).toBe(200);
        }
      }
    }
    // An hour later: the session is less than a day away and its reminder goes out.
    expect((await triage.scheduler.tick(new Date(Date.now() + 3600_000))).sessionReminders).toBe(1);
    // A day later: the deadlines of what nobody acknowledged have passed.
    await triage.scheduler.tick(new Date(Date.now() + 26 * 3600_000));

    const live = await snapshot("triage");
    expect(live.cases!.length).toBeGreaterThan(3);
    expect(live.case_links!.length).toBeGreaterThan(0);
    expect((live.case_timeline as { type: string }[]).map((t) => t.type)).toEqual(expect.arrayContaining(["case.opened", "grievance.triaged", "case.assigned", "case.accepted", "case.note_added", "case.resolved", "case.deadline_breached"]));
    // Every mediation fact is in the live timeline; the missing ones by name, when any are.
    const liveTypes = new Set((live.case_timeline as { type: string }[]).map((t) => t.type));
    const mediationTypes = ["case.party_added", "case.session_held", "case.urgency_raised", "case.agreement_recorded", "case.obligation_marked", "case.follow_up_recorded", "case.reopened", "case.referred", "case.referral_acknowledged"];
    expect(mediationTypes.filter((t) => !liveTypes.has(t))).toEqual([]);
    expect(live.session_reminders!.length).toBe(1);
    await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM triage.outbox")).rows[0].n === 0 ? true : undefined), 20_000, "triage's events to be published");

    const kafka = createKafka({ clientId: "rebuild-test", brokers: env.kafkaBrokers.split(","), logger: env.logger });
    const pool = createPool({ databaseUrl: env.databaseUrl, size: 2, connectTimeoutMs: 5000, schema: "triage", logger: env.logger });
    const keyring = new Keyring(pool, keyEncryptionKeys(loadConfig(BaseConfig, env.env)));
    const rebuild = () => rebuildTriage({ pool, keyring, kafka, topicPrefix: env.topicPrefix, liveGroupId: env.topicPrefix + "triage", logger: env.logger });
    try {
      // Refused while triage runs, and nothing cleared by the refusal.
      await expect(rebuild()).rejects.toBeInstanceOf(ServiceStillRunningError);
      expect(await snapshot("triage")).toEqual(live);
      await triage.stop();
      await groupEmptied(kafka, "triage");

      const result = await rebuild();
      expect(result.events).toBeGreaterThan(ids.length);
      expect(await snapshot("triage")).toEqual(live);

      // From a timestamp: nothing new since the run, so nothing changes either.
      await rebuildTriage({ pool, keyring, kafka, topicPrefix: env.topicPrefix, liveGroupId: env.topicPrefix + "triage", logger: env.logger, from: new Date(Date.now() - 3600_000) });
      expect(await snapshot("triage")).toEqual(live);

      // intake's status and timeline, from triage's case events.
      await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM intake.timeline")).rows[0].n > 0 ? true : undefined), 20_000, "intake to follow the cases");
      await new Promise((r) => setTimeout(r, 1500));
      const liveIntake = await snapshot("intake");
      const intakePool = createPool({ databaseUrl: env.databaseUrl, size: 2, connectTimeoutMs: 5000, schema: "intake", logger: env.logger });
      try {
        const rebuildIntakeNow = () => rebuildIntake({ pool: intakePool, kafka, topicPrefix: env.topicPrefix, liveGroupId: env.topicPrefix + "intake", logger: env.logger });
        await expect(rebuildIntakeNow()).rejects.toBeInstanceOf(ServiceStillRunningError);
        expect(await snapshot("intake")).toEqual(liveIntake);
        await intake.stop();
        await groupEmptied(kafka, "intake");
        const result = await rebuildIntake({ pool: intakePool, kafka, topicPrefix: env.topicPrefix, liveGroupId: env.topicPrefix + "intake", logger: env.logger });
        expect(result.events).toBeGreaterThan(0);
        expect(await snapshot("intake")).toEqual(liveIntake);
      } finally {
        await intakePool.end();
      }

      // notification's complainants and case teams (its deliveries are what was sent: kept, not rebuilt).
      await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM notification.case_teams")).rows[0].n >= live.cases!.length ? true : undefined), 20_000, "notification to follow the cases");
      const liveNotification = await snapshot("notification");
      expect(liveNotification.complainants!.length).toBe(ids.length);
      const deliveriesBefore = (await db.query("SELECT count(*)::int AS n FROM notification.deliveries")).rows[0].n;
      const notificationPool = createPool({ databaseUrl: env.databaseUrl, size: 2, connectTimeoutMs: 5000, schema: "notification", logger: env.logger });
      try {
        const rebuildNotificationNow = () => rebuildNotification({ pool: notificationPool, keyring, kafka, topicPrefix: env.topicPrefix, liveGroupId: env.topicPrefix + "notification", logger: env.logger });
        await expect(rebuildNotificationNow()).rejects.toBeInstanceOf(ServiceStillRunningError);
        expect(await snapshot("notification")).toEqual(liveNotification);
        await notification.stop();
        await groupEmptied(kafka, "notification");
        const result = await rebuildNotificationNow();
        expect(result.events).toBeGreaterThan(ids.length);
        expect(await snapshot("notification")).toEqual(liveNotification);
        expect((await db.query("SELECT count(*)::int AS n FROM notification.deliveries")).rows[0].n).toBe(deliveriesBefore);
      } finally {
        await notificationPool.end();
      }
    } finally {
      await pool.end();
    }
  }, 180_000);
});
