// Dead letters: deliveries that failed for good (a permanent error, or the last attempt).
// Postgres is the source of truth for listing and replaying them; the dead-letter topic
// carries them to other systems. A replay puts a delivery back to `pending` with its attempt
// count reset; its earlier attempts stay in the delivery log.
import type { Pool } from "@grievance-hub/kit";
import { DELIVERIES_CHANNEL } from "./db/deliveries";

type Queryable = Pick<Pool, "query">;

export interface DeadLetter {
  id: string;
  deadLetteredAt: Date | null;
  eventType: string;
  recipientKind: string;
  channel: string;
  attempts: number;
  lastError: string | null;
}

export async function listDeadLetters(db: Queryable): Promise<DeadLetter[]> {
  const { rows } = await db.query<{ id: string; last_attempt_at: Date | null; event_type: string; recipient_kind: string; channel: string; attempts: number; last_error: string | null }>(
    `SELECT id, last_attempt_at, event_type, recipient_kind, channel, attempts, last_error FROM deliveries WHERE status = 'dead_lettered' ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, deadLetteredAt: r.last_attempt_at, eventType: r.event_type, recipientKind: r.recipient_kind, channel: r.channel, attempts: r.attempts, lastError: r.last_error }));
}

/** Puts one dead letter (by delivery id) or all of them back in the queue; returns the ids replayed. */
export async function replayDeadLetters(db: Queryable, which: { id: string } | "all"): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_letter_published_at = NULL, replays = replays + 1
     WHERE status = 'dead_lettered' AND ($1::bigint IS NULL OR id = $1) RETURNING id`,
    [which === "all" ? null : which.id],
  );
  if (rows.length > 0) await db.query("SELECT pg_notify($1, '')", [DELIVERIES_CHANNEL]);
  return rows.map((r) => r.id).sort((a, b) => Number(a) - Number(b));
}
