// Open311 GeoReport v2 over real Postgres and Kafka: every endpoint's fields against the spec,
// grievances recorded through the same path as v1, API keys from the CLI, and no personal
// data in anything the public GET endpoints answer.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { encodeEvent, loadConfig, type RunningService } from "@grievance-hub/kit";
import { Category } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { createApiKey, revokeApiKey } from "../src/db/api-keys";
import { createTestEnv, eventually, startTcpProxy, tokenFor, type TestEnv } from "../../../test/support";
import { kafkaClient, readTopic } from "../../../test/faults/support";

const root = path.resolve(import.meta.dirname, "../../..");
const run = promisify(execFile);

let env: TestEnv;
let intake: RunningService;
// One client rather than a pool: its end() waits for the connection to close, so dropping the
// database afterwards cannot kill it mid-close.
let db: pg.Client;
let apiKey: string;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;

// What a caller tells the hotline through an Open311 client; none of it may come back on a public GET.
const caller = { first_name: "伟", last_name: "李", phone: "138 0013 8000", email: "li.wei@example.com" };
const description = "楼上邻居每晚十二点后还在装修，沟通三次无果，希望社区调解。";
const addressString = "香洲区翠微路7号301室";
const exact = { lat: "22.271149", long: "113.576712" };
const personal = ["李伟", caller.phone, "13800138000", caller.email, description, "十二点", addressString, "翠微路", exact.lat, exact.long];

const form = {
  service_code: "neighbour",
  "attribute[division_code]": "440402001001",
  ...exact,
  address_string: addressString,
  description,
  ...caller,
  "attribute[consent_to_contact]": "true",
  media_url: "https://photos.example/1.jpg",
  jurisdiction_id: "hotline.example",
};

beforeAll(async () => {
  env = await createTestEnv();
  // Intake reaches the database through a proxy, so a test can take the database away.
  const target = new URL(env.databaseUrl);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(env.databaseUrl);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  intake = await startIntake(loadConfig(IntakeConfig, { ...env.env, DATABASE_URL: viaProxy.toString(), TRACK_RATE_LIMIT_PER_MINUTE: "10" }), env.logger);
  db = new pg.Client({ connectionString: env.databaseUrl, options: "-c search_path=intake,public" });
  await db.connect();
  apiKey = await createApiKey(db, "city-app");
});

afterAll(async () => {
  await intake?.stop();
  await db?.end();
  await proxy?.close();
  await env?.drop();
});

function post(fields: Record<string, string>, contentType = "application/x-www-form-urlencoded; charset=utf-8"): Promise<Response> {
  const body = contentType.startsWith("application/json") ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  return fetch(`${intake.url}/open311/v2/requests.json`, { method: "POST", headers: { "content-type": contentType }, body, signal: AbortSignal.timeout(10_000) });
}

function get(p: string): Promise<Response> {
  return fetch(`${intake.url}/open311/v2${p}`, { signal: AbortSignal.timeout(10_000) });
}

/** Every public answer's raw body, to prove at the end that none carries personal data. */
const publicBodies: string[] = [];
async function getJson<T>(p: string): Promise<T> {
  const res = await get(p);
  const raw = await res.text();
  publicBodies.push(raw);
  expect(res.status, raw).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return JSON.parse(raw) as T;
}

/** The spec's error answer: an array of {code, description}, the code matching the HTTP status. */
async function expectErrors(res: Response, status: number): Promise<string> {
  const raw = await res.text();
  publicBodies.push(raw);
  expect(res.status, raw).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(raw) as { code: number; description: string }[];
  expect(body.length).toBeGreaterThan(0);
  for (const e of body) {
    expect(Object.keys(e).sort()).toEqual(["code", "description"]);
    expect(e.code).toBe(status);
    expect(e.description).toEqual(expect.any(String));
  }
  return body.map((e) => e.description).join("\n");
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

/** Grievances stored, and outbox rows ever written (the relay deletes published rows; the sequence keeps counting). */
const stored = async () => ({
  grievances: await count("SELECT count(*) AS n FROM intake.grievances"),
  outbox: await count("SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM intake.outbox_id_seq"),
});

type Posted = { service_request_id: string; service_notice: string; account_id: null }[];
type Listed = Record<string, unknown> & { service_request_id: string; status: string; service_code: string; requested_datetime: string };

async function create(fields: Record<string, string>): Promise<string> {
  const res = await post({ api_key: apiKey, ...fields });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as Posted)[0]!.service_request_id;
}

const requestFields = [
  "address", "address_id", "agency_responsible", "description", "expected_datetime", "lat", "long", "media_url", "requested_datetime",
  "service_code", "service_name", "service_notice", "service_request_id", "status", "status_notes", "updated_datetime", "zipcode",
];
const w3 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("GET services.json and services/{code}.json", () => {
  it("lists the grievance categories with the spec's fields", async () => {
    const list = await getJson<Record<string, unknown>[]>("/services.json?jurisdiction_id=hotline.example");
    expect(list.map((s) => s.service_code)).toEqual(Category.options);
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual(["description", "group", "keywords", "metadata", "service_code", "service_name", "type"]);
      expect(s).toMatchObject({ metadata: true, type: "realtime", service_name: expect.any(String), keywords: expect.any(String), group: expect.any(String) });
    }
  });

  it("defines each service's attributes with the spec's fields", async () => {
    const def = await getJson<{ service_code: string; attributes: Record<string, unknown>[] }>("/services/family.json");
    expect(Object.keys(def).sort()).toEqual(["attributes", "service_code"]);
    expect(def.service_code).toBe("family");
    const keys = ["code", "datatype", "datatype_description", "description", "order", "required", "variable"];
    expect(def.attributes[0]).toEqual({ variable: true, code: "division_code", datatype: "string", required: true, datatype_description: expect.any(String), order: 1, description: expect.any(String) });
    for (const a of def.attributes) expect(Object.keys(a).sort()).toEqual(a.datatype === "singlevaluelist" ? [...keys, "values"].sort() : keys);
    expect(def.attributes.find((a) => a.code === "language")).toMatchObject({ values: [{ key: "zh", name: expect.any(String) }, { key: "en", name: "English" }] });
  });

  it("answers 404 in the spec's error format for an unknown service and for another format", async () => {
    expect(await expectErrors(await get("/services/pothole.json"), 404)).toMatch(/service_code/);
    await expectErrors(await get("/services.xml"), 404);
  });
});

describe("POST requests.json", () => {
  let id: string;

  it("records the grievance through the v1 path and answers 200 with the spec's fields", async () => {
    const before = await stored();
    const res = await post({ api_key: apiKey, ...form });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await res.json()) as Posted;
    expect(body).toHaveLength(1);
    expect(Object.keys(body[0]!).sort()).toEqual(["account_id", "service_notice", "service_request_id"]);
    expect(body[0]!.account_id).toBeNull();
    id = body[0]!.service_request_id;
    const { rows } = await db.query("SELECT * FROM grievances WHERE id = $1", [id]);
    // Personal fields stored sealed, the coordinates rounded to about 1 km (the exact ones are sealed in the event).
    expect(rows[0]).toMatchObject({
      channel: "open311", division_code: "440402001001", language: "zh", anonymous: false,
      consent_to_contact: true, latitude: 22.27, longitude: 113.58, hints: { category: "neighbour" }, status: "received",
    });
    const open = (field: string, column: string) => intake.runtime.keyring.open(field, rows[0][column]);
    expect(JSON.stringify(rows[0])).not.toContain("李伟");
    expect([await open("description", "description"), await open("complainant.name", "complainant_name"), await open("complainant.phone", "complainant_phone"), await open("location.address", "address")])
      .toEqual([description, "李伟", "+8613800138000", addressString]);
    expect(body[0]!.service_notice).toContain(rows[0].tracking_code);
    // One grievance, one grievance.received.v2 on the internal topic plus its public counterpart.
    expect(await stored()).toEqual({ grievances: before.grievances + 1, outbox: before.outbox + 2 });
    await eventually(async () => ((await count("SELECT count(*) AS n FROM outbox")) === 0 ? true : undefined), 20_000, "the relay to publish");
    const kafka = kafkaClient(env.kafkaBrokers);
    for (const topic of ["grievances.internal", "grievances.public"]) {
      const events = (await readTopic(kafka, env.topicPrefix + topic)).filter((m) => m.ce.subject === id && m.ce.type === "grievance.received.v2");
      expect(events).toHaveLength(1);
      if (topic === "grievances.internal") {
        expect(JSON.parse(events[0]!.value!.toString())).toMatchObject({ grievanceId: id, channel: "open311", divisionCode: "440402001001", hints: { category: "neighbour" } });
      }
    }
  });

  it("shows the new request at requests/{id}.json, open", async () => {
    const [request] = await getJson<Listed[]>(`/requests/${id}.json`);
    expect(Object.keys(request!).sort()).toEqual(requestFields);
    expect(request).toMatchObject({
      service_request_id: id, status: "open", service_code: "neighbour", service_name: "Neighbour dispute", description: null, address: null,
      address_id: null, zipcode: null, media_url: null, service_notice: null, lat: 22.27, long: 113.58,
    });
    expect(request!.requested_datetime).toMatch(w3);
    expect(request!.updated_datetime).toMatch(w3);
  });

  it("records a request without a phone number as anonymous, in the description's language", async () => {
    const anonymous = await create({ service_code: "public_services", "attribute[division_code]": "440402", address_id: "545483", description: "Street lights out for a week.", first_name: "Ann" });
    const { rows } = await db.query("SELECT anonymous, complainant_name, language, address FROM grievances WHERE id = $1", [anonymous]);
    expect({ ...rows[0], address: await intake.runtime.keyring.open("location.address", rows[0].address) }).toEqual({ anonymous: true, complainant_name: null, language: "en", address: "address_id 545483" });
  });

  const refusals: [string, () => Promise<Response>, number, RegExp][] = [
    ["no api_key", () => post(form), 403, /api_key/],
    ["an unknown api_key", () => post({ api_key: "o311_not-a-key", ...form }), 403, /api_key/],
    ["an api_key in the query string only", () => fetch(`${intake.url}/open311/v2/requests.json?api_key=${apiKey}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form).toString() }), 403, /api_key/],
    ["no service_code", () => post({ api_key: apiKey, ...form, service_code: "" }), 400, /^service_code: /],
    ["an unknown service_code (404, as the spec has it)", () => post({ api_key: apiKey, ...form, service_code: "pothole" }), 404, /^service_code: /],
    ["no division code", () => post({ api_key: apiKey, ...form, "attribute[division_code]": "" }), 400, /^attribute\[division_code\]: /],
    ["a malformed division code", () => post({ api_key: apiKey, ...form, "attribute[division_code]": "44A" }), 400, /^attribute\[division_code\]: /],
    ["no location", () => post({ api_key: apiKey, ...form, lat: "", long: "", address_string: "" }), 400, /^location: /],
    ["a bad phone number", () => post({ api_key: apiKey, ...form, phone: "12" }), 400, /^phone: /],
    ["no description", () => post({ api_key: apiKey, ...form, description: "" }), 400, /^description: /],
    ["a JSON body", () => post({ api_key: apiKey, ...form }, "application/json"), 400, /x-www-form-urlencoded/],
  ];
  for (const [what, send, status, described] of refusals) {
    it(`refuses ${what} with ${status} in the spec's error format and stores nothing`, async () => {
      const before = await stored();
      expect(await expectErrors(await send(), status)).toMatch(described);
      expect(await stored()).toEqual(before);
    });
  }

  it("refuses a revoked key with 403", async () => {
    const key = await createApiKey(db, "old-app");
    expect((await post({ api_key: key, ...form })).status).toBe(200);
    expect(await revokeApiKey(db, "old-app")).toBe(true);
    expect(await expectErrors(await post({ api_key: key, ...form }), 403)).toMatch(/Invalid api_key/);
  });

  it("names every faulty field, one error each", async () => {
    const res = await post({ api_key: apiKey, service_code: "family", lat: "95", description: "x" });
    expect((await expectErrors(res, 400)).split("\n").map((d) => d.split(":")[0])).toEqual(["attribute[division_code]", "lat", "long"]);
  });
});

describe("GET requests.json", () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const base = { "attribute[division_code]": "440402001001", address_string: addressString, description, ...caller };
    ids.family = await create({ ...base, service_code: "family" });
    ids.labour = await create({ ...base, service_code: "labour" });
    ids.old = await create({ ...base, service_code: "legal" });
    await db.query("UPDATE grievances SET received_at = now() - interval '100 days', status_changed_at = now() - interval '100 days' WHERE id = $1", [ids.old]);
    // Resolve the labour grievance the way triage does: a case event on the internal topic.
    const { rows } = await db.query("SELECT tracking_code FROM grievances WHERE id = $1", [ids.labour]);
    const kafka = new Kafka({ clientId: "open311-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const e = encodeEvent(
      "case.resolved.v1",
      {
        caseId: "7b0f3a52-6d1e-4a57-9a51-2f1c2d7c4e12", grievanceId: ids.labour, occurredAt: new Date().toISOString(), actor: { id: "cw-1", role: "caseworker" },
        trackingCode: rows[0].tracking_code, divisionCode: "440402001001", category: "labour", urgency: "P3", outcome: "mediated_agreement", summary: "wages paid",
      },
      { source: "/grievance-hub/triage", topicPrefix: env.topicPrefix },
    );
    await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
    await producer.disconnect();
    await eventually(async () => ((await count("SELECT count(*) AS n FROM grievances WHERE id = $1 AND status = 'resolved'", [ids.labour])) === 1 ? true : undefined), 30_000, "the case event");
  });

  const listed = async (query = "") => (await getJson<Listed[]>(`/requests.json${query}`)).map((r) => r.service_request_id);

  it("lists the last 90 days' Open311 requests newest first, with the spec's fields", async () => {
    const list = await getJson<Listed[]>("/requests.json");
    for (const r of list) expect(Object.keys(r).sort()).toEqual(requestFields);
    const times = list.map((r) => r.requested_datetime);
    expect(times).toEqual([...times].sort().reverse());
    expect(list.map((r) => r.service_request_id)).toEqual(expect.arrayContaining([ids.family, ids.labour]));
    expect(list.map((r) => r.service_request_id)).not.toContain(ids.old);
  });

  it("shows a resolved grievance as closed", async () => {
    const [labour] = await getJson<Listed[]>(`/requests/${ids.labour}.json`);
    expect(labour).toMatchObject({ status: "closed", status_notes: "resolved" });
  });

  it("filters by status", async () => {
    expect(await listed("?status=closed")).toEqual([ids.labour]);
    expect(await listed("?status=open")).not.toContain(ids.labour);
    expect(await listed("?status=open,closed")).toEqual(await listed(""));
    expect(await listed("?status=")).toEqual(await listed(""));
  });

  it("filters by service_code", async () => {
    expect(await listed("?service_code=family")).toEqual([ids.family]);
    expect((await listed("?service_code=family,labour")).sort()).toEqual([ids.family, ids.labour].sort());
  });

  it("filters by start_date and end_date", async () => {
    const old = new Date(Date.now() - 100 * 24 * 3600 * 1000);
    const from = new Date(old.getTime() - 3600 * 1000).toISOString();
    const to = new Date(old.getTime() + 3600 * 1000).toISOString();
    expect(await listed(`?start_date=${from}&end_date=${to}`)).toEqual([ids.old]);
    expect(await listed(`?end_date=${to}`)).toEqual([ids.old]);
    expect(await listed(`?start_date=${encodeURIComponent(new Date(Date.now() + 3600 * 1000).toISOString().replace("Z", "+00:00"))}`)).toEqual([]);
  });

  it("lets service_request_id override the other filters", async () => {
    expect((await listed(`?service_request_id=${ids.old},${ids.family}&status=closed`)).sort()).toEqual([ids.old, ids.family].sort());
  });

  it("refuses bad filters with 400 naming the field", async () => {
    expect(await expectErrors(await get("/requests.json?status=pending"), 400)).toMatch(/^status: /);
    expect(await expectErrors(await get("/requests.json?service_code=pothole"), 400)).toMatch(/^service_code: /);
    expect(await expectErrors(await get("/requests.json?start_date=2026-01-01"), 400)).toMatch(/^start_date: /);
    expect(await expectErrors(await get("/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z"), 400)).toMatch(/^end_date: .*90 days/);
  });

  it("does not list or show grievances that came in by phone", async () => {
    const res = await fetch(`${intake.url}/v1/grievances`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` },
      body: JSON.stringify({ channel: "phone", anonymous: true, language: "en", location: { divisionCode: "440402" }, description: "A phone call." }),
    });
    const { id } = (await res.json()) as { id: string };
    expect(await listed()).not.toContain(id);
    await expectErrors(await get(`/requests/${id}.json`), 404);
  });

  it("answers 404 for an unknown id and for one that cannot be an id", async () => {
    expect(await expectErrors(await get("/requests/00000000-0000-4000-8000-000000000000.json"), 404)).toMatch(/service_request_id/);
    await expectErrors(await get("/requests/42.json"), 404);
  });
});

describe("GET tokens/{token}.json", () => {
  it("gives the service_request_id of a tracking code, written any way a caller does", async () => {
    const id = await create({ service_code: "consumer", "attribute[division_code]": "440402", lat: "22.2", long: "113.5", description: "Refund refused." });
    const { rows } = await db.query("SELECT tracking_code FROM grievances WHERE id = $1", [id]);
    const code = rows[0].tracking_code as string;
    expect(await getJson(`/tokens/${code.toLowerCase().replace("-", "")}.json`)).toEqual([{ service_request_id: id, token: code }]);
  });

  it("answers 404 for an unknown token, then limits the rate", async () => {
    await expectErrors(await get("/tokens/ABCDE-FGHJK.json"), 404);
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) last = await get("/tokens/ABCDE-FGHJK.json");
    await expectErrors(last!, 429);
  });
});

describe("privacy and keys", () => {
  it("never shows a name, phone number, email, description, address or exact location on a public GET", () => {
    expect(publicBodies.length).toBeGreaterThan(20);
    for (const raw of publicBodies) for (const p of personal) expect(raw).not.toContain(p);
  });

  it("creates a key with `pnpm open311-key create` that prints the key alone and works, and revokes it", async () => {
    const cli = (...args: string[]) => run(path.join(root, "node_modules/.bin/tsx"), ["scripts/open311-key.ts", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: env.databaseUrl, LOG_LEVEL: "info" } });
    const { stdout } = await cli("create", "--name", "cli-app");
    expect(stdout).toMatch(/^o311_[A-Za-z0-9_-]{43}\n$/);
    const key = stdout.trim();
    expect((await post({ api_key: key, ...form })).status).toBe(200);
    const listing = (await cli("list")).stdout;
    expect(listing).toMatch(/^name\tcreated at\trevoked at\n/);
    expect(listing).toMatch(/\ncli-app\t\S+\t-\n/);
    expect(listing).not.toContain(key);
    expect((await cli("revoke", "--name", "cli-app")).stdout).toBe("revoked cli-app\n");
    await expectErrors(await post({ api_key: key, ...form }), 403);
  });

  it("keeps only a hash of each key", async () => {
    const { rows } = await db.query<{ key_hash: string }>("SELECT key_hash FROM open311_api_keys");
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.map((r) => r.key_hash)).not.toContain(apiKey);
  });

  it("documents the Open311 routes in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${intake.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/requests/{id}.json"]));
  });
});

describe("when the database is away", () => {
  it("answers 503 with Retry-After in the spec's error format, and recovers by itself", async () => {
    await proxy.refuse();
    const res = await post({ api_key: apiKey, ...form });
    expect(res.headers.get("retry-after")).toBeTruthy();
    await expectErrors(res, 503);
    await proxy.restore();
    const after = await eventually(async () => {
      const r = await post({ api_key: apiKey, ...form });
      return r.status === 200 ? r : undefined;
    }, 20_000, "intake to recover");
    expect(after.status).toBe(200);
  });
});
