// Rate limits on every route a service registers after this: staff per token subject (the
// route's auth hook runs first), everyone else per client address (req.ip, which believes
// X-Forwarded-For only from the proxies TRUST_PROXY names), counted in Postgres so all replicas
// share one budget per client (batched: see rate-limit-store.ts for the tolerance).
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import type { BaseConfig } from "./config";
import type { Pool } from "./db";
import { postgresRateLimitStore, RateLimitCounts } from "./rate-limit-store";

type RateLimitSettings = Pick<BaseConfig, "STAFF_RATE_LIMIT_PER_MINUTE" | "PUBLIC_RATE_LIMIT_PER_MINUTE" | "RATE_LIMIT_SYNC_EVERY" | "RATE_LIMIT_SYNC_INTERVAL_MS">;

export async function registerRateLimits(app: FastifyInstance, pool: Pool, config: RateLimitSettings): Promise<void> {
  const counts = new RateLimitCounts(pool, { syncEvery: config.RATE_LIMIT_SYNC_EVERY, syncIntervalMs: config.RATE_LIMIT_SYNC_INTERVAL_MS });
  app.addHook("onClose", () => counts.close());
  await app.register(rateLimit, {
    global: true,
    store: postgresRateLimitStore(counts),
    timeWindow: "1 minute",
    max: (req) => (req.principal ? config.STAFF_RATE_LIMIT_PER_MINUTE : config.PUBLIC_RATE_LIMIT_PER_MINUTE),
    keyGenerator: (req) => (req.principal ? `staff:${req.principal.sub}` : `address:${req.ip}`),
  });
}
