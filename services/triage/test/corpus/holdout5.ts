// Held-out grievances written 2026-11-29 by someone who had not seen the ruleset or the other corpus cases, before ruleset 2026.11.4; measured blind once on 2026.11.4, then used to tune 2026.11.6.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout5 = handwrittenSet("holdout5");
