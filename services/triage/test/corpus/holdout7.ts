// Held-out grievances written 2026-11-29 by someone who had not seen the ruleset or the other corpus cases (blind set 7). Measured blind once on ruleset 2026.11.6 (see corpus.test.ts), then used to tune 2026.11.7.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout7 = handwrittenSet("holdout7");
