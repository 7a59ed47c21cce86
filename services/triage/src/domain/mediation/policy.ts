// When a follow-up visit falls due after resolution and how long a receiving body has to
// acknowledge a referral. Minutes, like the deadline policy (a "day" is 1440 minutes).
import type { Category, Urgency } from "@grievance-hub/schema";
import { computeDueDates, type DeadlinePolicy } from "../deadlines";

const DAY_MS = 24 * 60 * 60_000;

/** 3 days after resolution for the urgent (P1/P2), whose settlements are the likeliest to fail; 7 for the rest. */
export function followUpDueAt(urgency: Urgency, _category: Category, resolvedAt: Date): Date {
  return new Date(resolvedAt.getTime() + (urgency === "P1" || urgency === "P2" ? 3 : 7) * DAY_MS);
}

/** A receiving body has 5 days to acknowledge a referral. */
export function referralAcknowledgeBy(referredAt: Date): Date {
  return new Date(referredAt.getTime() + 5 * DAY_MS);
}

/** Due dates for every urgency counted from `from`, for commands that may raise a case's urgency. */
export function dueDatesByUrgency(from: Date, policy: DeadlinePolicy): Record<Urgency, { acknowledgeBy: Date; resolveBy: Date }> {
  return { P1: computeDueDates("P1", from, policy), P2: computeDueDates("P2", from, policy), P3: computeDueDates("P3", from, policy), P4: computeDueDates("P4", from, policy) };
}
