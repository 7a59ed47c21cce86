// Held-out grievances written 2026-11-29 by someone who had not seen the ruleset or the other corpus cases (blind set 6). Measured blind once (see corpus.test.ts), then used to tune ruleset 2026.11.7.
import { handwrittenSet } from "../../src/domain/classification/corpus";

export const holdout6 = handwrittenSet("holdout6");
