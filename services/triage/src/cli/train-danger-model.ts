// `pnpm train:danger-model --version 2026.11.8 [--exclude holdout8,...] [--out path]`:
// learns the danger model (danger-model.ts) from the labelled corpus and writes it as JSON
// (by default next to the ruleset, as rules/danger-model.json). Leave a set out with
// --exclude to measure the model on it honestly; the ruleset names the model version it
// was measured with, so shipping a retrained model means a new ruleset version too.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { corpusSets } from "../../test/corpus/index";
import { DatedVersion, trainDangerModel } from "../domain/classification/danger-model";
import { normaliseText } from "../domain/classification/normalise";

const usage = "usage: pnpm train:danger-model --version <yyyy.m.n> [--exclude set,set] [--out path]";

async function main(): Promise<number> {
  let values: { version?: string; exclude?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { version: { type: "string" }, exclude: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } } }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\nsets: ${Object.keys(corpusSets).join(", ")}\n`);
    return 0;
  }
  const version = DatedVersion.safeParse(values.version);
  if (!version.success) {
    process.stderr.write(`--version is required and looks like 2026.11.8\n${usage}\n`);
    return 2;
  }
  const exclude = (values.exclude ?? "").split(",").filter(Boolean);
  const unknown = exclude.filter((name) => !(name in corpusSets));
  if (unknown.length > 0) {
    process.stderr.write(`no corpus set named ${unknown.join(", ")}; sets: ${Object.keys(corpusSets).join(", ")}\n`);
    return 2;
  }
  const sets = Object.keys(corpusSets).filter((name) => !exclude.includes(name));
  const cases = sets.flatMap((name) => corpusSets[name]!.map((c) => ({ folded: normaliseText(c.text), p1: c.urgency === "P1" })));
  const model = trainDangerModel(cases, { version: version.data, sets });
  const out = values.out ?? fileURLToPath(new URL("../../rules/danger-model.json", import.meta.url));
  // One weight a line: a retrained model reads as a reviewable diff.
  const { weights, ...head } = model;
  const body = Object.entries(weights).map(([k, v]) => `    ${JSON.stringify(k)}: ${v}`).join(",\n");
  const headJson = JSON.stringify(head, null, 2).slice(0, -2);
  await writeFile(out, `${headJson},\n  "weights": {\n${body}\n  }\n}\n`);
  process.stdout.write(`wrote ${out}: ${Object.keys(weights).length} features from ${cases.length} cases (${model.trainedOn.p1} P1) in ${sets.join(", ")}\n`);
  return 0;
}

process.exitCode = await main();
