// Who sees what through the triage API, over real Kafka and Postgres: a caseworker their own
// cases and their team's, a supervisor their team's, an admin all; anything else answers 404
// as if it did not exist. Tasks come filtered and ordered by the next deadline; a request
// without a valid token is 401, a hotline operator 403.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer } from "kafkajs";
import pg from "pg";
import { AuthConfig, encodeEvent, loadConfig, signDevelopmentToken, type RunningService } from "@grievance-hub/kit";
import type { GrievanceReceivedV1, Urgency } from "@grievance-hub/schema";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";

let env: TestEnv;
let triage: RunningService;
let db: pg.Pool;
let producer: Producer;
let admin: string;
let cwA: string;
let supCommunity: string;

const HOUR = 60 * 60_000;
/** Case ids by name: n* are neighbour disputes cw-a holds, f* family matters, o1 another community's, s1 the street team's. */
const c: Record<"n1" | "n2" | "n3" | "n4" | "f1" | "f2" | "o1" | "s1", string> = {} as never;

beforeAll(async () => {
  env = await createTestEnv();
  triage = await startTriage(loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" }), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  producer = new Kafka({ clientId: "triage-access-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();

  admin = await tokenFor("admin", "admin-1");
  cwA = await tokenFor("caseworker", "cw-a", { team: "xz-community" });
  supCommunity = await tokenFor("supervisor", "sup-community", { team: "xz-community" });
  await put("teams/xz-community", { name: "Xiangzhou community", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "family"] });
  await put("teams/xz-other", { name: "Another community", level: "community", divisionPrefix: "440402003", categories: ["neighbour"] });
  await put("teams/xz-street", { name: "Xiangzhou street", level: "street", divisionPrefix: "440402", categories: ["neighbour"] });
  await put("caseworkers/cw-a", { teamId: "xz-community", name: "An", categories: ["neighbour"], languages: ["zh"], capacity: 10 });
  // cw-b takes one family matter; the next waits in the community team's queue.
  await put("caseworkers/cw-b", { teamId: "xz-community", name: "Bai", categories: ["family"], languages: ["zh"], capacity: 1 });
  await put("caseworkers/cw-other", { teamId: "xz-other", name: "Ou", categories: ["neighbour"], languages: ["zh"], capacity: 10 });
  await put("caseworkers/cw-street", { teamId: "xz-street", name: "Shi", categories: ["neighbour"], languages: ["zh"], capacity: 10 });

  const now = Date.now();
  c.n1 = await receive("楼上邻居每天半夜装修，电钻声吵得人睡不着", "440402001001", new Date(now - 23 * HOUR));
  c.n2 = await receive("隔壁邻居拿着刀说要杀了我", "440402001002", new Date(now));
  c.n3 = await receive("对门邻居把杂物堆在楼道里，出入很不方便", "440402001003", new Date(now));
  c.n4 = await receive("楼下邻居的空调外机对着我家窗户，噪音很大", "440402001004", new Date(now), "P2");
  c.f1 = await receive("我老公要跟我离婚，孩子归谁", "440402001005", new Date(now));
  c.f2 = await receive("婆婆天天跟我吵架，丈夫也不管", "440402001006", new Date(now));
  c.o1 = await receive("隔壁邻居家的狗整夜叫，沟通过也没有用", "440402003001", new Date(now));
  c.s1 = await receive("邻居在走廊里养鸡，气味很难闻", "440402009001", new Date(now));
});

afterAll(async () => {
  await producer?.disconnect();
  await triage?.stop();
  await db?.end();
  await env?.drop();
});

async function put(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${triage.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}`).toBe(200);
}

/** Produces a grievance as intake would, waits until triage has routed it, and returns its case id. */
async function receive(description: string, divisionCode: string, receivedAt: Date, urgency?: Urgency): Promise<string> {
  const g: GrievanceReceivedV1 = {
    grievanceId: randomUUID(),
    trackingCode: `AX${randomBytes(3).toString("hex").toUpperCase()}`,
    channel: "phone",
    receivedAt: receivedAt.toISOString(),
    divisionCode,
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash: randomBytes(16).toString("hex"), language: "zh", consentToContact: true },
    location: { divisionCode },
    ...(urgency ? { hints: { urgency } } : {}),
  };
  const e = encodeEvent("grievance.received.v1", g, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix });
  await producer.send({ topic: e.topic, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
  return eventually(async () => (await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE grievance_id = $1", [g.grievanceId])).rows[0]?.id, 20_000, "the case");
}

function get(path: string, token?: string): Promise<Response> {
  return fetch(`${triage.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
}

function act(caseId: string, action: string, token: string, body: unknown = {}): Promise<Response> {
  return fetch(`${triage.url}/v1/cases/${caseId}/${action}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

/** The case names of the tasks the token's holder gets, in the order given. */
async function tasks(token: string, query = ""): Promise<string[]> {
  const res = await get(`/v1/tasks${query}`, token);
  expect(res.status).toBe(200);
  const byId = new Map(Object.entries(c).map(([name, id]) => [id, name]));
  return ((await res.json()) as { tasks: { caseId: string }[] }).tasks.map((t) => byId.get(t.caseId) ?? t.caseId);
}

async function expectProblem(res: Response, status: number): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  return (await res.json()) as Record<string, unknown>;
}

describe("GET /v1/tasks", () => {
  it("gives a caseworker their own cases and their team's unassigned ones, the nearest deadline first", async () => {
    // n2 is a P1 due in 15 minutes, n1 a P3 received 23 hours ago, n4 a P2 due in 2 hours, n3 a P3 due tomorrow; f2 waits unassigned.
    expect(await tasks(cwA)).toEqual(["n2", "n1", "n4", "n3", "f2"]);
    expect(await tasks(await tokenFor("caseworker", "cw-b", { team: "xz-community" }))).toEqual(["f1", "f2"]);
  });

  it("orders an acknowledged case by its resolution deadline", async () => {
    expect((await act(c.n1, "accept", cwA)).status).toBe(200);
    expect(await tasks(cwA)).toEqual(["n2", "n4", "n3", "n1", "f2"]);
  });

  it("filters by status and by urgency", async () => {
    expect(await tasks(cwA, "?urgency=P1")).toEqual(["n2"]);
    expect(await tasks(cwA, "?urgency=P2")).toEqual(["n4"]);
    expect(await tasks(cwA, "?status=accepted")).toEqual(["n1"]);
    expect(await tasks(cwA, "?status=queued")).toEqual(["f2"]);
    expect(await tasks(cwA, "?status=assigned&urgency=P3")).toEqual(["n3"]);
    expect(await tasks(cwA, "?limit=2")).toEqual(["n2", "n4"]);
    await expectProblem(await get("/v1/tasks?status=lost", cwA), 400);
    await expectProblem(await get("/v1/tasks?urgency=P9", cwA), 400);
  });

  it("gives a supervisor their own team's cases only", async () => {
    expect((await tasks(supCommunity)).sort()).toEqual(["f1", "f2", "n1", "n2", "n3", "n4"]);
    expect(await tasks(await tokenFor("supervisor", "sup-street", { team: "xz-street" }))).toEqual(["s1"]);
    expect(await tasks(await tokenFor("supervisor", "sup-nowhere"))).toEqual([]);
    expect((await tasks(admin)).sort()).toEqual(Object.keys(c).sort());
  });
});

describe("a case outside the caller's assignment or team", () => {
  it("answers 404, the same as a case that does not exist, to a caseworker reading it", async () => {
    const unknown = await expectProblem(await get(`/v1/cases/${randomUUID()}`, cwA), 404);
    for (const other of [c.o1, c.s1]) {
      const problem = await expectProblem(await get(`/v1/cases/${other}`, cwA), 404);
      expect({ ...problem, instance: undefined }).toEqual({ ...unknown, instance: undefined });
    }
    expect((await get(`/v1/cases/${c.f1}`, cwA)).status).toBe(200);
  });

  it("answers 404, not 403, to a caseworker acting on it, and changes nothing", async () => {
    const before = (await (await get(`/v1/cases/${c.o1}`, admin)).json()) as { version: number };
    await expectProblem(await act(c.o1, "accept", cwA), 404);
    await expectProblem(await act(c.o1, "notes", cwA, { text: "looking around" }), 404);
    await expectProblem(await act(c.n2, "accept", await tokenFor("caseworker", "cw-other", { team: "xz-other" })), 404);
    const after = (await (await get(`/v1/cases/${c.o1}`, admin)).json()) as { version: number };
    expect(after.version).toBe(before.version);
  });

  it("answers 404 to a supervisor of another team, even one above it", async () => {
    await expectProblem(await get(`/v1/cases/${c.s1}`, supCommunity), 404);
    const supStreet = await tokenFor("supervisor", "sup-street", { team: "xz-street" });
    await expectProblem(await get(`/v1/cases/${c.n1}`, supStreet), 404);
    await expectProblem(await act(c.n1, "reassign", supStreet, { toCaseworkerId: "cw-street", reason: "take it over" }), 404);
    expect((await get(`/v1/cases/${c.n1}`, supCommunity)).status).toBe(200);
  });

  it("shows a supervisor only their own team's caseworkers", async () => {
    const res = await get("/v1/admin/caseworkers?teamId=xz-street", supCommunity);
    expect(res.status).toBe(200);
    const { caseworkers } = (await res.json()) as { caseworkers: { id: string }[] };
    expect(caseworkers.map((w) => w.id)).toEqual(["cw-a", "cw-b"]);
  });
});

describe("tokens", () => {
  const routes: [string, (token?: string) => Promise<Response>][] = [
    ["GET /v1/tasks", (t) => get("/v1/tasks", t)],
    ["GET /v1/cases/:id", (t) => get(`/v1/cases/${c.n1}`, t)],
    ["POST /v1/cases/:id/notes", (t) => fetch(`${triage.url}/v1/cases/${c.n1}/notes`, { method: "POST", headers: { "content-type": "application/json", ...(t === undefined ? {} : { authorization: `Bearer ${t}` }) }, body: JSON.stringify({ text: "hello" }) })],
    ["GET /v1/admin/teams", (t) => get("/v1/admin/teams", t)],
  ];

  for (const [route, send] of routes) {
    it(`refuses ${route} without a valid token with 401, and to a hotline operator with 403`, async () => {
      const missing = await send();
      await expectProblem(missing, 401);
      expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
      await expectProblem(await send(await tokenFor("caseworker", "cw-a", { team: "xz-community", expiresIn: "-1m" })), 401);
      const forged = await signDevelopmentToken({ sub: "cw-a", role: "admin" }, AuthConfig.parse({ JWT_SECRET: "somebody-else's-secret-of-32-characters-or-more" }));
      await expectProblem(await send(forged), 401);
      await expectProblem(await send("not.a.jwt"), 401);
      await expectProblem(await send(await tokenFor("operator", "op-1")), 403);
    });
  }

  it("keeps caseworkers out of the team directory", async () => {
    await expectProblem(await get("/v1/admin/teams", cwA), 403);
  });
});
