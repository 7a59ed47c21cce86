// Open311 API keys: created and revoked by `pnpm open311-key`, checked on every POST.
// The key itself is shown once, at creation; only its SHA-256 is stored.
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { z } from "zod";
import type { Pool, PoolClient } from "@grievance-hub/kit";

type Db = Pool | PoolClient | pg.Client;

export const ApiKeyName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");

export interface ApiKeyInfo {
  name: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export class ApiKeyNameTaken extends Error {
  override name = "ApiKeyNameTaken";
}

/** 256 random bits; the prefix lets secret scanners recognise a leaked key. */
function newApiKey(): string {
  return `o311_${randomBytes(32).toString("base64url")}`;
}

function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Creates a key and returns it; the only time it is ever seen. */
export async function createApiKey(db: Db, name: string): Promise<string> {
  const key = newApiKey();
  const res = await db.query(
    "INSERT INTO open311_api_keys (key_hash, name) VALUES ($1, $2) ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING",
    [hashApiKey(key), ApiKeyName.parse(name)],
  );
  if (res.rowCount === 0) throw new ApiKeyNameTaken(`a working key named "${name}" exists; revoke it first`);
  return key;
}

export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const { rows } = await db.query<{ name: string; created_at: Date; revoked_at: Date | null }>(
    "SELECT name, created_at, revoked_at FROM open311_api_keys ORDER BY created_at, name",
  );
  return rows.map((r) => ({ name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at }));
}

/** Revokes the working key of that name; false when there is none. */
export async function revokeApiKey(db: Db, name: string): Promise<boolean> {
  const res = await db.query("UPDATE open311_api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL", [name]);
  return res.rowCount === 1;
}

/** The name of the working key, or undefined for an unknown or revoked one. */
export async function findApiKey(db: Db, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ name: string }>("SELECT name FROM open311_api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [hashApiKey(key)]);
  return rows[0]?.name;
}
