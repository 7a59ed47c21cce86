// The statistics projection's facts about one case: PII-free (division, category, dates, counts and
// flags, never a name, phone or text), derived from the case's state alone so every case write can
// upsert them in its own transaction and a replay derives the same. The repeat count is the one
// fact that is not in the state: it lives beside the case row and is written with it.
import type { Category, ResolutionLevel, ResolutionOutcome, Satisfaction, Urgency } from "@grievance-hub/schema";
import type { OpenedCase } from "./case-lifecycle";

/** How a deadline ended: met in time, breached, still running, or no longer owed (closed, referred on). */
export type DeadlineOutcome = "met" | "breached" | "open" | "void";

export interface CaseStatistics {
  caseId: string;
  divisionCode: string;
  category: Category | null;
  urgency: Urgency | null;
  receivedAt: Date;
  /** the caseworker's first acceptance (first contact) */
  acceptedAt: Date | null;
  resolvedAt: Date | null;
  resolutionLevel: ResolutionLevel | null;
  outcome: ResolutionOutcome | null;
  /** a mediation session was held */
  mediated: boolean;
  /** a session reached a (partial) agreement */
  agreed: boolean;
  /** an agreement was signed and the follow-up visit recorded */
  followedUp: boolean;
  /** followed up, and no obligation of the latest agreement broken */
  holding: boolean;
  /** the complainant was reached at the follow-up */
  reached: boolean;
  satisfaction: Satisfaction | null;
  /** the triage rules saw many people in one dispute */
  groupDispute: boolean;
  acknowledgeDueAt: Date | null;
  acknowledgeOutcome: DeadlineOutcome | null;
  resolveDueAt: Date | null;
  resolveOutcome: DeadlineOutcome | null;
}

/** Statuses in which the case is still owed an answer. */
const OWED = new Set(["triaged", "queued", "assigned", "accepted", "in_mediation"]);

function deadlineOutcome(breached: boolean, settledAt: Date | null, dueAt: Date, owed: boolean): DeadlineOutcome {
  if (breached) return "breached";
  if (settledAt !== null) return settledAt <= dueAt ? "met" : "breached";
  return owed ? "open" : "void";
}

/**
 * The signals that make a case a group dispute: the ruleset's words for one ("全村", "all the
 * workers") and triage's own finding of similar grievances from other callers nearby.
 */
const groupDisputeRules = new Set(["p2.group", "p2.group-dispute"]);

export function caseStatistics(state: OpenedCase): CaseStatistics {
  const d = state.dispute;
  const sessions = d?.sessions ?? [];
  const agreements = d?.agreements ?? [];
  const followedUp = agreements.length > 0 && (d?.followUp?.recordedAt ?? null) !== null;
  const lastObligations = agreements.at(-1)?.obligations ?? [];
  const owed = OWED.has(state.status);
  const due = state.dueDates;
  return {
    caseId: state.caseId,
    divisionCode: state.divisionCode,
    category: state.classification?.category ?? null,
    urgency: state.classification?.urgency ?? null,
    receivedAt: state.receivedAt,
    acceptedAt: state.acknowledgedAt,
    resolvedAt: state.resolution?.resolvedAt ?? null,
    resolutionLevel: state.resolution ? (d?.resolutionLevel ?? null) : null,
    outcome: state.resolution?.outcome ?? null,
    mediated: sessions.some((s) => s.status === "held"),
    agreed: sessions.some((s) => s.result === "agreement" || s.result === "partial_agreement"),
    followedUp,
    holding: followedUp && !lastObligations.some((o) => o.status === "broken"),
    reached: d?.followUp?.reached === true,
    satisfaction: d?.followUp?.satisfaction ?? null,
    groupDispute: state.classification?.signals.some((s) => groupDisputeRules.has(s.rule)) ?? false,
    acknowledgeDueAt: due?.acknowledgeBy ?? null,
    acknowledgeOutcome: due ? deadlineOutcome(state.breached.acknowledge, state.acknowledgedAt, due.acknowledgeBy, owed) : null,
    resolveDueAt: due?.resolveBy ?? null,
    resolveOutcome: due ? deadlineOutcome(state.breached.resolve, state.resolution?.resolvedAt ?? null, due.resolveBy, owed) : null,
  };
}
