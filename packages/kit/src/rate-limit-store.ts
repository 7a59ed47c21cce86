// A store for @fastify/rate-limit in the service's own Postgres schema, so every replica
// counts against one budget per client (an in-memory store gives each replica its own).
// Counts are batched: each replica counts in memory and adds its hits to the shared row once a
// client has made `syncEvery` requests here, or every `syncIntervalMs` for all clients at once,
// so a busy client costs one statement per `syncEvery` requests instead of one per request.
// The price: between syncs a replica does not see the others' latest hits, and each replica
// answers at most `syncEvery` requests of a client on stale knowledge, so a limit can be exceeded
// by at most (replicas × syncEvery) per window. With one replica the count is exact.
import { createHash } from "node:crypto";
import type pg from "pg";

interface Window {
  current: number;
  ttl: number;
}
type Done = (err: Error | null, window?: Window) => void;

// How often windows that ended are deleted (any replica's; deleting twice is harmless).
const PRUNE_EVERY_MS = 60_000;

// Adds each key's hits to its window (or starts a new one when it ended), in key order so two
// replicas syncing overlapping keys do not deadlock; answers each key's total and time left.
const ADD_HITS = `
  INSERT INTO rate_limit_windows AS w (key, hits, expires_at)
  SELECT key, hits, clock_timestamp() + window_ms * interval '1 millisecond'
  FROM unnest($1::text[], $2::int[], $3::float8[]) AS u(key, hits, window_ms) ORDER BY key
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.expires_at <= clock_timestamp() THEN excluded.hits ELSE w.hits + excluded.hits END,
    expires_at = CASE WHEN w.expires_at <= clock_timestamp() THEN excluded.expires_at ELSE w.expires_at END
  RETURNING key, hits, greatest(0, ceil(extract(epoch FROM w.expires_at - clock_timestamp()) * 1000))::float8 AS ttl`;

export interface RateLimitSync {
  /** A client's requests on this replica after which its count is added to the shared one. */
  syncEvery: number;
  /** How often every count not yet added is added, whatever its size. */
  syncIntervalMs: number;
}

/** One client's window as this replica knows it. */
interface Count {
  /** The shared count at the last sync (this replica's hits included). */
  known: number;
  /** Hits being added by the sync in flight. */
  sending: number;
  /** Hits here since then. */
  pending: number;
  /** Other replicas' hits learnt of by the syncs so far. */
  foreign: number;
  /** When the window ends, on this replica's clock. */
  endsAt: number;
  windowMs: number;
}

/** The counts of one replica, shared by the stores of all its routes. */
export class RateLimitCounts {
  private readonly counts = new Map<string, Count>();
  private readonly timer: NodeJS.Timeout;
  /** One sync at a time, so answers come back in the order they were counted. */
  private syncing: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly sync: RateLimitSync,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), sync.syncIntervalMs);
    this.timer.unref();
  }

  /**
   * Counts a request of `key` (already hashed) in a window of `windowMs`. A request that fills its
   * client's batch waits until the batch is in Postgres, and is answered with the shared count.
   */
  async hit(key: string, windowMs: number): Promise<Window> {
    const now = Date.now();
    let count = this.counts.get(key);
    if (!count || count.endsAt <= now) {
      count = { known: 0, sending: 0, pending: 0, foreign: 0, endsAt: now + windowMs, windowMs };
      this.counts.set(key, count);
    }
    count.pending++;
    // This request's place in the window as far as this replica knows, moved back by the other
    // replicas' hits a sync it waits for reveals (not by this replica's later requests).
    const place = count.known + count.sending + count.pending;
    const foreign = count.foreign;
    // Only a window that has not ended is ever synced (addDue leaves ended ones out), so a request
    // whose window ends while it waits (the database slow, the window's last milliseconds) stops
    // waiting and is let through; the hits still pending in that window are not added anywhere
    // (at most syncEvery - 1 others per replica and window end). Waiting on for a sync that could
    // not come looped for ever without yielding and froze the whole service (found by the full
    // benchmark, 2026-12-06).
    while (count.pending >= this.sync.syncEvery && count.endsAt > Date.now() && this.counts.get(key) === count) {
      await this.addDue((c) => c.pending >= this.sync.syncEvery);
    }
    return { current: place + count.foreign - foreign, ttl: Math.max(0, count.endsAt - Date.now()) };
  }

  /** Adds every count not yet added, forgets windows that ended, and now and then deletes them from the table. */
  async flush(): Promise<void> {
    const now = Date.now();
    for (const [key, count] of this.counts) if (count.endsAt <= now && count.sending === 0) this.counts.delete(key);
    await this.addDue((c) => c.pending > 0);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.pool.query("DELETE FROM rate_limit_windows WHERE expires_at < clock_timestamp()");
    }
  }

  /** Stops the timer after adding what is pending (best effort: the database may be gone). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  /** Adds the counts `due` picks with one statement; while another sync is in flight, waits for it instead (the caller checks again). */
  private async addDue(due: (count: Count) => boolean): Promise<void> {
    if (this.syncing) return this.syncing.catch(() => undefined);
    const now = Date.now();
    const batch = [...this.counts].filter(([, count]) => count.endsAt > now && due(count));
    if (batch.length === 0) return;
    this.syncing = this.addHits(batch).finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async addHits(batch: [string, Count][]): Promise<void> {
    // Taken out before the statement, so hits arriving meanwhile start the next batch.
    for (const [, count] of batch) {
      count.sending = count.pending;
      count.pending = 0;
    }
    try {
      const { rows } = await this.pool.query<{ key: string; hits: number; ttl: number }>(ADD_HITS, [batch.map(([key]) => key), batch.map(([, c]) => c.sending), batch.map(([, c]) => c.windowMs)]);
      const now = Date.now();
      const answers = new Map(rows.map((r) => [r.key, r]));
      for (const [key, count] of batch) {
        const row = answers.get(key)!;
        count.foreign += Math.max(0, row.hits - count.known - count.sending);
        count.known = row.hits;
        count.endsAt = now + row.ttl;
        count.sending = 0;
      }
    } catch (err) {
      for (const [, count] of batch) {
        count.pending += count.sending;
        count.sending = 0;
      }
      throw err;
    }
  }
}

/**
 * The store class @fastify/rate-limit instantiates (`store:` option), counting in `counts`. Each
 * route gets a child store whose keys carry the route. Keys are hashed: a client address is
 * personal data, and neither the table nor the memory keeps one.
 */
export function postgresRateLimitStore(counts: RateLimitCounts): new (options?: unknown) => PostgresRateLimitStore {
  return class extends PostgresRateLimitStore {
    constructor() {
      super(counts, "");
    }
  };
}

export class PostgresRateLimitStore {
  constructor(
    private readonly counts: RateLimitCounts,
    private readonly prefix: string,
  ) {}

  incr(key: string, done: Done, timeWindow: number): void {
    const hashed = createHash("sha256").update(`${this.prefix}\u0000${key}`).digest("base64url");
    this.counts.hit(hashed, timeWindow).then(
      (window) => done(null, window),
      (err: Error) => done(err),
    );
  }

  /** Called with the route's merged limit options; at run time they carry the route as `routeInfo`. */
  child(routeOptions: object): PostgresRateLimitStore {
    const route = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo ?? {};
    return new PostgresRateLimitStore(this.counts, `${this.prefix}${[route.method ?? ""].flat().join(",")} ${route.url ?? ""}`);
  }
}
