// Held-out grievances: written before the ruleset, never used to tune it. The corpus
// test reports accuracy on these; it does not assert them case by case.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout = handwrittenSet("holdout");
