// One hand-written grievance with the category and urgency a caseworker would give it.
export type { CorpusCase } from "../../src/domain/classification/corpus";
