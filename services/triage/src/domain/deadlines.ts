// How long each urgency may wait for acknowledgement and for resolution, and which deadlines a
// case has missed or is about to miss.
//
// Durations are whole minutes rather than ISO-8601 durations: a number is unambiguous in an env
// variable or a JSON file, and a deadline is absolute time, not calendar arithmetic (a "day" is
// 1440 minutes, not a calendar or working day, so daylight saving and holidays move nothing).
import { z } from "zod";
import type { Urgency } from "@grievance-hub/schema";
import { runningDeadlines, type CaseState, type DeadlineKind, type DueDates, type OpenedCase } from "./case-lifecycle";

const MINUTE_MS = 60_000;
const HOUR = 60;
const DAY = 24 * HOUR;

const Minutes = z.number().int().positive();

function urgencyDeadlines(acknowledgeWithinMinutes: number, resolveWithinMinutes: number) {
  return z
    .strictObject({
      acknowledgeWithinMinutes: Minutes.default(acknowledgeWithinMinutes),
      resolveWithinMinutes: Minutes.default(resolveWithinMinutes),
    })
    .refine((d) => d.acknowledgeWithinMinutes <= d.resolveWithinMinutes, {
      message: "a case cannot be due for resolution before it is due for acknowledgement",
      path: ["acknowledgeWithinMinutes"],
    })
    .prefault({});
}

/**
 * Parses a (partial) policy from config; whatever is left out keeps its default, so
 * `DeadlinePolicy.parse({ P1: { acknowledgeWithinMinutes: 10 } })` changes that one value.
 */
export const DeadlinePolicy = z
  .strictObject({
    P1: urgencyDeadlines(15, 24 * HOUR),
    P2: urgencyDeadlines(2 * HOUR, 3 * DAY),
    P3: urgencyDeadlines(24 * HOUR, 15 * DAY),
    P4: urgencyDeadlines(3 * DAY, 30 * DAY),
  })
  .prefault({});
export type DeadlinePolicy = z.infer<typeof DeadlinePolicy>;

export const defaultDeadlinePolicy: DeadlinePolicy = DeadlinePolicy.parse({});

export interface Deadline {
  deadline: DeadlineKind;
  dueAt: Date;
}

export function computeDueDates(urgency: Urgency, from: Date, policy: DeadlinePolicy): DueDates {
  const { acknowledgeWithinMinutes, resolveWithinMinutes } = policy[urgency];
  return {
    acknowledgeBy: new Date(from.getTime() + acknowledgeWithinMinutes * MINUTE_MS),
    resolveBy: new Date(from.getTime() + resolveWithinMinutes * MINUTE_MS),
  };
}

/** The triage desk settles a category within the hour (or sooner when the urgency's own acknowledge deadline is sooner); the resolve promise is unchanged. */
export const DESK_ACKNOWLEDGE_MINUTES = 60;

export function deskDueDates(urgency: Urgency, from: Date, policy: DeadlinePolicy): DueDates {
  const due = computeDueDates(urgency, from, policy);
  const desk = new Date(from.getTime() + DESK_ACKNOWLEDGE_MINUTES * MINUTE_MS);
  return { acknowledgeBy: desk < due.acknowledgeBy ? desk : due.acknowledgeBy, resolveBy: due.resolveBy };
}

/**
 * Deadlines that have passed and whose breach is not yet recorded; each is one recordBreach.
 * A case that has due dates is held to them, so a later policy change moves no promise already
 * made; one not yet assigned is measured by the policy from when the grievance was received.
 */
export function dueForBreach(caseState: CaseState, now: Date, policy: DeadlinePolicy): Deadline[] {
  if (caseState.status === "unopened" || caseState.classification === null) return [];
  const dueDates = caseState.dueDates ?? computeDueDates(caseState.classification.urgency, caseState.receivedAt, policy);
  return unrecordedDeadlines(caseState, dueDates).filter((d) => d.dueAt < now);
}

/**
 * Deadlines still to come within the lead time, for reminders. Only recorded due dates count:
 * a reminder goes to the assigned caseworker, and a case without due dates has none.
 */
export function nearDeadline(caseState: CaseState, now: Date, leadTimeMinutes: number): Deadline[] {
  if (caseState.status === "unopened" || caseState.dueDates === null) return [];
  const horizon = now.getTime() + leadTimeMinutes * MINUTE_MS;
  return unrecordedDeadlines(caseState, caseState.dueDates).filter((d) => d.dueAt >= now && d.dueAt.getTime() <= horizon);
}

function unrecordedDeadlines(caseState: OpenedCase, dueDates: DueDates): Deadline[] {
  return runningDeadlines(caseState)
    .filter((deadline) => !caseState.breached[deadline])
    .map((deadline) => ({ deadline, dueAt: deadline === "acknowledge" ? dueDates.acknowledgeBy : dueDates.resolveBy }));
}
