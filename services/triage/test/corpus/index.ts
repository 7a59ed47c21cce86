// Every labelled set of the corpus by name, in the order they were written: what the
// corpus test measures and what `pnpm train:danger-model` learns from.
import type { CorpusCase } from "./corpus-case";
import { holdout } from "./holdout";
import { holdout2 } from "./holdout2";
import { holdout3 } from "./holdout3";
import { holdout4 } from "./holdout4";
import { holdout5 } from "./holdout5";
import { holdout6 } from "./holdout6";
import { holdout7 } from "./holdout7";
import { holdout8 } from "./holdout8";
import { train } from "./train";

export const corpusSets: Record<string, CorpusCase[]> = { train, holdout, holdout2, holdout3, holdout4, holdout5, holdout6, holdout7, holdout8 };
