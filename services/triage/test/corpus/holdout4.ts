// Held-out grievances written 2026-11-29 by someone who had not seen the ruleset or the other corpus cases; measured once, never used to tune the rules.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout4 = handwrittenSet("holdout4");
