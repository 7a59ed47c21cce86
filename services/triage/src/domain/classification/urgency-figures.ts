// How a ruleset's urgency decisions compare with labelled rows: what the training commands
// report for the category model's test split and for the danger model's threshold choice.
import type { Urgency } from "@grievance-hub/schema";
import { classify } from "./classify";
import type { CorpusCase } from "./corpus";
import type { Ruleset } from "./ruleset";

export interface UrgencyFigures {
  cases: number;
  exact: number;
  p1: number;
  p1Found: number;
  /** P1 rows decided P3 or P4. */
  p1BelowP2: number;
  others: number;
  /** Rows not P1 decided P1. */
  falseP1: number;
}

export function urgencyFigures(rows: readonly Pick<CorpusCase, "text" | "urgency">[], ruleset: Ruleset): UrgencyFigures {
  const f: UrgencyFigures = { cases: rows.length, exact: 0, p1: 0, p1Found: 0, p1BelowP2: 0, others: 0, falseP1: 0 };
  for (const r of rows) {
    const got: Urgency = classify({ text: r.text }, ruleset).urgency;
    if (got === r.urgency) f.exact++;
    if (r.urgency === "P1") {
      f.p1++;
      if (got === "P1") f.p1Found++;
      if (got === "P3" || got === "P4") f.p1BelowP2++;
    } else {
      f.others++;
      if (got === "P1") f.falseP1++;
    }
  }
  return f;
}
