// The per-replica counts behind the Postgres rate-limit store (rate-limit-store.ts): what a
// request waiting for its batch's sync does when the window ends meanwhile. The statement's
// answers come from a stand-in that answers as ADD_HITS does; the store over a real Postgres is
// tested in test/hostile/batched-limits.int.test.ts and shared-limits.int.test.ts.
import type pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { RateLimitCounts } from "../src/rate-limit-store";

/** Answers ADD_HITS with the hits added so far and the time left that `ttlMs` says, after `delayMs`. */
function database(ttlMs: () => number, delayMs = 5) {
  const hits = new Map<string, number>();
  const statements: string[][] = [];
  const pool = {
    query: async (_text: string, [keys, added]: [string[], number[]]) => {
      statements.push(keys);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { rows: keys.map((key, i) => ({ key, hits: (hits.set(key, (hits.get(key) ?? 0) + added[i]!), hits.get(key)!), ttl: ttlMs() })) };
    },
  };
  return { pool: pool as unknown as pg.Pool, statements };
}

/** Fails a call that re-checks more than `max` times: the loop it guards would otherwise never yield to the test's timers. */
function guardAddDue(counts: RateLimitCounts, max = 1_000): void {
  const addDue = (counts as unknown as { addDue: (due: unknown) => Promise<void> }).addDue.bind(counts);
  let calls = 0;
  vi.spyOn(counts as unknown as { addDue: (due: unknown) => Promise<void> }, "addDue").mockImplementation((due) => {
    if (++calls > max) throw new Error(`addDue called ${calls} times: a request is waiting for a sync that cannot come`);
    return addDue(due);
  });
}

describe("counts batched per replica", () => {
  it("add a client's hits once per batch and answer each request with its place in the window", async () => {
    const { pool, statements } = database(() => 60_000);
    const counts = new RateLimitCounts(pool, { syncEvery: 3, syncIntervalMs: 600_000 });
    const answers = await Promise.all([1, 2, 3, 4].map(() => counts.hit("client", 60_000)));
    expect(answers.map((a) => a.current)).toEqual([1, 2, 3, 4]);
    expect(statements).toEqual([["client"]]);
    await counts.close();
  });

  it("answer a request whose window ends while it waits for the sync, instead of waiting for ever", async () => {
    // The database answers that the window has no time left: it ended during the statement.
    const { pool } = database(() => 0);
    const counts = new RateLimitCounts(pool, { syncEvery: 2, syncIntervalMs: 600_000 });
    guardAddDue(counts);
    // The second request fills the batch and waits for its sync; the third and fourth arrive
    // meanwhile, and the fourth fills the next batch and waits for the sync in flight.
    const answers = await Promise.all([1, 2, 3, 4].map(() => counts.hit("client", 60_000)));
    expect(answers).toHaveLength(4);
    // The service goes on: a new request starts a new window and is counted in it.
    const next = await counts.hit("client", 60_000);
    expect(next.current).toBe(1);
    await counts.close();
  });
});
