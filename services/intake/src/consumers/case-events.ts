// Case events from triage -> the status and timeline intake answers with.
import type { EventHandler } from "@grievance-hub/kit";
import { statusAfterEvent } from "../domain/status";

export const onCaseEvent: EventHandler = async (client, event) => {
  const grievanceId = (event.data as { grievanceId: string }).grievanceId;
  const status = statusAfterEvent(event.type);
  if (!status) return;
  const data = event.data as { team?: { level: string } | null; toTeam?: { level: string } };
  const level = data.toTeam?.level ?? data.team?.level ?? null;
  // The status moves only with a new timeline entry; events of one grievance arrive in order
  // (one key, one partition), so the latest wins. One statement for both.
  await client.query(
    `WITH entry AS (
       INSERT INTO timeline (event_id, grievance_id, event_type, status, level, at)
       SELECT $1, id, $3, $4, $5, $6 FROM grievances WHERE id = $2
       ON CONFLICT (event_id) DO NOTHING RETURNING grievance_id)
     UPDATE grievances SET status = $4, status_changed_at = $6, handling_level = COALESCE($5, handling_level)
     WHERE id IN (SELECT grievance_id FROM entry)`,
    [event.id, grievanceId, event.type, status, level, event.time],
  );
};
