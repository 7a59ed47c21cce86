// Which of the team's cases a supervisor must look at: queued (nobody assigned), assigned but not
// accepted, at risk (less than a quarter of the time to the next deadline left) and breached.
import type { TaskView } from "../../api";

export type QueueFlag = "queued" | "unaccepted" | "atRisk" | "breached";
const beforeAcceptance = new Set(["received", "triaged", "queued", "assigned"]);
const finished = new Set(["resolved", "closed"]);

/** The deadline the case is working towards now: acknowledgement until accepted, then resolution. */
export function nextDeadline(task: Pick<TaskView, "status" | "acknowledgeBy" | "resolveBy">): string | null {
  if (finished.has(task.status)) return null;
  return beforeAcceptance.has(task.status) ? (task.acknowledgeBy ?? task.resolveBy) : task.resolveBy;
}

export function flagsOf(task: Pick<TaskView, "status" | "caseworkerId" | "acknowledgeBy" | "resolveBy" | "receivedAt">, now: number): QueueFlag[] {
  const flags: QueueFlag[] = [];
  if (task.status === "queued" || (task.caseworkerId === null && !finished.has(task.status))) flags.push("queued");
  if (task.status === "assigned") flags.push("unaccepted");
  const due = nextDeadline(task);
  if (due) {
    const end = Date.parse(due);
    const start = Date.parse(task.receivedAt);
    if (end <= now) flags.push("breached");
    else if (end - now < (end - start) / 4) flags.push("atRisk");
  }
  return flags;
}

/** The cases needing a look first: breached, then at risk, then queued and unaccepted; each by deadline. */
export function supervisorQueue<T extends Parameters<typeof flagsOf>[0] & { caseId: string }>(tasks: T[], now: number): (T & { flags: QueueFlag[] })[] {
  const rank = (flags: QueueFlag[]) => (flags.includes("breached") ? 0 : flags.includes("atRisk") ? 1 : flags.length > 0 ? 2 : 3);
  return tasks
    .map((t) => ({ ...t, flags: flagsOf(t, now) }))
    .filter((t) => !finished.has(t.status))
    .sort((a, b) => rank(a.flags) - rank(b.flags) || (Date.parse(nextDeadline(a) ?? "9999-12-31") - Date.parse(nextDeadline(b) ?? "9999-12-31")) || a.caseId.localeCompare(b.caseId));
}
