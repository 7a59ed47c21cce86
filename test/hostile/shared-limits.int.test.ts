// Rate limits behind a load balancer: two intake replicas on one database count one budget per
// client; behind a configured proxy the client is the X-Forwarded-For address, without one that
// header is ignored; staff are counted per token subject. A refused body never echoes what the
// caller sent, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { captureLogs, createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { capturedLogger, personalIn, send, sound, type Answer } from "./support";

const LIMIT = 4;
let env: TestEnv;
let replicaA: RunningService;
let replicaB: RunningService;
let behindProxy: RunningService;
let db: pg.Pool;
const logs = captureLogs();

beforeAll(async () => {
  env = await createTestEnv();
  // Every request counted in Postgres at once, so the budget is exact across replicas (batched
  // counting and its tolerance are tested in batched-limits.int.test.ts).
  const settings = { ...env.env, TRACK_RATE_LIMIT_PER_MINUTE: String(LIMIT), STAFF_RATE_LIMIT_PER_MINUTE: String(LIMIT), PUBLIC_RATE_LIMIT_PER_MINUTE: String(LIMIT), RATE_LIMIT_SYNC_EVERY: "1" };
  replicaA = await startIntake(loadConfig(IntakeConfig, settings), capturedLogger("intake", logs));
  replicaB = await startIntake(loadConfig(IntakeConfig, settings), capturedLogger("intake", logs));
  behindProxy = await startIntake(loadConfig(IntakeConfig, { ...settings, TRUST_PROXY: "127.0.0.0/8" }), capturedLogger("intake", logs));
  db = new pg.Pool({ connectionString: env.databaseUrl });
});

afterAll(async () => {
  await Promise.allSettled([replicaA?.stop(), replicaB?.stop(), behindProxy?.stop()]);
  await db?.end();
  await env?.drop();
});

/** A status lookup of an unknown code (404 within the budget, 429 past it), from a loopback address. */
async function track(replica: RunningService, from: string, headers: Record<string, string> = {}): Promise<number> {
  return sound(await send(replica.url, "/v1/track/ABCDE-FGHJK", { localAddress: from, headers }), `track from ${from}`).status;
}

describe("one budget per client across replicas", () => {
  it("counts lookups on both replicas against one limit", async () => {
    const statuses = [await track(replicaA, "127.0.0.2"), await track(replicaB, "127.0.0.2"), await track(replicaA, "127.0.0.2"), await track(replicaB, "127.0.0.2")];
    expect(statuses).toEqual(Array(LIMIT).fill(404));
    expect(await track(replicaA, "127.0.0.2")).toBe(429);
    expect(await track(replicaB, "127.0.0.2")).toBe(429);
    // Another client is untouched.
    expect(await track(replicaB, "127.0.0.3")).toBe(404);
  });

  it("limits the other public routes too (Open311's service list)", async () => {
    const statuses: number[] = [];
    for (const replica of [replicaA, replicaB, replicaA, replicaB, replicaA]) statuses.push((await send(replica.url, "/open311/v2/services.json", { localAddress: "127.0.0.9" })).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(200), 429]);
  });

  it("keeps no client address in the table, only hashes", async () => {
    const { rows } = await db.query<{ key: string }>("SELECT key FROM intake.rate_limit_windows");
    expect(rows.length).toBeGreaterThan(0);
    const keys = rows.map((r) => r.key).join(" ");
    expect(keys).not.toContain("127.0.0");
  });

  it("deletes windows that have ended", async () => {
    await db.query("INSERT INTO intake.rate_limit_windows (key, hits, expires_at) VALUES ('ended', 3, now() - interval '1 hour')");
    // A replica started now prunes on its first counted request.
    const late = await startIntake(loadConfig(IntakeConfig, { ...env.env, TRACK_RATE_LIMIT_PER_MINUTE: String(LIMIT) }), capturedLogger("intake", logs));
    try {
      expect(await track(late, "127.0.0.10")).toBe(404);
      await eventually(async () => ((await db.query("SELECT 1 FROM intake.rate_limit_windows WHERE key = 'ended'")).rowCount === 0 ? true : undefined), 10_000, "the ended window to be deleted");
    } finally {
      await late.stop();
    }
  });
});

describe("the client address behind a proxy", () => {
  it("is the X-Forwarded-For address when TRUST_PROXY names the proxy", async () => {
    const via = (client: string) => ({ "x-forwarded-for": client });
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push(await track(behindProxy, "127.0.0.4", via("203.0.113.7")));
    expect(statuses).toEqual(Array(LIMIT).fill(404));
    expect(await track(behindProxy, "127.0.0.4", via("203.0.113.7"))).toBe(429);
    // Another citizen behind the same proxy has a budget of their own.
    expect(await track(behindProxy, "127.0.0.4", via("203.0.113.8"))).toBe(404);
  });

  it("is the connection's address without TRUST_PROXY: a forwarded-for header buys nothing", async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= LIMIT + 2; i++) statuses.push(await track(replicaA, "127.0.0.5", { "x-forwarded-for": `198.51.100.${i}` }));
    expect(statuses).toEqual([...Array(LIMIT).fill(404), 429, 429]);
  });
});

describe("staff are counted per token subject", () => {
  const phone = "+86 138 0013 8000";
  const refusedBody = { channel: phone, anonymous: true, language: "zh", location: { divisionCode: "440402001001" }, description: "路灯坏了" };
  const post = (replica: RunningService, token: string, from: string): Promise<Answer> =>
    send(replica.url, "/v1/grievances", { method: "POST", localAddress: from, headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(refusedBody) });

  it("whichever replica and address they come from; a refused body names the field, never echoes the value, and writes nothing", async () => {
    const first = await tokenFor("operator", "op-limited");
    const other = await tokenFor("operator", "op-other");
    const answers = [await post(replicaA, first, "127.0.0.6"), await post(replicaB, first, "127.0.0.7"), await post(replicaA, first, "127.0.0.8"), await post(replicaB, first, "127.0.0.6")];
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(String(a.headers["content-type"])).toMatch(/^application\/problem\+json/);
      expect(a.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain("channel");
      expect(a.text()).not.toContain("138 0013 8000");
      expect(a.text()).not.toContain("13800138000");
    }
    expect((await post(replicaB, first, "127.0.0.8")).status).toBe(429);
    expect((await post(replicaA, other, "127.0.0.6")).status).toBe(400);
    expect(Number((await db.query("SELECT count(*) FROM intake.grievances")).rows[0].count)).toBe(0);
    expect(logs.text()).not.toContain("138 0013 8000");
    expect(personalIn(logs.text())).toEqual([]);
  });
});
