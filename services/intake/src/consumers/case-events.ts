// Case events from triage -> the status and timeline intake answers with, a partition's batch
// in one statement.
import type { BatchHandler, DecodedEvent, PoolClient } from "@grievance-hub/kit";
import { statusAfterEvent } from "../domain/status";

export const onCaseEvents: BatchHandler = (client, messages) => applyCaseEvents(client, messages.map((m) => m.event));

/**
 * Each event's timeline entry, and each grievance's status from its latest new entry (events of
 * one grievance arrive in order: one key, one partition), its handling level from the latest
 * that names one. An event already in the timeline changes nothing; one for a grievance intake
 * does not have is skipped.
 */
export async function applyCaseEvents(client: PoolClient, events: DecodedEvent[]): Promise<void> {
  const entries = events.flatMap((event) => {
    const status = statusAfterEvent(event.type);
    if (!status) return [];
    const data = event.data as { grievanceId: string; team?: { level: string } | null; toTeam?: { level: string } };
    return [{ id: event.id, grievanceId: data.grievanceId, type: event.type, status, level: data.toTeam?.level ?? data.team?.level ?? null, at: event.time }];
  });
  if (entries.length === 0) return;
  await client.query(
    `WITH e AS (SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) WITH ORDINALITY
                  AS e (event_id, grievance_id, event_type, status, level, at, n)),
     entry AS (
       INSERT INTO timeline (event_id, grievance_id, event_type, status, level, at)
       SELECT e.event_id, e.grievance_id, e.event_type, e.status, e.level, e.at FROM e JOIN grievances g ON g.id = e.grievance_id
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id),
     latest AS (
       SELECT e.grievance_id, (array_agg(e.status ORDER BY e.n DESC))[1] AS status, (array_agg(e.at ORDER BY e.n DESC))[1] AS at,
         (array_agg(e.level ORDER BY e.n DESC) FILTER (WHERE e.level IS NOT NULL))[1] AS level
       FROM e JOIN entry USING (event_id) GROUP BY e.grievance_id)
     UPDATE grievances SET status = latest.status, status_changed_at = latest.at, handling_level = COALESCE(latest.level, handling_level)
     FROM latest WHERE grievances.id = latest.grievance_id`,
    [entries.map((e) => e.id), entries.map((e) => e.grievanceId), entries.map((e) => e.type), entries.map((e) => e.status), entries.map((e) => e.level), entries.map((e) => e.at)],
  );
}
