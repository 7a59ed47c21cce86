// grievance.received -> a case in triage's projection, announced as case.opened.
import { v5 as uuidv5 } from "uuid";
import { enqueueEvent, type EventHandler, type ServiceRuntime } from "@grievance-hub/kit";
import type { GrievanceReceivedV1 } from "@grievance-hub/schema";

const CASE_NAMESPACE = "5b0c8f2e-3c41-4f7a-9d3e-0a7c1f6e2b90";

/** One case per grievance, with an id derived from it (UUIDv5), so a replay opens the same case. */
export function caseIdFor(grievanceId: string): string {
  return uuidv5(grievanceId, CASE_NAMESPACE);
}

export function onGrievanceReceived(rt: ServiceRuntime): EventHandler {
  return async (client, event) => {
    const g = event.data as GrievanceReceivedV1;
    const caseId = caseIdFor(g.grievanceId);
    const openedAt = new Date(event.time);
    const inserted = await client.query(
      `INSERT INTO cases (id, grievance_id, tracking_code, division_code, language, phone_hash, status, received_at, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8) ON CONFLICT (grievance_id) DO NOTHING`,
      [caseId, g.grievanceId, g.trackingCode, g.divisionCode, g.language, g.complainant.anonymous ? null : g.complainant.phoneHash, g.receivedAt, openedAt],
    );
    if (inserted.rowCount === 0) return;
    await enqueueEvent(client, rt.outbox, "case.opened.v1", {
      caseId,
      grievanceId: g.grievanceId,
      trackingCode: g.trackingCode,
      divisionCode: g.divisionCode,
      openedAt: openedAt.toISOString(),
      status: "received",
      classification: null,
    });
  };
}
