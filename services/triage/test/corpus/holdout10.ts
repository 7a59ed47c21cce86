// Held-out grievances written 2026-11-29 by someone who had not seen the ruleset or the other corpus cases (blind set 10). Measured blind once on ruleset 2026.11.9 (see corpus.test.ts); not used to tune the rules or train the model.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout10 = handwrittenSet("holdout10");
