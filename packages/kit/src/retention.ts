// Technical rows kept only as long as they are useful: a scheduled job deletes the rows of
// each rule older than its window. One replica at a time does it (an advisory lock per schema);
// the others skip that round.
import type pg from "pg";
import { safeErrorMessage, type Logger } from "./logger";
import type { BackgroundTask } from "./service";

export interface RetentionRule {
  /** A table of the service's schema, and its timestamp column the window counts from. */
  table: string;
  column: string;
  days: number;
}

export type RetentionOutcome = { ran: false } | { ran: true; deleted: Record<string, number> };

const identifier = /^[a-z_][a-z0-9_]*$/;

/** One round: deletes what each rule's window has passed, unless another replica is doing it now. */
export async function applyRetention(pool: pg.Pool, schema: string, rules: RetentionRule[]): Promise<RetentionOutcome> {
  for (const name of [schema, ...rules.flatMap((r) => [r.table, r.column])]) {
    if (!identifier.test(name)) throw new Error(`retention: ${name} is not a plain identifier`);
  }
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('retention:' || $1)) AS locked", [schema]);
    if (!rows[0]!.locked) {
      await client.query("ROLLBACK");
      return { ran: false };
    }
    const deleted: Record<string, number> = {};
    for (const r of rules) {
      const result = await client.query(`DELETE FROM ${schema}.${r.table} WHERE ${r.column} < now() - $1 * interval '1 day'`, [r.days]);
      deleted[r.table] = result.rowCount ?? 0;
    }
    await client.query("COMMIT");
    return { ran: true, deleted };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Runs a round at start and then every `intervalMs`; a failed round is logged and tried again next time. */
export function retentionJob(opts: { pool: pg.Pool; schema: string; rules: RetentionRule[]; intervalMs: number; logger: Logger }): BackgroundTask {
  return periodicRounds(opts.intervalMs, opts.logger, "retention round failed; retried at the next one", async () => {
    const outcome = await applyRetention(opts.pool, opts.schema, opts.rules);
    if (outcome.ran) opts.logger.info({ deleted: outcome.deleted }, "retention: expired technical rows deleted");
  });
}

/**
 * A background task running `round` at start and then every `intervalMs`, one round at a time (a
 * tick that comes while a round is still under way is skipped, never queued); a round that fails
 * is logged with `failure` and the next one runs as planned. Stopping waits for the round under way.
 */
export function periodicRounds(intervalMs: number, logger: Logger, failure: string, round: () => Promise<void>): BackgroundTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const next = () => {
    if (running) return;
    running = round()
      .catch((err: Error) => logger.warn({ err: { message: safeErrorMessage(err) } }, failure))
      .finally(() => (running = undefined));
  };
  return {
    start: () => {
      next();
      timer = setInterval(next, intervalMs);
      timer.unref();
    },
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
