// What a case event means for the status a complainant and an operator see.
import type { GrievanceStatus } from "@grievance-hub/schema";

const statusAfter: Record<string, GrievanceStatus> = {
  "case.opened.v1": "received",
};

/** The status after a case event, or undefined for events that do not change it. */
export function statusAfterEvent(eventType: string): GrievanceStatus | undefined {
  return statusAfter[eventType];
}
