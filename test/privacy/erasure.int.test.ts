// Erasure over real Kafka and Postgres: grievances recorded through intake and followed by triage
// and notification; every schema holds their personal strings sealed only (the description, the
// words a risk rule matched, the phone notification keeps) and the case page opens them; after an admin's
// erasure, a pg_dump of every schema and every topic of the stack (internal, public, dead-letter)
// hold none of them, and the cases are still counted.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Keyring, keyEncryptionKeys, loadConfig, type Pool, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { kafkaClient, readTopic } from "../faults/support";

const run = promisify(execFile);

let env: TestEnv;
let services: RunningService[] = [];
let db: pg.Pool;

// Strings found nowhere else: the person's name, phone, address and the words of their grievances.
const name = "Quillon Ardwyck";
const phoneDigits = "13912345678";
const address = "88 Quietwater Lane, Flat 4B";
// The second is a threat: the words the P1 rules match ("刀", "杀") are the caller's too, kept sealed.
const descriptions = ["邻居在楼道里堆放杂物挡住通道 Zephyrine-marker", "楼上邻居拿着刀说要杀了我 Zephyrine-second"];
// What a caseworker records on the person's case: another party and a note.
const party = { name: "Ottoline Vask", phoneDigits: "13822223333" };
const note = "Visited; the landlord Ottoline says Perrywinkle-note";
// And words staff type in their own right: declining the case, the reason and the body to go to (a person's name).
const decline = { reason: "Quillon's dispute is with a lawyer, Marrowvale-reason", goTo: { kind: "legal_aid", name: "Advocate Marisol Trench" } };
const personal = [name, address, ...descriptions, "Zephyrine", "杀了我", party.name, note, "Perrywinkle", "Marrowvale", "Marisol Trench"];
const other = { name: "Bramwell Stoke", description: "Parking dispute with a neighbour, Corvantis-kept" };

/** Which of the person's strings `text` contains; the phone also as its bare digits. */
function found(text: string): string[] {
  const digits = text.replace(/\D/g, "");
  return [...personal.filter((p) => text.includes(p)), ...[phoneDigits, party.phoneDigits].filter((d) => digits.includes(d))];
}

async function dump(...schemas: string[]): Promise<string> {
  const { stdout } = await run("pg_dump", ["--data-only", ...schemas.flatMap((s) => ["-n", s]), env.databaseUrl], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

async function everyTopic(): Promise<string> {
  const kafka = kafkaClient(env.kafkaBrokers);
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics().finally(() => admin.disconnect())).filter((t) => t.startsWith(env.topicPrefix));
  expect(topics.some((t) => t.includes("deadletter")), `dead-letter topics among ${topics.join(", ")}`).toBe(true);
  const texts: string[] = [];
  for (const topic of topics) {
    for (const m of await readTopic(kafka, topic)) texts.push(`${topic}\n${m.key?.toString() ?? ""}\n${m.value?.toString() ?? ""}\n${JSON.stringify(m.ce)}`);
  }
  return texts.join("\n");
}

const post = async (path: string, body: unknown, role: "operator" | "admin" | "supervisor") =>
  fetch(`${services[0]!.url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor(role)}` }, body: JSON.stringify(body) });

const ids: string[] = [];
let otherId = "";

beforeAll(async () => {
  env = await createTestEnv();
  services = [
    await startIntake(loadConfig(IntakeConfig, env.env), env.logger),
    await startTriage(loadConfig(TriageConfig, env.env), env.logger),
    await startNotification(loadConfig(NotificationConfig, env.env), env.logger),
  ];
  db = new pg.Pool({ connectionString: env.databaseUrl });
  for (const [i, description] of descriptions.entries()) {
    const res = await post("/v1/grievances", {
      channel: "phone",
      complainant: { name, phone: `+86 ${phoneDigits}`, language: "zh", consentToContact: true },
      // Two districts: the same caller in the same district would be a repeat, linked to the first case instead of opening one.
      location: i === 0 ? { divisionCode: "440402001001", address, coordinates: { lat: 22.271234, lon: 113.576543 } } : { divisionCode: "440403001001" },
      description,
    }, "operator");
    expect(res.status).toBe(202);
    ids.push(((await res.json()) as { id: string }).id);
  }
  const kept = await post("/v1/grievances", { channel: "phone", complainant: { name: other.name, phone: "+86 13700001111", language: "en", consentToContact: true }, location: { divisionCode: "440402001001" }, description: other.description }, "operator");
  otherId = ((await kept.json()) as { id: string }).id;
  await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM triage.cases")).rows[0].n === 3 ? true : undefined), 30_000, "triage to open the cases");
  await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM notification.complainants")).rows[0].n === 3 ? true : undefined), 30_000, "notification to note the complainants");
  const caseId = (await db.query("SELECT id FROM triage.cases WHERE grievance_id = $1", [ids[0]])).rows[0].id as string;
  const act = async (action: string, body: unknown) =>
    expect((await fetch(`${services[1]!.url}/v1/cases/${caseId}/${action}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("admin")}` }, body: JSON.stringify(body) })).status).toBe(200);
  await act("parties", { role: "landlord", kind: "person", name: party.name, phone: `+86${party.phoneDigits}`, language: "zh", consentToContact: true });
  await act("notes", { text: note });
  await act("decline", decline);
  await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM notification.parties")).rows[0].n === 1 ? true : undefined), 30_000, "notification to note the party");
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  await db?.end();
  await env?.drop();
});

describe("personal data at rest", () => {
  it("no schema holds any of the person's strings in clear: intake's, triage's, notification's, the keyring", async () => {
    const text = await dump("intake", "triage", "notification", "keyring", "public");
    expect(text).toContain(ids[0]);
    expect(found(text)).toEqual([]);
    // What was sealed is there: the case's description, its P1 signal's words, the phone notification keeps.
    const { rows } = await db.query("SELECT description, description_signature, state FROM triage.cases WHERE grievance_id = $1", [ids[1]]);
    expect(rows[0].description).toMatch(/^ghs1\./);
    expect(rows[0].description_signature.length).toBeGreaterThan(5);
    const signals = rows[0].state.classification.signals as { rule: string; level?: string; matched: string }[];
    expect(signals.some((s) => s.level === "P1")).toBe(true);
    for (const s of signals) expect(s.matched).toMatch(/^ghs1\./);
    const phones = await db.query("SELECT phone FROM notification.complainants WHERE grievance_id = ANY($1::uuid[]) UNION ALL SELECT phone FROM notification.parties", [ids]);
    expect(phones.rows).toHaveLength(3);
    for (const { phone } of phones.rows) expect(phone).toMatch(/^ghs1\./);
  });

  it("the case page opens them for the staff who may read it", async () => {
    const caseId = (await db.query("SELECT id FROM triage.cases WHERE grievance_id = $1", [ids[1]])).rows[0].id as string;
    const res = await fetch(`${services[1]!.url}/v1/cases/${caseId}`, { headers: { authorization: `Bearer ${await tokenFor("admin")}` } });
    expect(res.status).toBe(200);
    const view = (await res.json()) as { description: string; signals: { level?: string; matched: string }[]; timeline: { type: string; facts: { signals?: { matched: string }[] } }[] };
    expect(view.description).toBe(descriptions[1]);
    expect(view.signals.filter((s) => s.level === "P1").map((s) => s.matched)).toEqual(expect.arrayContaining(["刀", "杀"]));
    const triaged = view.timeline.find((t) => t.type === "grievance.triaged")!;
    expect(triaged.facts.signals!.map((s) => s.matched)).toEqual(expect.arrayContaining(["刀", "杀"]));
    // And what the caseworker recorded on the other case: the party and the note.
    const first = (await db.query("SELECT id FROM triage.cases WHERE grievance_id = $1", [ids[0]])).rows[0].id as string;
    const page = (await (await fetch(`${services[1]!.url}/v1/cases/${first}`, { headers: { authorization: `Bearer ${await tokenFor("admin")}` } })).json()) as { dispute: { parties: { name: string; phone: string }[] }; timeline: { type: string; facts: { text?: string; reason?: string } }[] };
    expect(page.dispute.parties).toEqual([expect.objectContaining({ name: party.name, phone: `+86${party.phoneDigits}` })]);
    expect(page.timeline.find((t) => t.type === "case.note_added")!.facts.text).toBe(note);
    expect(page.timeline.find((t) => t.type === "case.declined")!.facts).toMatchObject(decline);
  });

  it("the internal grievances topic carries them sealed only", async () => {
    const text = await everyTopic();
    expect(text).toContain("grievance.received.v2");
    expect(found(text)).toEqual([]);
  });
});

describe("POST /v1/admin/erasures", () => {
  it("is for admins only", async () => {
    for (const role of ["operator", "supervisor"] as const) expect((await post("/v1/admin/erasures", { phone: `+86 ${phoneDigits}` }, role)).status).toBe(403);
    expect((await fetch(`${services[0]!.url}/v1/admin/erasures`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(401);
  });

  it("refuses a body with neither phone nor tracking code, naming the problem, and erases nothing", async () => {
    const res = await post("/v1/admin/erasures", { name }, "admin");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect((await db.query("SELECT count(*)::int AS n FROM keyring.data_keys WHERE destroyed_at IS NOT NULL")).rows[0].n).toBe(0);
  });

  it("erases the person: no schema and no topic holds their strings afterwards, and their cases still count", async () => {
    const res = await post("/v1/admin/erasures", { phone: `+86 ${phoneDigits}` }, "admin");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ grievances: 2, keysDestroyed: 1 });
    await eventually(async () => {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM triage.cases WHERE grievance_id = ANY($1::uuid[]) AND description = '[erased]'", [ids]);
      return rows[0].n === 2 ? true : undefined;
    }, 30_000, "triage to scrub the cases");
    await eventually(async () => {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM notification.complainants WHERE grievance_id = ANY($1::uuid[]) AND phone IS NULL", [ids]);
      return rows[0].n === 2 ? true : undefined;
    }, 30_000, "notification to drop the phone");

    const tables = await dump("intake", "triage", "notification", "keyring", "public");
    expect(tables).toContain(ids[0]);
    expect(found(tables)).toEqual([]);
    const topics = await everyTopic();
    expect(topics).toContain("personal_data.erased.v1");
    expect(found(topics)).toEqual([]);
    // The log's sealed copy no longer opens for anyone: the key is gone, not just the rows scrubbed.
    const kafka = kafkaClient(env.kafkaBrokers);
    const received = (await readTopic(kafka, env.topicPrefix + Topics.grievancesInternal)).find((m) => m.ce.subject === ids[0] && m.ce.type === "grievance.received.v2")!;
    const sealed = JSON.parse(received.value!.toString()) as { description: string; complainant: { name: string } };
    const keyring = new Keyring(db as unknown as Pool, keyEncryptionKeys(loadConfig(IntakeConfig, env.env)));
    expect([await keyring.open("description", sealed.description), await keyring.open("complainant.name", sealed.complainant.name)]).toEqual(["[erased]", "[erased]"]);

    // Still countable: the cases keep division, category, urgency and status.
    const { rows } = await db.query("SELECT count(*)::int AS n, count(category)::int AS categorised FROM triage.cases WHERE grievance_id = ANY($1::uuid[])", [ids]);
    expect(rows[0]).toEqual({ n: 2, categorised: 2 });
  });

  it("leaves other people readable", async () => {
    const res = await fetch(`${services[0]!.url}/v1/grievances/${otherId}`, { headers: { authorization: `Bearer ${await tokenFor("operator")}` } });
    expect(await res.json()).toMatchObject({ description: other.description, complainant: { name: other.name } });
    const erased = await fetch(`${services[0]!.url}/v1/grievances/${ids[0]}`, { headers: { authorization: `Bearer ${await tokenFor("operator")}` } });
    expect(await erased.json()).toMatchObject({ description: "[erased]", complainant: { name: "[erased]", phone: "[erased]" } });
  });
});
