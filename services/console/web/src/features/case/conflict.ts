// What changed between the case a person was looking at and the case as it is now, shown when
// triage refuses an action on a stale view (412) or in a state that no longer allows it (409).
import type { CaseView } from "../../api";

export const watchedFields = ["status", "urgency", "category", "caseworkerId", "teamId", "acknowledgeBy", "resolveBy"] as const;
export type WatchedField = (typeof watchedFields)[number];

export interface CaseChanges {
  fields: { field: WatchedField; before: unknown; after: unknown }[];
  newEntries: CaseView["timeline"];
}

export function caseChanges(before: CaseView, after: CaseView): CaseChanges {
  const fields = watchedFields.filter((f) => before[f] !== after[f]).map((field) => ({ field, before: before[field], after: after[field] }));
  const seen = new Set(before.timeline.map((e) => `${e.type}|${e.at}|${e.actor.id}`));
  return { fields, newEntries: after.timeline.filter((e) => !seen.has(`${e.type}|${e.at}|${e.actor.id}`)) };
}
