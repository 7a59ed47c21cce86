// `pnpm train:danger-model --version 2026.11.8 [--exclude holdout8,...] [--with-grown] [--out path]`:
// learns the danger model (danger-model.ts) from the labelled corpus and writes it as JSON
// (by default next to the ruleset, as rules/danger-model.json). Leave a set out with
// --exclude to measure the model on it honestly; the ruleset names the model version it
// was measured with, so shipping a retrained model means a new ruleset version too.
// --with-grown learns from the train rows of the grown corpus files as well.
// Then prints, for the grown rows of the dev split (never trained on), what the whole
// classifier (the ruleset's rules and this model) decides at a range of thresholds, beside the
// shipped ruleset: the threshold is chosen there (most P1s found, then fewest left below P2,
// then fewest false P1s) and written into the new ruleset version by hand.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { corpusSets, grownTrainSets } from "../../test/corpus/index";
import { loadCorpus } from "../domain/classification/corpus";
import { splitOf } from "../domain/classification/corpus-split";
import { DatedVersion, trainDangerModel } from "../domain/classification/danger-model";
import { normaliseText } from "../domain/classification/normalise";
import { defaultRulesetPath, loadRuleset, parseRuleset, type Ruleset } from "../domain/classification/ruleset";
import { urgencyFigures, type UrgencyFigures } from "../domain/classification/urgency-figures";

const usage = "usage: pnpm train:danger-model --version <yyyy.m.n> [--exclude set,set] [--with-grown] [--out path]";

async function main(): Promise<number> {
  let values: { version?: string; exclude?: string; out?: string; "with-grown"?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { version: { type: "string" }, exclude: { type: "string" }, out: { type: "string" }, "with-grown": { type: "boolean" }, help: { type: "boolean" } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\nsets: ${Object.keys(corpusSets).join(", ")}\nwith --with-grown also: ${Object.keys(grownTrainSets).join(", ")}\n`);
    return 0;
  }
  const version = DatedVersion.safeParse(values.version);
  if (!version.success) {
    process.stderr.write(`--version is required and looks like 2026.11.8\n${usage}\n`);
    return 2;
  }
  const available = values["with-grown"] ? { ...corpusSets, ...grownTrainSets } : corpusSets;
  const exclude = (values.exclude ?? "").split(",").filter(Boolean);
  const unknown = exclude.filter((name) => !(name in available));
  if (unknown.length > 0) {
    process.stderr.write(`no corpus set named ${unknown.join(", ")}; sets: ${Object.keys(available).join(", ")}\n`);
    return 2;
  }
  const sets = Object.keys(available).filter((name) => !exclude.includes(name));
  const cases = sets.flatMap((name) => available[name]!.map((c) => ({ folded: normaliseText(c.text), p1: c.urgency === "P1" })));
  const model = trainDangerModel(cases, { version: version.data, sets });
  // Before the new model is written over the one it names.
  const shipped = await loadRuleset();
  const out = values.out ?? fileURLToPath(new URL("../../rules/danger-model.json", import.meta.url));
  // One weight a line: a retrained model reads as a reviewable diff.
  const { weights, ...head } = model;
  const body = Object.entries(weights).map(([k, v]) => `    ${JSON.stringify(k)}: ${v}`).join(",\n");
  const headJson = JSON.stringify(head, null, 2).slice(0, -2);
  await writeFile(out, `${headJson},\n  "weights": {\n${body}\n  }\n}\n`);
  process.stdout.write(`wrote ${out}: ${Object.keys(weights).length} features from ${cases.length} cases (${model.trainedOn.p1} P1) in ${sets.join(", ")}\n`);

  const dev = loadCorpus().filter((r) => r.source.startsWith("grown/") && splitOf(r) === "dev");
  const rulesetJson = JSON.parse(await readFile(defaultRulesetPath, "utf8")) as { model?: { version: string; threshold: number } };
  if (!rulesetJson.model) return 0;
  const at = (threshold: number): Ruleset =>
    parseRuleset({ ...rulesetJson, model: { ...rulesetJson.model, version: model.version, threshold } }, "ruleset.json with the new model", { json: model, sourceName: out });
  const rows: Array<readonly [string, UrgencyFigures]> = [
    [`shipped (model ${shipped.model?.model.version}, threshold ${rulesetJson.model.threshold})`, urgencyFigures(dev, shipped)] as const,
    ...[0.7, 0.85, 1, 1.15, 1.3, 1.6, 2].map((t) => [`this model, threshold ${t}`, urgencyFigures(dev, at(t))] as const),
  ];
  process.stdout.write(`\nthe grown dev rows (${dev.length}, ${rows[0]![1].p1} P1), the whole classifier:\n| | P1 found | P1 below P2 | false P1 | urgency exact |\n|---|---|---|---|---|\n`);
  for (const [name, u] of rows) process.stdout.write(`| ${name} | ${u.p1Found}/${u.p1} | ${u.p1BelowP2} | ${u.falseP1}/${u.others} | ${u.exact} |\n`);
  return 0;
}

process.exitCode = await main();
