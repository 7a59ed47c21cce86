// The order of "My tasks": open work first (a resolved, closed or referred case sinks below every
// open one, whatever its urgency), then the most urgent, then the nearest deadline still to meet.
import type { TaskView } from "../../api";

const urgencyRank: Record<string, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };
const acknowledged = ["accepted", "in_mediation", "referred", "resolved", "closed"];

/** The deadline that matters now: acknowledging until the case is accepted, then resolving. */
export function nextDeadline(task: Pick<TaskView, "status" | "acknowledgeBy" | "resolveBy">): string | null {
  return task.acknowledgeBy && !acknowledged.includes(task.status) ? task.acknowledgeBy : task.resolveBy;
}

/** Cases with nothing left for the caseworker to do now: the case is done, or another body has it. */
const finished = ["referred", "resolved", "closed"];

export function byUrgencyThenDeadline(a: TaskView, b: TaskView): number {
  const done = Number(finished.includes(a.status)) - Number(finished.includes(b.status));
  if (done !== 0) return done;
  const u = (urgencyRank[a.urgency ?? ""] ?? 9) - (urgencyRank[b.urgency ?? ""] ?? 9);
  if (u !== 0) return u;
  return Date.parse(nextDeadline(a) ?? "9999-12-31T00:00:00Z") - Date.parse(nextDeadline(b) ?? "9999-12-31T00:00:00Z");
}

/** The deadline a countdown shows: none once the case is resolved, closed or handed to another body. */
export function runningDeadline(task: Pick<TaskView, "status" | "acknowledgeBy" | "resolveBy">): string | null {
  return finished.includes(task.status) ? null : nextDeadline(task);
}
