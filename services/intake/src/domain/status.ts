// What a case event means for the status a complainant and an operator see.
import type { GrievanceStatus } from "@grievance-hub/schema";

const statusAfter: Record<string, GrievanceStatus> = {
  "case.opened.v1": "received",
  "grievance.triaged.v1": "triaged",
  "grievance.triaged.v2": "triaged",
  "case.assigned.v1": "assigned",
  "case.assigned.v2": "assigned",
  "case.reassigned.v1": "assigned",
  "case.reassigned.v2": "assigned",
  "case.queued.v1": "queued",
  "case.escalated.v1": "queued",
  "case.escalated.v2": "queued",
  "case.accepted.v1": "in_progress",
  "case.mediation_scheduled.v1": "in_progress",
  "case.mediation_scheduled.v2": "in_progress",
  "case.reopened.v1": "in_progress",
  "case.reopened.v2": "in_progress",
  "case.resolved.v1": "resolved",
  "case.resolved.v2": "resolved",
  "case.closed.v1": "closed",
  "case.closed.v2": "closed",
};

/** The case event types intake listens to. */
export const statusEventTypes = Object.keys(statusAfter);

/** The status after a case event, or undefined for events that do not change it. */
export function statusAfterEvent(eventType: string): GrievanceStatus | undefined {
  return statusAfter[eventType];
}
