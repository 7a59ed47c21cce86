// The hotline API over real Postgres and Kafka: every answer an operator or a caller can get.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createLogger, encodeEvent, loadConfig, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { captureLogs, createTestEnv, eventually, startTcpProxy, tokenFor, type TestEnv } from "../../../test/support";
import { kafkaClient, readTopic } from "../../../test/faults/support";
import { dataSubjectOf, sealGrievanceReceived } from "@grievance-hub/schema";
import { insertGrievance } from "../src/db/grievances";

let env: TestEnv;
let intake: RunningService;
let db: pg.Pool;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let config: IntakeConfig;
const logs = captureLogs();
let operator: string;

const minimal = {
  channel: "phone",
  complainant: { name: "Li Wei", phone: "+86 138 0013 8000", language: "zh", consentToContact: true },
  location: { divisionCode: "440402001001", address: "Xiangzhou Lane 7, Room 301" },
  description: "楼上邻居每晚十二点后还在装修，沟通三次无果，希望社区调解。",
};

async function start(): Promise<RunningService> {
  return startIntake(config, createLogger("intake", "debug", logs.stream));
}

beforeAll(async () => {
  env = await createTestEnv();
  const target = new URL(env.databaseUrl);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaProxy = new URL(env.databaseUrl);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(proxy.port);
  config = loadConfig(IntakeConfig, { ...env.env, DATABASE_URL: viaProxy.toString(), TRACK_RATE_LIMIT_PER_MINUTE: "8", BODY_LIMIT_BYTES: "65536" });
  intake = await start();
  db = new pg.Pool({ connectionString: env.databaseUrl });
  operator = await tokenFor("operator", "op-1");
});

afterAll(async () => {
  await intake?.stop();
  await db?.end();
  await proxy?.close();
  await env?.drop();
});

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${intake.url}/v1/grievances`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${operator}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
}

/** Grievances stored, and outbox rows ever written (the relay deletes published rows; the sequence keeps counting). */
async function stored(): Promise<{ grievances: number; outbox: number }> {
  const { rows } = await db.query<{ g: string; o: string }>(
    "SELECT (SELECT count(*) FROM intake.grievances) AS g, (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM intake.outbox_id_seq) AS o",
  );
  return { grievances: Number(rows[0]!.g), outbox: Number(rows[0]!.o) };
}

async function expectProblem(res: Response, status: number): Promise<{ title: string; errors?: { field: string }[] }> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as { status: number; title: string; type: string; errors?: { field: string }[] };
  expect(problem.status).toBe(status);
  expect(problem.type).toMatch(/^https:\/\//);
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+/);
  return problem;
}

describe("POST /v1/grievances", () => {
  it("records the minimal body and answers 202 with id, tracking code and status", async () => {
    const res = await post(minimal);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; trackingCode: string; status: string };
    expect(Object.keys(body).sort()).toEqual(["id", "status", "trackingCode"]);
    expect(body.status).toBe("received");
    const { rows } = await db.query("SELECT complainant_phone, phone_hash FROM intake.grievances WHERE id = $1", [body.id]);
    expect(rows[0].complainant_phone).not.toContain("13800138000");
    expect(await intake.runtime.keyring.open("complainant.phone", rows[0].complainant_phone)).toBe("+8613800138000");
    expect(rows[0].phone_hash).toMatch(/^[0-9a-f]{64}$/);
    // Published on both topics with the grievance as subject, keyed by its district; then gone from the outbox.
    await eventually(async () => ((await db.query("SELECT 1 FROM intake.outbox")).rowCount === 0 ? true : undefined), 20_000, "the relay to publish");
    const kafka = kafkaClient(env.kafkaBrokers);
    for (const topic of ["grievances.internal", "grievances.public"]) {
      const published = (await readTopic(kafka, env.topicPrefix + topic)).filter((m) => m.ce.subject === body.id);
      expect(published.map((m) => [m.ce.type, m.key?.toString()])).toEqual([["grievance.received.v2", "440402"]]);
    }
  });

  it("records an anonymous grievance without a complainant", async () => {
    const res = await post({ channel: "web", anonymous: true, language: "en", location: { divisionCode: "440402" }, description: "Street lights out for a week." });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const { rows } = await db.query("SELECT anonymous, complainant_name, phone_hash FROM intake.grievances WHERE id = $1", [id]);
    expect(rows[0]).toEqual({ anonymous: true, complainant_name: null, phone_hash: null });
  });

  const refusals: [string, () => Promise<Response>, number, string[]?][] = [
    ["a body missing required fields, naming each", () => post({ channel: "fax" }), 400, ["channel", "location", "description"]],
    ["a phone number that cannot be a number", () => post({ ...minimal, complainant: { ...minimal.complainant, phone: "12" } }), 400, ["complainant.phone"]],
    ["a division code that is not 6 to 12 digits", () => post({ ...minimal, location: { divisionCode: "44A" } }), 400, ["location.divisionCode"]],
    ["a description over 10,000 characters", () => post({ ...minimal, description: "x".repeat(10_001) }), 400, ["description"]],
    ["a grievance both anonymous and with a complainant", () => post({ ...minimal, anonymous: true }), 400, ["anonymous"]],
    ["a grievance with neither complainant nor anonymous", () => post({ ...minimal, complainant: undefined }), 400, ["complainant"]],
    ["unknown fields", () => post({ ...minimal, priority: "high" }), 400],
    ["malformed JSON", () => post('{"channel": "phone",'), 400],
    ["a body over the limit", () => post({ ...minimal, description: "x".repeat(70_000) }), 413],
    ["another content type", () => post("channel=phone", { "content-type": "application/x-www-form-urlencoded" }), 415],
    ["no token", () => post(minimal, { authorization: "" }), 401],
    ["a token signed with another key", async () => post(minimal, { authorization: `Bearer ${operator.slice(0, -4)}AAAA` }), 401],
    ["an expired token", async () => post(minimal, { authorization: `Bearer ${await tokenFor("operator", "op-1", { expiresIn: "-1m" })}` }), 401],
    ["a malformed authorization header", () => post(minimal, { authorization: "Basic b3A6cHc=" }), 401],
    ["a caseworker's token", async () => post(minimal, { authorization: `Bearer ${await tokenFor("caseworker")}` }), 403],
    ["text/plain", () => post(JSON.stringify(minimal), { "content-type": "text/plain" }), 415],
    // Who may call is decided before the body is read: no schema errors for strangers.
    ["an invalid body without a token", () => post({ channel: "fax" }, { authorization: "" }), 401],
    ["an invalid body with a caseworker's token", async () => post({ channel: "fax" }, { authorization: `Bearer ${await tokenFor("caseworker")}` }), 403],
  ];
  for (const [what, send, status, fields] of refusals) {
    it(`refuses ${what} with ${status} problem+json and stores nothing`, async () => {
      const before = await stored();
      const problem = await expectProblem(await send(), status);
      if (fields) expect(problem.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(fields));
      expect(await stored()).toEqual(before);
    });
  }
});

describe("Idempotency-Key", () => {
  it("returns the first answer to a retry with the same key and body, and records one grievance", async () => {
    const before = await stored();
    const first = await post(minimal, { "idempotency-key": "call-0001" });
    const again = await post(minimal, { "idempotency-key": "call-0001" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect(await stored()).toEqual({ grievances: before.grievances + 1, outbox: before.outbox + 2 });
  });

  it("refuses the same key with another body with 422", async () => {
    await post(minimal, { "idempotency-key": "call-0002" });
    const before = await stored();
    const problem = await expectProblem(await post({ ...minimal, description: "another matter" }, { "idempotency-key": "call-0002" }), 422);
    expect(problem.title).toBe("Idempotency key reused");
    expect(await stored()).toEqual(before);
  });

  it("creates one grievance when ten requests with one key arrive at once", async () => {
    const before = await stored();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(minimal, { "idempotency-key": "call-0003" })));
    const bodies = await Promise.all(answers.map((r) => r.json() as Promise<{ id: string }>));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(202));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await stored()).toEqual({ grievances: before.grievances + 1, outbox: before.outbox + 2 });
  });

  it("keeps the answer across a restart of the service", async () => {
    const first = await (await post(minimal, { "idempotency-key": "call-0004" })).json();
    await intake.stop();
    intake = await start();
    const again = await post(minimal, { "idempotency-key": "call-0004" });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(first);
  });

  it("keeps keys of different callers apart", async () => {
    const mine = (await (await post(minimal, { "idempotency-key": "call-0005" })).json()) as { id: string };
    const other = await tokenFor("operator", "op-2");
    const theirs = (await (await post(minimal, { "idempotency-key": "call-0005", authorization: `Bearer ${other}` })).json()) as { id: string };
    expect(theirs.id).not.toBe(mine.id);
  });
});

describe("a tracking code drawn twice", () => {
  it("writes nothing, not even the idempotency claim, so the command can draw again", async () => {
    const taken = (await (await post(minimal)).json()) as { trackingCode: string };
    const before = await stored();
    const event = { grievanceId: randomUUID(), trackingCode: taken.trackingCode, channel: "phone", receivedAt: new Date().toISOString(), divisionCode: "440402001001",
      language: "zh", description: "again", complainant: { anonymous: true }, location: { divisionCode: "440402001001" } } as const;
    const claim = { scope: "user:collider", key: "k-1", requestHash: "h", answer: { id: event.grievanceId, trackingCode: event.trackingCode, status: "received" as const } };
    const sealed = sealGrievanceReceived(event, await intake.runtime.keyring.sealerFor(dataSubjectOf(event)));
    expect(await insertGrievance(intake.runtime.pool, intake.runtime.outbox, sealed, claim)).toEqual({ recorded: false, trackingCodeTaken: true });
    expect(await stored()).toEqual(before);
    expect((await db.query("SELECT 1 FROM intake.idempotency_keys WHERE scope = 'user:collider'")).rowCount).toBe(0);
    expect(await insertGrievance(intake.runtime.pool, intake.runtime.outbox, { ...sealed, trackingCode: "22222-22222" }, claim)).toEqual({ recorded: true });
  });
});

describe("GET /v1/grievances/:id and the case events intake learns from", () => {
  let id: string;
  let trackingCode: string;

  beforeAll(async () => {
    ({ id, trackingCode } = (await (await post(minimal)).json()) as { id: string; trackingCode: string });
  });

  const get = async (path: string, token?: string) =>
    fetch(`${intake.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("shows an operator the grievance with its personal data and timeline", async () => {
    const res = await get(`/v1/grievances/${id}`, operator);
    expect(res.status).toBe(200);
    const g = (await res.json()) as Record<string, unknown>;
    expect(g).toMatchObject({ id, trackingCode, status: "received", complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000" } });
    expect(g.timeline).toEqual([expect.objectContaining({ type: "grievance.received.v1", status: "received" })]);
  });

  it("adds triage's case events to the timeline", async () => {
    const kafka = new Kafka({ clientId: "test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const e = encodeEvent(
      "case.opened.v1",
      { caseId: "7b0f3a52-6d1e-4a57-9a51-2f1c2d7c4e11", grievanceId: id, trackingCode, divisionCode: "440402001001", openedAt: new Date().toISOString(), status: "received", classification: null },
      { source: "/grievance-hub/triage", topicPrefix: env.topicPrefix },
    );
    await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
    await producer.disconnect();
    const g = await eventually(async () => {
      const body = (await (await get(`/v1/grievances/${id}`, operator)).json()) as { timeline: { type: string }[] };
      return body.timeline.length === 2 ? body : undefined;
    }, 30_000, "the case event in the timeline");
    expect(g.timeline[1]).toMatchObject({ type: "case.opened.v1", status: "received" });
  });

  it("lets a supervisor see their division's grievances and hides others'", async () => {
    expect((await get(`/v1/grievances/${id}`, await tokenFor("supervisor", "sup-1", { division: "440402" }))).status).toBe(200);
    await expectProblem(await get(`/v1/grievances/${id}`, await tokenFor("supervisor", "sup-2", { division: "110101" })), 404);
  });

  it("answers 404 for an unknown id and for one that is not a uuid", async () => {
    await expectProblem(await get(`/v1/grievances/00000000-0000-4000-8000-000000000000`, operator), 404);
    await expectProblem(await get(`/v1/grievances/not-an-id`, operator), 404);
  });

  it("refuses without a token (401) and to a caseworker (403)", async () => {
    await expectProblem(await get(`/v1/grievances/${id}`), 401);
    await expectProblem(await get(`/v1/grievances/${id}`, await tokenFor("caseworker")), 403);
  });

  it("tells anyone with the tracking code the status, without personal data", async () => {
    const res = await get(`/v1/track/${trackingCode.toLowerCase().replace("-", "")}`);
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(JSON.parse(raw)).toEqual({ trackingCode, status: "received", receivedAt: expect.any(String), updatedAt: expect.any(String), handlingLevel: null });
    for (const secret of ["Li Wei", "138", "Xiangzhou", "邻居"]) expect(raw).not.toContain(secret);
  });

  it("answers an unknown code and a malformed one the same way, then limits the rate", async () => {
    const unknown = await get("/v1/track/ABCDE-FGHJK");
    const malformed = await get("/v1/track/0000");
    const strip = (p: Record<string, unknown>) => ({ ...p, instance: undefined });
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(404);
    expect(strip(await unknown.json())).toEqual(strip(await malformed.json()));
    let last: Response | undefined;
    for (let i = 0; i < 10; i++) last = await get("/v1/track/ABCDE-FGHJK");
    await expectProblem(last!, 429);
  });
});

describe("POST /v1/grievances/caller-history", () => {
  const phone = "+86 139 0013 9000";
  const history = (body: unknown, token: string | undefined = operator) =>
    fetch(`${intake.url}/v1/grievances/caller-history`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  let first: { id: string; trackingCode: string };
  let second: { id: string; trackingCode: string };

  beforeAll(async () => {
    first = (await (await post({ ...minimal, complainant: { ...minimal.complainant, phone } })).json()) as typeof first;
    second = (await (await post({ ...minimal, complainant: { ...minimal.complainant, phone: "13900139000" }, hints: { category: "neighbour" } })).json()) as typeof second;
    await post({ ...minimal, complainant: { ...minimal.complainant, phone: "+86 139 0013 9001" } });
  });

  it("finds the caller's earlier grievances in any notation of the number, newest first, without personal data", async () => {
    const res = await history({ phone: "139-0013-9000" });
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(JSON.parse(raw)).toEqual({
      grievances: [
        { id: second.id, trackingCode: second.trackingCode, receivedAt: expect.any(String), status: "received", category: "neighbour" },
        { id: first.id, trackingCode: first.trackingCode, receivedAt: expect.any(String), status: "received", category: null },
      ],
    });
    for (const secret of ["Li Wei", "139", "Xiangzhou", "邻居"]) expect(raw).not.toContain(secret);
  });

  it("answers an empty list for a number never heard", async () => {
    expect(await (await history({ phone: "+86 137 0000 0000" })).json()).toEqual({ grievances: [] });
  });

  it("shows a supervisor only their division's grievances", async () => {
    const own = await history({ phone }, await tokenFor("supervisor", "sup-1", { division: "440402" }));
    expect(((await own.json()) as { grievances: unknown[] }).grievances).toHaveLength(2);
    const other = await history({ phone }, await tokenFor("supervisor", "sup-2", { division: "110101" }));
    expect(await other.json()).toEqual({ grievances: [] });
  });

  it("names the phone field when it is missing or not a phone number", async () => {
    expect((await expectProblem(await history({}), 400)).errors?.[0]?.field).toMatch(/phone/);
    expect((await expectProblem(await history({ phone: "12" }), 400)).errors?.[0]?.field).toMatch(/phone/);
    expect((await expectProblem(await history({ phone: "+1 0000 0000 0000 0000" }), 400)).errors?.[0]?.field).toBe("phone");
  });

  it("refuses without a token (401) and to a caseworker (403)", async () => {
    await expectProblem(await history({ phone }, ""), 401);
    await expectProblem(await history({ phone }, await tokenFor("caseworker")), 403);
  });
});

describe("when Postgres cannot be reached", () => {
  it("answers 503 at once while it refuses connections, and recovers by itself", async () => {
    await proxy.refuse();
    const res = await post(minimal);
    await expectProblem(res, 503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect((await fetch(`${intake.url}/health/ready`)).status).toBe(503);
    await proxy.restore();
    const after = await eventually(async () => {
      const r = await post(minimal);
      return r.status === 202 ? r : undefined;
    }, 20_000, "intake to recover");
    expect(after.status).toBe(202);
  });

  it("answers 503 instead of hanging when the database accepts but never answers", async () => {
    proxy.blackhole();
    await expectProblem(await post(minimal), 503);
    await proxy.restore();
    await eventually(async () => ((await post(minimal)).status === 202 ? true : undefined), 30_000, "intake to recover");
  });
});

describe("documentation and logs", () => {
  it("serves the OpenAPI document generated from the route schemas", async () => {
    const res = await fetch(`${intake.url}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/grievances", "/v1/grievances/{id}", "/v1/track/{code}"]));
    expect(JSON.stringify(doc.paths["/v1/grievances"]!.post!.requestBody)).toContain("divisionCode");
  });

  it("never wrote a name, phone number, address or description to the logs", () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ["Li Wei", "13800138000", "138 0013 8000", "Xiangzhou", "装修"]) expect(text).not.toContain(secret);
  });
});
