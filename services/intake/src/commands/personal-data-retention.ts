// Personal data kept no longer than the policy allows. A person's data is erased — their data
// key destroyed, their grievances scrubbed and personal_data.erased.v1 sent for each, exactly as
// an admin's erasure does — once every grievance of theirs has been finished (resolved or
// closed) for PERSONAL_DATA_RETENTION_DAYS: a person with a case still open, or finished more
// recently, keeps their data, since one key seals all of it. A case reopened starts the clock
// again. One replica at a time erases (an advisory lock held by each batch's transaction), and
// a person erased is not found again, so each erasure happens once.
import { randomUUID } from "node:crypto";
import { erasedMarker, periodicRounds, type BackgroundTask, type ServiceRuntime } from "@grievance-hub/kit";
import type { IntakeConfig } from "../config";
import { scrubAndAnnounce, type Found } from "./erase-person";

/** Persons erased per transaction; a round goes on while batches come back full. */
const BATCH = 100;

export type RetentionRound = { ran: false } | { ran: true; persons: number; grievances: number };

/** One round: erases everyone whose data the policy no longer allows, unless another replica is doing it now. */
export async function erasePastRetention(rt: ServiceRuntime, days: number): Promise<RetentionRound> {
  let persons = 0;
  let grievances = 0;
  for (;;) {
    const batch = await eraseBatch(rt, days);
    if (!batch) return persons === 0 ? { ran: false } : { ran: true, persons, grievances };
    persons += batch.persons;
    grievances += batch.grievances;
    if (batch.persons < BATCH) return { ran: true, persons, grievances };
  }
}

async function eraseBatch(rt: ServiceRuntime, days: number): Promise<{ persons: number; grievances: number } | undefined> {
  const client = await rt.pool.connect();
  try {
    await client.query("BEGIN");
    const { rows: lock } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('personal-data-retention:' || $1)) AS locked", [rt.schema]);
    if (!lock[0]!.locked) {
      await client.query("ROLLBACK");
      return undefined;
    }
    // A person: a caller (all grievances with their phone hash) or an anonymous grievance. Expired
    // when none of their grievances is unfinished or finished within the window.
    const { rows } = await client.query<{ subject: string; grievances: { id: string; division_code: string }[] }>(
      `WITH expired AS (
         SELECT DISTINCT ON (coalesce(g.phone_hash, g.id::text)) g.id, g.phone_hash FROM grievances g
         WHERE g.status IN ('resolved', 'closed') AND g.status_changed_at < now() - $1 * interval '1 day' AND g.description <> $2
           AND (g.phone_hash IS NULL OR NOT EXISTS (
             SELECT 1 FROM grievances o WHERE o.phone_hash = g.phone_hash
               AND NOT (o.status IN ('resolved', 'closed') AND o.status_changed_at < now() - $1 * interval '1 day')))
         LIMIT $3)
       SELECT CASE WHEN e.phone_hash IS NULL THEN 'grievance:' || e.id ELSE 'phone:' || e.phone_hash END AS subject,
              jsonb_agg(jsonb_build_object('id', g.id, 'division_code', g.division_code) ORDER BY g.id) AS grievances
       FROM expired e JOIN grievances g ON (e.phone_hash IS NULL AND g.id = e.id) OR (e.phone_hash IS NOT NULL AND g.phone_hash = e.phone_hash)
       GROUP BY 1`,
      [days, erasedMarker, BATCH],
    );
    if (rows.length === 0) {
      await client.query("COMMIT");
      return { persons: 0, grievances: 0 };
    }
    const found: Found[] = rows.map((r) => ({ subject: r.subject, grievances: r.grievances }));
    // The keys first, as an admin's erasure does: should this transaction fail, the next round finds these persons again and finishes.
    await rt.keyring.destroy(found.map((f) => f.subject));
    await scrubAndAnnounce(client, rt, found, randomUUID());
    await client.query("COMMIT");
    return { persons: found.length, grievances: found.reduce((n, f) => n + f.grievances.length, 0) };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Runs a round at start and then every `RETENTION_INTERVAL_MS`; a failed round is logged and tried again next time. */
export function personalDataRetention(rt: ServiceRuntime, config: IntakeConfig): BackgroundTask {
  return periodicRounds(config.RETENTION_INTERVAL_MS, rt.logger, "personal data retention round failed; retried at the next one", async () => {
    const outcome = await erasePastRetention(rt, config.PERSONAL_DATA_RETENTION_DAYS);
    if (outcome.ran && outcome.persons > 0) rt.logger.info({ persons: outcome.persons, grievances: outcome.grievances }, "retention: personal data past its retention period erased");
  });
}
