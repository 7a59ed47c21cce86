// Rate-limit counts batched per replica: a replica adds a client's hits to the shared Postgres
// row once per RATE_LIMIT_SYNC_EVERY requests (or every RATE_LIMIT_SYNC_INTERVAL_MS), so two
// replicas together let a client exceed its limit by at most replicas × RATE_LIMIT_SYNC_EVERY,
// and never refuse it before the limit. Triage and notification limit staff per token the same
// way, shared by their replicas.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { send, sound } from "./support";

const LIMIT = 20;
const BATCH = 5;
let env: TestEnv;
let db: pg.Pool;
const started: RunningService[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  db = new pg.Pool({ connectionString: env.databaseUrl });
});

afterAll(async () => {
  await Promise.allSettled(started.map((s) => s.stop()));
  await db?.end();
  await env?.drop();
});

async function start<S extends RunningService>(service: Promise<S>): Promise<S> {
  const s = await service;
  started.push(s);
  return s;
}

const track = async (replica: RunningService, from: string) => sound(await send(replica.url, "/v1/track/ABCDE-FGHJK", { localAddress: from }), `track from ${from}`).status;
const windows = async () => (await db.query<{ hits: number }>("SELECT hits FROM intake.rate_limit_windows")).rows.map((r) => r.hits);

describe("two intake replicas counting in batches", () => {
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    // The interval is long: only full batches reach the table in these tests.
    const settings = { ...env.env, TRACK_RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_SYNC_EVERY: String(BATCH), RATE_LIMIT_SYNC_INTERVAL_MS: "600000" };
    a = await start(startIntake(loadConfig(IntakeConfig, settings)));
    b = await start(startIntake(loadConfig(IntakeConfig, settings)));
  });

  it("write a client's hits to Postgres once per batch, not once per request", async () => {
    for (let i = 0; i < BATCH - 1; i++) expect(await track(a, "127.0.0.21")).toBe(404);
    expect(await windows()).toEqual([]);
    expect(await track(a, "127.0.0.21")).toBe(404);
    expect(await windows()).toEqual([BATCH]);
  });

  it("let a client through at least LIMIT times and at most LIMIT + replicas × batch, then refuse it on both", async () => {
    const client = "127.0.0.22";
    let admitted = 0;
    const refusedBy = new Set<RunningService>();
    for (let i = 0; refusedBy.size < 2 && i < 200; i++) {
      const replica = i % 2 === 0 ? a : b;
      const status = await track(replica, client);
      if (status === 404) {
        expect(refusedBy.has(replica), "a replica let the client through again after refusing it").toBe(false);
        admitted++;
      } else {
        expect(status).toBe(429);
        refusedBy.add(replica);
      }
    }
    expect(refusedBy.size).toBe(2);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT);
    expect(admitted).toBeLessThanOrEqual(LIMIT + 2 * BATCH);
    for (const replica of [a, b, a, b]) expect(await track(replica, client)).toBe(429);
  });
});

describe("a sync interval", () => {
  it("adds hits below a batch to the shared count too", async () => {
    const c = await start(startIntake(loadConfig(IntakeConfig, { ...env.env, RATE_LIMIT_SYNC_EVERY: "1000", RATE_LIMIT_SYNC_INTERVAL_MS: "100" })));
    const before = (await windows()).length;
    for (let i = 0; i < 3; i++) expect(await track(c, "127.0.0.23")).toBe(404);
    await eventually(async () => ((await windows()).length === before + 1 && (await windows()).includes(3) ? true : undefined), 10_000, "the interval's sync");
  });
});

describe("staff limits on triage and notification", () => {
  const STAFF_LIMIT = 3;
  const exact = { RATE_LIMIT_SYNC_EVERY: "1", STAFF_RATE_LIMIT_PER_MINUTE: String(STAFF_LIMIT), DEADLINE_SCAN_INTERVAL_MS: "3600000" };

  it("count a caseworker's requests per token across two triage replicas", async () => {
    const t1 = await start(startTriage(loadConfig(TriageConfig, { ...env.env, ...exact })));
    const t2 = await start(startTriage(loadConfig(TriageConfig, { ...env.env, ...exact })));
    const token = await tokenFor("caseworker", "cw-limited", { team: "t-limited" });
    const tasks = async (replica: RunningService, t = token) => sound(await send(replica.url, "/v1/tasks", { headers: { authorization: `Bearer ${t}` } }), "tasks").status;
    expect([await tasks(t1), await tasks(t2), await tasks(t1)]).toEqual([200, 200, 200]);
    expect(await tasks(t2)).toBe(429);
    expect(await tasks(t1)).toBe(429);
    expect(await tasks(t1, await tokenFor("caseworker", "cw-other", { team: "t-limited" }))).toBe(200);
  });

  it("count a supervisor's requests per token on notification", async () => {
    const n = await start(startNotification(loadConfig(NotificationConfig, { ...env.env, ...exact })));
    const token = await tokenFor("supervisor", "sup-limited", { team: "t-limited" });
    const statuses: number[] = [];
    for (let i = 0; i <= STAFF_LIMIT; i++) statuses.push(sound(await send(n.url, "/v1/deliveries", { headers: { authorization: `Bearer ${token}` } }), "deliveries").status);
    expect(statuses).toEqual([...Array(STAFF_LIMIT).fill(200), 429]);
  });
});
