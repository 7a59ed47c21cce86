// Case events from triage -> the status and timeline intake answers with.
import type { EventHandler } from "@grievance-hub/kit";
import { statusAfterEvent } from "../domain/status";

export const onCaseEvent: EventHandler = async (client, event) => {
  const grievanceId = (event.data as { grievanceId: string }).grievanceId;
  const status = statusAfterEvent(event.type);
  if (!status) return;
  const data = event.data as { team?: { level: string } | null; toTeam?: { level: string } };
  const level = data.toTeam?.level ?? data.team?.level ?? null;
  const inserted = await client.query(
    `INSERT INTO timeline (event_id, grievance_id, event_type, status, level, at)
     SELECT $1, id, $3, $4, $5, $6 FROM grievances WHERE id = $2
     ON CONFLICT (event_id) DO NOTHING`,
    [event.id, grievanceId, event.type, status, level, event.time],
  );
  if (inserted.rowCount === 0) return;
  // Events of one grievance arrive in order (one key, one partition), so the latest wins.
  await client.query(
    "UPDATE grievances SET status = $2, status_changed_at = $3, handling_level = COALESCE($4, handling_level) WHERE id = $1",
    [grievanceId, status, event.time, level],
  );
};
