// Console sessions over real Postgres: two stores on one database stand for two replicas.
import path from "node:path";
import { createHash } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, migrate, type Pool } from "@grievance-hub/kit";
import { createTestEnv, type TestEnv } from "../../../test/support";
import { SessionStore, type Session } from "../src/session";

const idleMs = 30 * 60_000;
let env: TestEnv;
let pools: Pool[];
let replicaA: SessionStore;
let replicaB: SessionStore;
let db: pg.Pool;

const person = (now = Date.now()): Session => ({
  sub: "cw-chen", name: "陈静 Chen Jing", role: "caseworker", team: "lianhua-community",
  accessToken: "eyJhbGciOiJSUzI1NiJ9.access-token-of-chen.signature", idToken: "eyJhbGciOiJSUzI1NiJ9.id-token-of-chen.signature",
  expiresAt: now + 3_600_000, lastSeen: now,
});

beforeAll(async () => {
  env = await createTestEnv();
  await migrate({ databaseUrl: env.databaseUrl, schema: "console", dir: path.resolve(import.meta.dirname, "../migrations"), logger: env.logger, kitTables: false });
  pools = [0, 1].map(() => createPool({ databaseUrl: env.databaseUrl, size: 2, connectTimeoutMs: 1500, schema: "console", logger: env.logger }));
  replicaA = new SessionStore(pools[0]!, idleMs);
  replicaB = new SessionStore(pools[1]!, idleMs);
  db = new pg.Pool({ connectionString: env.databaseUrl });
});

afterAll(async () => {
  await Promise.all([...(pools ?? []), db].filter(Boolean).map((p) => p.end()));
  await env?.drop();
});

describe("console sessions shared by the replicas", () => {
  it("migrates only the console's own tables (the sign-in limit's windows among them), none of the kit's outbox, inbox or access log", async () => {
    const { rows } = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'console' ORDER BY 1");
    expect(rows.map((r) => r.table_name)).toEqual(["rate_limit_windows", "schema_migrations", "sessions", "sign_ins"]);
  });

  it("serves a session created on one replica from another, and a sign-out on that one ends it on the first", async () => {
    const id = await replicaA.create(person());
    expect(await replicaB.get(id)).toMatchObject({ sub: "cw-chen", name: "陈静 Chen Jing", role: "caseworker", team: "lianhua-community", accessToken: person().accessToken });
    expect((await replicaB.end(id))?.idToken).toBe(person().idToken);
    expect(await replicaA.get(id)).toBeUndefined();
    expect(await replicaB.end(id)).toBeUndefined();
  });

  it("hands a pending sign-in over once, to whichever replica the provider sends the browser back to", async () => {
    const id = await replicaA.startSignIn({ codeVerifier: "verifier-of-this-sign-in", state: "state-1", returnTo: "/tasks", createdAt: Date.now() });
    expect(await replicaB.takeSignIn(id)).toEqual({ codeVerifier: "verifier-of-this-sign-in", state: "state-1", returnTo: "/tasks", createdAt: expect.any(Number) });
    expect(await replicaA.takeSignIn(id)).toBeUndefined();
    expect(await replicaB.takeSignIn(id)).toBeUndefined();
  });

  it("refuses a sign-in older than ten minutes", async () => {
    const id = await replicaA.startSignIn({ codeVerifier: "v", state: "s", returnTo: "/", createdAt: Date.now() - 11 * 60_000 });
    expect(await replicaB.takeSignIn(id)).toBeUndefined();
  });

  it("refuses and deletes an idle session and an expired one", async () => {
    const now = Date.now();
    const idle = await replicaA.create({ ...person(now), lastSeen: now - idleMs - 1000 });
    const expired = await replicaA.create({ ...person(now), expiresAt: now - 1000 });
    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM console.sessions WHERE key = ANY($1)", [[idle, expired].map(keyOf)])).rows[0]!.n;
    expect(await count()).toBe(2);
    expect(await replicaB.get(idle)).toBeUndefined();
    expect(await replicaB.get(expired)).toBeUndefined();
    expect(await count()).toBe(0);
  });

  it("writes last_seen at most once a minute, and a session in use stays alive", async () => {
    const now = Date.now();
    const id = await replicaA.create({ ...person(now), lastSeen: now - 2 * 60_000 });
    const lastSeen = async () => (await db.query<{ at: Date }>("SELECT last_seen AS at FROM console.sessions WHERE key = $1", [keyOf(id)])).rows[0]!.at.getTime();
    await replicaB.get(id, now);
    expect(await lastSeen()).toBe(now);
    await replicaA.get(id, now + 30_000);
    expect(await lastSeen()).toBe(now);
    expect(await replicaA.get(id, now + idleMs - 1000)).toBeDefined();
  });

  it("a check made on the person's behalf (the open feed's) finds the session without keeping it alive", async () => {
    const now = Date.now();
    const id = await replicaA.create({ ...person(now), lastSeen: now - 5 * 60_000 });
    expect(await replicaB.get(id, now, false)).toBeDefined();
    expect(await replicaB.get(id, now + idleMs - 5 * 60_000 + 1000, false)).toBeUndefined();
  });

  it("the clean-up deletes idle and expired sessions and stale sign-ins in one round, from any replica", async () => {
    const now = Date.now();
    const live = await replicaA.create(person(now));
    await replicaA.create({ ...person(now), lastSeen: now - idleMs - 1000 });
    await replicaA.create({ ...person(now), expiresAt: now - 1000 });
    await replicaA.startSignIn({ codeVerifier: "v", state: "s", returnTo: "/", createdAt: now - 11 * 60_000 });
    const deleted = await replicaB.deleteExpired(now);
    expect(deleted.sessions).toBeGreaterThanOrEqual(2);
    expect(deleted.signIns).toBeGreaterThanOrEqual(1);
    expect(await replicaA.deleteExpired(now)).toEqual({ sessions: 0, signIns: 0 });
    expect(await replicaB.get(live)).toBeDefined();
  });

  it("stores neither the cookie id nor the name or tokens in clear: the rows alone open nothing", async () => {
    const id = await replicaA.create(person());
    const signIn = await replicaA.startSignIn({ codeVerifier: "verifier-that-must-stay-sealed", state: "state-sealed", returnTo: "/queue", createdAt: Date.now() });
    const { rows } = await db.query("SELECT * FROM console.sessions UNION ALL SELECT key, NULL, NULL, NULL, NULL, created_at, sealed FROM console.sign_ins");
    const dump = JSON.stringify(rows, (_k, v: unknown) => (v && typeof v === "object" && (v as { type?: string }).type === "Buffer" ? Buffer.from((v as { data: number[] }).data).toString("latin1") : v));
    for (const secret of [id, signIn, person().accessToken, person().idToken, "Chen Jing", "陈静", "access-token-of-chen", "verifier-that-must-stay-sealed", "state-sealed", "/queue"]) {
      expect(dump).not.toContain(secret);
    }
    const row = (await db.query<{ key: Buffer; sub: string; sealed: string }>("SELECT key, sub, sealed FROM console.sessions WHERE key = $1", [keyOf(id)])).rows[0]!;
    expect(row.sub).toBe("cw-chen");
    // A row's sealed blob presented under another cookie id does not open.
    const other = await replicaA.create(person());
    await db.query("UPDATE console.sessions SET sealed = $2 WHERE key = $1", [keyOf(other), row.sealed]);
    expect(await replicaB.get(other)).toBeUndefined();
  });
});

function keyOf(id: string): Buffer {
  return createHash("sha256").update(id).digest();
}
