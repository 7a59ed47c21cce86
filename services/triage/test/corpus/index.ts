// The labelled sets `pnpm train:danger-model` learns from, by name, in the order they were
// written. holdout10, holdout11 and holdout12 are left out on purpose: they measured rulesets
// 2026.11.9 and 2026.11.10 and their model blind, and stay out until newer blind sets exist.
// The grown files' train rows are a set each ("grown/<file>:train"), learnt from only with
// `--with-grown`: their dev rows are what the threshold is chosen on, and none of them is ever
// test (corpus-split.ts).
import { loadCorpus } from "../../src/domain/classification/corpus";
import { splitOf } from "../../src/domain/classification/corpus-split";
import type { CorpusCase } from "./corpus-case";
import { holdout } from "./holdout";
import { holdout2 } from "./holdout2";
import { holdout3 } from "./holdout3";
import { holdout4 } from "./holdout4";
import { holdout5 } from "./holdout5";
import { holdout6 } from "./holdout6";
import { holdout7 } from "./holdout7";
import { holdout8 } from "./holdout8";
import { holdout9 } from "./holdout9";
import { train } from "./train";

export const grownTrainSets: Record<string, CorpusCase[]> = {};
for (const row of loadCorpus()) {
  if (!row.source.startsWith("grown/") || splitOf(row) !== "train") continue;
  const { source, ...rest } = row;
  (grownTrainSets[`${source}:train`] ??= []).push(rest);
}

export const corpusSets: Record<string, CorpusCase[]> = { train, holdout, holdout2, holdout3, holdout4, holdout5, holdout6, holdout7, holdout8, holdout9 };
