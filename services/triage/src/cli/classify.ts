// For rule authors: `pnpm --silent classify < grievances.jsonl`. Reads {"id","text"} JSON
// lines, writes {"id","category","confidence","needsReview","urgency","signals","rulesetVersion",
// "modelVersion"} JSON lines, with the service's own classifier, ruleset and category model. Bad lines are reported on stderr and skipped; the exit
// code is 1 if any line failed, 2 if the ruleset could not be loaded.
import { createInterface } from "node:readline";
import { z } from "zod";
import { classify } from "../domain/classification/classify";
import { loadCategoryModel, type CategoryModel } from "../domain/classification/category-model";
import { loadRuleset, type Ruleset } from "../domain/classification/ruleset";

const InputLine = z.object({
  id: z.union([z.string(), z.number()], { error: '"id" must be a string or a number' }),
  text: z.string({ error: '"text" must be a string' }),
});

function problemWith(line: string): { input: z.infer<typeof InputLine> } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { error: `not valid JSON: ${(error as Error).message}` };
  }
  const parsed = InputLine.safeParse(json);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join("; ") };
  return { input: parsed.data };
}

async function main(): Promise<number> {
  let ruleset: Ruleset;
  let categoryModel: CategoryModel;
  try {
    ruleset = await loadRuleset();
    categoryModel = await loadCategoryModel();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  let failed = 0;
  let lineNumber = 0;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    lineNumber++;
    if (line.trim() === "") continue;
    const result = problemWith(line);
    if ("error" in result) {
      failed++;
      process.stderr.write(`line ${lineNumber}: ${result.error}\n`);
      continue;
    }
    const { id, text } = result.input;
    const { category, confidence, needsReview, urgency, signals, rulesetVersion, modelVersion } = classify({ text }, ruleset, categoryModel);
    process.stdout.write(`${JSON.stringify({ id, category, confidence, needsReview, urgency, signals, rulesetVersion, modelVersion })}\n`);
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
