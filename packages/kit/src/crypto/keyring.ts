// The keyring: one data key per person (subject), created on first use, stored wrapped by the
// KEK in the shared `keyring.data_keys` table, unwrapped keys cached in memory for a short time.
import { hkdfSync, randomBytes, randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { LRUCache } from "lru-cache";
import type { Pool } from "../db";
import { wrappedVersion, type KeyEncryptionKeys } from "./kek";
import { erasedMarker, isSealed, openWith, sealedKeyId, sealWith } from "./seal";

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LiveKey {
  keyId: string;
  key: Buffer;
}

export class Keyring {
  /** Unwrapped keys by key id, or that the key was destroyed. */
  private readonly byId: LRUCache<string, LiveKey | { destroyed: true }>;
  private readonly bySubject: LRUCache<string, LiveKey>;
  /**
   * Keys not cached, read a batch at a time: the look-ups asked for in one tick (a consumer
   * opening a batch of events, each from another person) become one statement.
   */
  private readonly loader = new DataLoader<string, LiveKey | { destroyed: true }>((keyIds) => this.loadMany(keyIds), { cache: false, maxBatchSize: 1000 });

  constructor(
    private readonly pool: Pool,
    private readonly kek: KeyEncryptionKeys,
    cache: { size: number; ttlMs: number } = { size: 10_000, ttlMs: 60_000 },
  ) {
    this.byId = new LRUCache({ max: cache.size, ttl: cache.ttlMs });
    this.bySubject = new LRUCache({ max: cache.size, ttl: cache.ttlMs });
  }

  /** `plaintext` sealed under `subject`'s data key (made now if it has none) for `field`. */
  async seal(subject: string, field: string, plaintext: string): Promise<string> {
    const { keyId, key } = await this.liveKey(subject);
    return sealWith(key, keyId, field, plaintext);
  }

  /** A function sealing values for fields under `subject`'s key (made now if it has none): one key look-up for many fields. */
  async sealerFor(subject: string): Promise<(field: string, plaintext: string) => string> {
    const { keyId, key } = await this.liveKey(subject);
    return (field, plaintext) => sealWith(key, keyId, field, plaintext);
  }

  /**
   * A function sealing values under the key that sealed `sealed` (text made from a sealed value —
   * a message rendered from it — kept under the same person's key); one that gives the erased
   * marker when that key was destroyed.
   */
  async sealerBeside(sealed: string): Promise<(field: string, plaintext: string) => string> {
    const keyId = sealedKeyId(sealed);
    const entry = this.byId.get(keyId) ?? (await this.load(keyId));
    if ("destroyed" in entry) return () => erasedMarker;
    return (field, plaintext) => sealWith(entry.key, keyId, field, plaintext);
  }

  /**
   * The text of a value sealed for `field`; `erasedMarker` when its key was destroyed. A value
   * that is not sealed (written before encryption, or already a marker) is returned as it is.
   */
  async open(field: string, value: string): Promise<string> {
    if (!isSealed(value)) return value;
    const keyId = sealedKeyId(value);
    const entry = this.byId.get(keyId) ?? (await this.load(keyId));
    return "destroyed" in entry ? erasedMarker : openWith(entry.key, field, value);
  }

  /**
   * `value` with every sealed string held by a property named in `fields` opened (at any depth,
   * the property's name being the field it was sealed for); everything else as it is, so text a
   * person typed that merely looks sealed is never taken for a sealed value.
   */
  async openDeep<T>(value: T, fields: ReadonlySet<string>, field = ""): Promise<T> {
    if (typeof value === "string") return (fields.has(field) && isSealed(value) ? await this.open(field, value) : value) as T;
    if (Array.isArray(value)) return (await Promise.all(value.map((v) => this.openDeep(v, fields, field)))) as T;
    if (value === null || typeof value !== "object" || value instanceof Date) return value;
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await this.openDeep(v, fields, k)] as const));
    return Object.fromEntries(entries) as T;
  }

  /**
   * A secret of the service's own, for keyed hashes of personal data (not a person's key: it is
   * never destroyed), derived from the data key of `subject` made on first use, so it is wrapped
   * by the KEK like every other key and nothing new needs configuring.
   */
  async serviceSecret(subject: string, purpose: string): Promise<Buffer> {
    const { key } = await this.liveKey(subject);
    return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), purpose, 32));
  }

  /** The subject's data key, destroyed: every value sealed under it is unreadable from now on. Returns how many keys were destroyed. */
  async destroy(subjects: string[]): Promise<number> {
    if (subjects.length === 0) return 0;
    const { rows } = await this.pool.query<{ key_id: string }>(
      `UPDATE keyring.data_keys SET wrapped_key = NULL, destroyed_at = now()
        WHERE subject = ANY($1::text[]) AND destroyed_at IS NULL RETURNING key_id`,
      [subjects],
    );
    for (const subject of subjects) this.bySubject.delete(subject);
    for (const { key_id } of rows) this.byId.set(key_id, { destroyed: true });
    return rows.length;
  }

  /** Forgets cached keys of `subjects` (an erasure another replica or service made). */
  forget(subjects: string[]): void {
    for (const subject of subjects) {
      const live = this.bySubject.get(subject);
      this.bySubject.delete(subject);
      if (live) this.byId.delete(live.keyId);
    }
  }

  /** Re-wraps every live data key not wrapped under the KEK's current version; returns how many. */
  async rotate(batchSize = 500): Promise<{ rewrapped: number; version: number }> {
    const version = await this.kek.currentVersion();
    let rewrapped = 0;
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const { rows } = await this.pool.query<{ key_id: string; wrapped_key: string }>(
        `SELECT key_id, wrapped_key FROM keyring.data_keys
          WHERE destroyed_at IS NULL AND key_id > $1 ORDER BY key_id LIMIT $2`,
        [after, batchSize],
      );
      if (rows.length === 0) return { rewrapped, version };
      for (const row of rows) {
        if (wrappedVersion(row.wrapped_key) === version) continue;
        const wrapped = await this.kek.rewrap(row.wrapped_key, row.key_id);
        // Only if it is still what was read: a key destroyed meanwhile stays destroyed.
        const { rowCount } = await this.pool.query("UPDATE keyring.data_keys SET wrapped_key = $3 WHERE key_id = $1 AND wrapped_key = $2", [row.key_id, row.wrapped_key, wrapped]);
        rewrapped += rowCount ?? 0;
      }
      after = rows[rows.length - 1]!.key_id;
    }
  }

  private async liveKey(subject: string): Promise<LiveKey> {
    const cached = this.bySubject.get(subject);
    if (cached) return cached;
    // Most subjects are new (a caller's first grievance): a candidate key is offered with the
    // look-up, in one statement; when the subject has a key, that one comes back instead.
    const candidate = { keyId: randomUUID(), key: randomBytes(32) };
    const wrapped = await this.kek.wrap(candidate.key, candidate.keyId);
    const { rows } = await this.pool.query<{ key_id: string; wrapped_key: string; made: boolean }>(
      `WITH made AS (
         INSERT INTO keyring.data_keys (key_id, subject, wrapped_key) VALUES ($1, $2, $3)
         ON CONFLICT (subject) WHERE destroyed_at IS NULL DO NOTHING
         RETURNING key_id, wrapped_key)
       SELECT key_id, wrapped_key, true AS made FROM made
       UNION ALL
       SELECT key_id, wrapped_key, false FROM keyring.data_keys
        WHERE subject = $2 AND destroyed_at IS NULL AND NOT EXISTS (SELECT 1 FROM made)`,
      [candidate.keyId, subject, wrapped],
    );
    const row = rows[0];
    if (row?.made) return this.remember(subject, candidate);
    if (row) return this.remember(subject, { keyId: row.key_id, key: await this.kek.unwrap(row.wrapped_key, row.key_id) });
    // Another writer made the subject's first key at the same time (committed after this statement's
    // snapshot, so neither branch saw it): read it again.
    return this.liveKey(subject);
  }

  private remember(subject: string, found: LiveKey): LiveKey {
    // The key in memory of its own: unwrapped, it is a 32-byte slice of Node's Buffer pool (a
    // 64 KB slab on Node 24), and a cached slice keeps its whole slab alive: tens of MB of slabs
    // for a full cache of 10,000 keys, where the keys themselves are 320 KB.
    const key = Buffer.allocUnsafeSlow(found.key.length);
    found.key.copy(key);
    const live = { keyId: found.keyId, key };
    this.bySubject.set(subject, live);
    this.byId.set(live.keyId, live);
    return live;
  }

  private load(keyId: string): Promise<LiveKey | { destroyed: true }> {
    return this.loader.load(keyId);
  }

  private async loadMany(keyIds: readonly string[]): Promise<(LiveKey | { destroyed: true } | Error)[]> {
    // A key id that is no uuid (a forged sealed value) is not asked for: it would fail the statement for the whole batch.
    const asked = [...new Set(keyIds)].filter((keyId) => uuidShape.test(keyId));
    const { rows } = asked.length === 0 ? { rows: [] } : await this.pool.query<{ key_id: string; wrapped_key: string | null; subject: string }>("SELECT key_id, wrapped_key, subject FROM keyring.data_keys WHERE key_id = ANY($1::uuid[])", [asked]);
    const found = new Map(
      await Promise.all(
        rows.map(async (row): Promise<[string, LiveKey | { destroyed: true }]> => {
          if (row.wrapped_key === null) {
            this.byId.set(row.key_id, { destroyed: true });
            return [row.key_id, { destroyed: true }];
          }
          // Remembered by subject too: a service that opened a person's value seals more of theirs without another read.
          return [row.key_id, this.remember(row.subject, { keyId: row.key_id, key: await this.kek.unwrap(row.wrapped_key, row.key_id) })];
        }),
      ),
    );
    return keyIds.map((keyId) => found.get(keyId) ?? new Error(`data key ${keyId} is not in the keyring`));
  }
}
