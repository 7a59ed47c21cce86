// One hand-written grievance with the category and urgency a caseworker would give it.
import type { Category, Urgency } from "@grievance-hub/schema";

export interface CorpusCase {
  id: string;
  /** The language the caller used; "mixed" when Chinese and English are combined. */
  lang: "zh" | "en" | "mixed";
  text: string;
  category: Category;
  urgency: Urgency;
  /** Why the expectation is what it is, when that is not obvious. */
  note?: string;
}
