// The grievance text cut into plain and evidence pieces: the words the classifier's signals
// matched are marked where they occur, so a caseworker sees why a case is what it is.
import type { RiskSignal } from "@grievance-hub/schema";

export interface Piece { text: string; rules: string[] }

export function highlightEvidence(text: string, signals: Pick<RiskSignal, "rule" | "matched">[]): Piece[] {
  const rulesAt: string[][] = Array.from({ length: text.length }, () => []);
  for (const { rule, matched } of signals) {
    const needle = matched.trim();
    if (!needle) continue;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
      for (let i = at; i < at + needle.length; i++) if (!rulesAt[i]!.includes(rule)) rulesAt[i]!.push(rule);
    }
  }
  const pieces: Piece[] = [];
  for (let i = 0; i < text.length; i++) {
    const rules = rulesAt[i]!;
    const last = pieces.at(-1);
    if (last && last.rules.join() === rules.join()) last.text += text[i];
    else pieces.push({ text: text[i]!, rules: [...rules] });
  }
  return pieces;
}

/** How a signal's words are shown beside its rule: in «», or, for a model's raise that no single danger word carried, the words "the whole text". */
export function signalWords(matched: string, t: (key: "case.noWord") => string): string {
  return matched.trim() === "" ? t("case.noWord") : `«${matched}»`;
}
