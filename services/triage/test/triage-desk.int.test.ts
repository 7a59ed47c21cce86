// The triage desk end to end over real Kafka and Postgres: an unsure grievance lands at the
// hotline's desk, a triager recategorises it, it is rerouted and notification tells the new
// caseworker; an unsure P1 goes straight to the local team with the P1 alert.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Consumer, type Producer } from "kafkajs";
import pg from "pg";
import { decodeEvent, encodeEvent, keyEncryptionKeys, Keyring, loadConfig, type DecodedEvent, type Pool, type RunningService } from "@grievance-hub/kit";
import { Topics, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { exportCorrections } from "../src/cli/export-corrections";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";

let env: TestEnv;
let triage: RunningService;
let notification: RunningService;
let db: pg.Pool;
let producer: Producer;
let reader: Consumer;
const published: DecodedEvent[] = [];
const tokens: Record<"admin" | "triager" | "otherCaseworker", string> = {} as never;

beforeAll(async () => {
  env = await createTestEnv();
  triage = await startTriage(loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" }), env.logger);
  notification = await startNotification(loadConfig(NotificationConfig, env.env), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const kafka = new Kafka({ clientId: "triage-desk-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  reader = kafka.consumer({ groupId: `${env.topicPrefix}reader`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: env.topicPrefix + Topics.casesInternal, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void published.push(decodeEvent(message)) });

  tokens.admin = await tokenFor("admin", "admin-1");
  tokens.triager = await tokenFor("caseworker", "triager-wu", { team: "xz-desk" });
  tokens.otherCaseworker = await tokenFor("caseworker", "cw-family", { team: "xz-community" });
  const all = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];
  await put("teams/xz-desk", { name: "Xiangzhou hotline triage desk", level: "district", divisionPrefix: "440402", categories: ["other"], desk: true });
  await put("teams/xz-community", { name: "Xiangzhou community", level: "community", divisionPrefix: "440402001", categories: all });
  await put("caseworkers/triager-wu", { teamId: "xz-desk", name: "Wu", categories: all, languages: ["zh"], capacity: 50 });
  await put("caseworkers/cw-family", { teamId: "xz-community", name: "Fang", categories: ["family", "neighbour", "legal", "other", "consumer", "public_services", "land_housing"], languages: ["zh"], capacity: 10 });
  await put("caseworkers/cw-labour", { teamId: "xz-community", name: "Lao", categories: ["labour"], languages: ["zh"], capacity: 10 });
});

afterAll(async () => {
  await reader?.disconnect();
  await producer?.disconnect();
  await notification?.stop();
  await triage?.stop();
  await db?.end();
  await env?.drop();
});

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${triage.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${tokens.admin}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}: ${await res.clone().text()}`).toBe(200);
}

async function receive(description: string): Promise<{ caseId: string; grievanceId: string }> {
  const g: GrievanceReceivedV1 = {
    grievanceId: randomUUID(),
    trackingCode: `TD${randomBytes(3).toString("hex").toUpperCase()}`,
    channel: "phone",
    receivedAt: new Date().toISOString(),
    divisionCode: "440402001001",
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash: randomBytes(16).toString("hex"), language: "zh", consentToContact: true },
    location: { divisionCode: "440402001001" },
  };
  const e = encodeEvent("grievance.received.v1", g, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix });
  await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
  const caseId = await eventually(async () => (await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE grievance_id = $1 AND status IN ('assigned', 'queued')", [g.grievanceId])).rows[0]?.id, 30_000, "the routed case");
  return { caseId, grievanceId: g.grievanceId };
}

const caseRow = async (id: string) => (await db.query("SELECT status, category, team_id, caseworker_id, version FROM triage.cases WHERE id = $1", [id])).rows[0];
const eventOf = (type: string, grievanceId: string) => eventually(async () => published.find((e) => e.type === type && (e.data as { grievanceId: string }).grievanceId === grievanceId), 30_000, type);

function recategorise(caseId: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${triage.url}/v1/cases/${caseId}/recategorise`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

describe("an unsure grievance", () => {
  let desk: { caseId: string; grievanceId: string };
  beforeAll(async () => {
    desk = await receive("请问一下怎么办");
  });

  it("lands at the hotline's triage desk with the model's version, confidence and top three categories", async () => {
    expect(await caseRow(desk.caseId)).toMatchObject({ status: "assigned", team_id: "xz-desk", caseworker_id: "triager-wu" });
    const triaged = await eventOf("grievance.triaged.v2", desk.grievanceId);
    const data = triaged.data as { modelVersion?: string; confidence?: number; rulesetVersion: string; signals: { rule: string }[] };
    expect(data.modelVersion).toMatch(/^\d{4}\.\d+\.\d+$/);
    expect(data.confidence).toBeLessThan(0.85);
    expect(data.signals.filter((s) => s.rule.startsWith("model.category.")).length).toBe(3);
    const assigned = await eventOf("case.assigned.v1", desk.grievanceId);
    const due = assigned.data as { acknowledgeBy: string; alertSupervisor: boolean };
    expect(new Date(due.acknowledgeBy).getTime() - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    expect(due.alertSupervisor).toBe(false);
  });

  it("refuses a recategorisation without a reason (problem+json naming it) and changes nothing", async () => {
    const before = await caseRow(desk.caseId);
    const res = await recategorise(desk.caseId, tokens.triager, { category: "labour" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await res.text()).toMatch(/reason/);
    expect(await caseRow(desk.caseId)).toEqual(before);
  });

  it("is hidden from a caseworker who does not hold it", async () => {
    const res = await recategorise(desk.caseId, tokens.otherCaseworker, { category: "labour", reason: "wages" });
    expect(res.status).toBe(404);
  });

  it("is recategorised by the triager, rerouted to the labour caseworker, who is told", async () => {
    const res = await recategorise(desk.caseId, tokens.triager, { category: "labour", reason: "the caller says the site foreman owes three months' wages" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await caseRow(desk.caseId)).toMatchObject({ status: "assigned", category: "labour", team_id: "xz-community", caseworker_id: "cw-labour" });
    // The triager's reason is their own words: sealed with the person's key (v2), and so is the routing that follows the action.
    const corrected = await eventOf("case.recategorised.v2", desk.grievanceId);
    expect(corrected.data).toMatchObject({ fromCategory: expect.any(String), category: "labour", reason: expect.stringMatching(/^ghs1\./), actor: { id: "triager-wu" } });
    const keyring = new Keyring(db as unknown as Pool, keyEncryptionKeys(loadConfig(TriageConfig, env.env)));
    expect(await keyring.open("reason", (corrected.data as { reason: string }).reason)).toMatch(/wages/);
    const delivery = await eventually(
      async () => (await db.query("SELECT recipient_kind, recipient_id FROM notification.deliveries WHERE grievance_id = $1 AND event_type = 'case.assigned.v2' AND recipient_id = 'cw-labour'", [desk.grievanceId])).rows[0],
      30_000,
      "the new caseworker's notification",
    );
    expect(delivery).toEqual({ recipient_kind: "caseworker", recipient_id: "cw-labour" });
  });

  it("is exported as a training row with the settled category", async () => {
    const triageDb = new pg.Pool({ connectionString: env.databaseUrl, options: "-c search_path=triage,public" });
    try {
      // The description is kept sealed: the export opens it with the keyring.
      const keyring = new Keyring(db as unknown as Pool, keyEncryptionKeys(loadConfig(TriageConfig, env.env)));
      const { rows } = await exportCorrections(triageDb, keyring, "1970-01-01");
      expect(rows).toEqual([{ id: expect.stringMatching(/^corr-/), text: "请问一下怎么办", lang: "zh", category: "labour", urgency: "P4" }]);
    } finally {
      await triageDb.end();
    }
  });
});

describe("an unsure P1", () => {
  it("goes at once to the local team with the P1 alert, not to the desk", async () => {
    const p1 = await receive("他说要杀了我");
    const row = await caseRow(p1.caseId);
    expect(row.team_id).toBe("xz-community");
    const triaged = (await eventOf("grievance.triaged.v2", p1.grievanceId)).data as { urgency: string; confidence?: number };
    expect(triaged.urgency).toBe("P1");
    expect(triaged.confidence).toBeLessThan(0.85);
    const assigned = (await eventOf("case.assigned.v1", p1.grievanceId)).data as { alertSupervisor: boolean };
    expect(assigned.alertSupervisor).toBe(true);
  });
});
