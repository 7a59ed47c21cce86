// A second held-out set, written on 2026-11-29 before the veiled-threat rules and never
// used to tune them. It leans on veiled and implicit threats (said differently from
// any phrase in the ruleset) and on innocuous texts that look like them. The corpus
// test reports accuracy on these; it does not assert them case by case.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout2 = handwrittenSet("holdout2");
