// A store for @fastify/rate-limit in the service's own Postgres schema, so every replica
// counts against one budget per client (an in-memory store gives each replica its own).
import { createHash } from "node:crypto";
import type pg from "pg";

interface Window {
  current: number;
  ttl: number;
}
type Done = (err: Error | null, window?: Window) => void;

// How often one store deletes windows that ended (any replica's; deleting twice is harmless).
const PRUNE_EVERY_MS = 60_000;

const INCREMENT = `
  INSERT INTO rate_limit_windows AS w (key, hits, expires_at) VALUES ($1, 1, clock_timestamp() + $2 * interval '1 millisecond')
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN w.expires_at <= clock_timestamp() THEN 1 ELSE w.hits + 1 END,
    expires_at = CASE WHEN w.expires_at <= clock_timestamp() THEN excluded.expires_at ELSE w.expires_at END
  RETURNING hits, greatest(0, ceil(extract(epoch FROM w.expires_at - clock_timestamp()) * 1000))::float8 AS ttl`;

/**
 * The store class @fastify/rate-limit instantiates (`store:` option), bound to a pool whose
 * search_path is the service's schema. Each route gets a child store whose keys carry the route.
 */
export function postgresRateLimitStore(pool: pg.Pool): new (options?: unknown) => PostgresRateLimitStore {
  return class extends PostgresRateLimitStore {
    constructor() {
      super(pool, "");
    }
  };
}

export class PostgresRateLimitStore {
  private lastPrune = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly prefix: string,
  ) {}

  incr(key: string, done: Done, timeWindow: number): void {
    this.pruneNowAndThen();
    const hashed = createHash("sha256").update(`${this.prefix}\u0000${key}`).digest("base64url");
    this.pool.query<{ hits: number; ttl: number }>(INCREMENT, [hashed, timeWindow]).then(
      ({ rows }) => done(null, { current: rows[0]!.hits, ttl: rows[0]!.ttl }),
      (err: Error) => done(err),
    );
  }

  /** Called with the route's merged limit options; at run time they carry the route as `routeInfo`. */
  child(routeOptions: object): PostgresRateLimitStore {
    const route = (routeOptions as { routeInfo?: { method?: string | string[]; url?: string } }).routeInfo ?? {};
    return new PostgresRateLimitStore(this.pool, `${this.prefix}${[route.method ?? ""].flat().join(",")} ${route.url ?? ""}`);
  }

  private pruneNowAndThen(): void {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    // Not awaited: the request does not wait for housekeeping, and a failure is retried next time.
    this.pool.query("DELETE FROM rate_limit_windows WHERE expires_at < clock_timestamp()").catch(() => undefined);
  }
}
