// The keyring over real Postgres: a data key per subject shared by every value sealed under it,
// destruction that makes every such value unreadable, and rotation under a new KEK version.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, erasedMarker, Keyring, LocalKeyFile, migrate, sealedKeyId, wrappedVersion, type Pool } from "@grievance-hub/kit";
import { createTestEnv, type TestEnv } from "../../../test/support";

const dir = mkdtempSync(path.join(tmpdir(), "gh-keyring-"));
const v1 = `1:${randomBytes(32).toString("base64")}`;
const v2 = `2:${randomBytes(32).toString("base64")}`;
function keyFile(name: string, lines: string[]): string {
  writeFileSync(path.join(dir, name), lines.join("\n"));
  return path.join(dir, name);
}

let env: TestEnv;
let pool: Pool;
const emptyMigrations = mkdtempSync(path.join(tmpdir(), "gh-no-migrations-"));

beforeAll(async () => {
  env = await createTestEnv();
  // Two services migrate the shared keyring: the second finds it made.
  await migrate({ databaseUrl: env.databaseUrl, schema: "intake", dir: emptyMigrations, logger: env.logger });
  await migrate({ databaseUrl: env.databaseUrl, schema: "triage", dir: emptyMigrations, logger: env.logger });
  pool = createPool({ databaseUrl: env.databaseUrl, size: 4, connectTimeoutMs: 2000, schema: "intake", logger: env.logger });
});
afterAll(async () => {
  await pool?.end();
  await env?.drop();
});

describe("keyring", () => {
  it("seals every value of one subject under one key, readable by another service's keyring", async () => {
    const intake = new Keyring(pool, new LocalKeyFile(keyFile("a", [v1])));
    const name = await intake.seal("phone:abc", "complainant.name", "李四");
    const description = (await intake.sealerFor("phone:abc"))("description", "邻居噪音");
    expect(sealedKeyId(name)).toBe(sealedKeyId(description));
    const triage = new Keyring(pool, new LocalKeyFile(keyFile("a", [v1])));
    expect(await triage.open("complainant.name", name)).toBe("李四");
    expect(await triage.open("description", description)).toBe("邻居噪音");
    expect(await triage.open("description", "written before encryption")).toBe("written before encryption");
  });

  it("keeps each cached data key in memory of its own, not in a slab of Node's Buffer pool that it would keep alive", async () => {
    const kek = new LocalKeyFile(keyFile("a", [v1]));
    const sealed = await new Keyring(pool, kek).seal("phone:slab", "complainant.phone", "13912340000");
    const reader = new Keyring(pool, kek);
    expect(await reader.open("complainant.phone", sealed)).toBe("13912340000");
    // The cache is private; what matters is the memory a cached key holds on to: its own 32 bytes.
    const cached = (reader as unknown as { byId: { get(id: string): { key: Buffer } | undefined } }).byId.get(sealedKeyId(sealed)!);
    expect(cached?.key.length).toBe(32);
    expect(cached?.key.buffer.byteLength).toBe(32);
  });

  it("makes one key when several writers seal for a new subject at once", async () => {
    const keyrings = [0, 1, 2, 3].map(() => new Keyring(pool, new LocalKeyFile(keyFile("a", [v1]))));
    const sealed = await Promise.all(keyrings.map((k, i) => k.seal("grievance:race", "f", `v${i}`)));
    expect(new Set(sealed.map(sealedKeyId)).size).toBe(1);
  });

  it("opens a batch of values of many people with one read of their keys, a destroyed one and a forged one each answered alone", async () => {
    const kek = new LocalKeyFile(keyFile("a", [v1]));
    const writer = new Keyring(pool, kek);
    const people = Array.from({ length: 40 }, (_, i) => `phone:batch-${i}`);
    const sealed = await Promise.all(people.map((p, i) => writer.seal(p, "complainant.phone", `1391234${String(i).padStart(4, "0")}`)));
    await writer.destroy([people[7]!]);
    const forged = sealed[3]!.replace(sealedKeyId(sealed[3]!), "not-a-key-id");
    const unknown = sealed[5]!.replace(sealedKeyId(sealed[5]!), "00000000-0000-4000-8000-000000000000");
    // A reader with an empty cache, counting the statements it sends.
    let statements = 0;
    const counting = { query: (...args: Parameters<Pool["query"]>) => (statements++, pool.query(...args)) } as unknown as Pool;
    const reader = new Keyring(counting, kek);
    const opened = await Promise.allSettled([...sealed, forged, unknown].map((v) => reader.open("complainant.phone", v)));
    expect(statements).toBe(1);
    expect(opened.slice(0, 40).map((r) => (r.status === "fulfilled" ? r.value : "refused"))).toEqual(people.map((_, i) => (i === 7 ? erasedMarker : `1391234${String(i).padStart(4, "0")}`)));
    expect(opened[40]).toMatchObject({ status: "rejected" });
    expect(opened[41]).toMatchObject({ status: "rejected", reason: { message: expect.stringContaining("is not in the keyring") } });
    // Known now: sealing more for these people reads nothing.
    await reader.seal(people[0]!, "complainant.name", "李四");
    expect(statements).toBe(1);
  });

  it("after destruction, every value sealed under the key opens as the erased marker, here and in another keyring", async () => {
    const kek = new LocalKeyFile(keyFile("a", [v1]));
    const writer = new Keyring(pool, kek);
    const reader = new Keyring(pool, kek);
    const sealed = await writer.seal("phone:erase-me", "complainant.phone", "13912345678");
    expect(await reader.open("complainant.phone", sealed)).toBe("13912345678");
    expect(await writer.destroy(["phone:erase-me"])).toBe(1);
    expect(await writer.open("complainant.phone", sealed)).toBe(erasedMarker);
    reader.forget(["phone:erase-me"]);
    expect(await new Keyring(pool, kek).open("complainant.phone", sealed)).toBe(erasedMarker);
    const { rows } = await pool.query("SELECT wrapped_key FROM keyring.data_keys WHERE key_id = $1", [sealedKeyId(sealed)]);
    expect(rows[0].wrapped_key).toBeNull();
    // The subject heard from again gets a new key; the old values stay unreadable.
    const again = await writer.seal("phone:erase-me", "complainant.phone", "13912345678");
    expect(sealedKeyId(again)).not.toBe(sealedKeyId(sealed));
    expect(await writer.open("complainant.phone", sealed)).toBe(erasedMarker);
  });

  it("rotation re-wraps every live key under the new KEK version; values stay readable with only the new version", async () => {
    const old = new Keyring(pool, new LocalKeyFile(keyFile("a", [v1])));
    const sealed = await old.seal("grievance:rotate", "description", "欠薪三个月");
    const rotating = new Keyring(pool, new LocalKeyFile(keyFile("b", [v1, v2])));
    const { rewrapped, version } = await rotating.rotate(2);
    expect(version).toBe(2);
    expect(rewrapped).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query<{ wrapped_key: string }>("SELECT wrapped_key FROM keyring.data_keys WHERE destroyed_at IS NULL");
    expect(rows.map((r) => wrappedVersion(r.wrapped_key))).toEqual(rows.map(() => 2));
    expect(await new Keyring(pool, new LocalKeyFile(keyFile("c", [v2]))).open("description", sealed)).toBe("欠薪三个月");
    expect((await rotating.rotate()).rewrapped).toBe(0);
  });
});
