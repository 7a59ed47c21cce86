// Part 5: classification alone, in this process, as triage runs it: the ruleset (with its danger
// model) and the category model loaded once, then each of the bench's grievance descriptions
// classified, one pass to warm up and three timed, each call timed on its own.
import { loadCategoryModel } from "../services/triage/src/domain/classification/category-model";
import { classify } from "../services/triage/src/domain/classification/classify";
import { loadRuleset } from "../services/triage/src/domain/classification/ruleset";
import { histogram } from "./end-to-end";
import { grievance, random } from "./grievances";

export interface ClassificationResult {
  texts: number;
  classified: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  rulesetVersion: string;
  modelVersion: string;
}

export async function measureClassification(texts = 2000): Promise<ClassificationResult> {
  const [ruleset, categoryModel] = await Promise.all([loadRuleset(), loadCategoryModel()]);
  const r = random(7);
  const descriptions = Array.from({ length: texts }, (_, n) => grievance(n, r).body.description);
  for (const text of descriptions) classify({ text }, ruleset, categoryModel);
  const h = histogram();
  try {
    for (let pass = 0; pass < 3; pass++) {
      for (const text of descriptions) {
        const start = process.hrtime.bigint();
        classify({ text }, ruleset, categoryModel);
        h.recordValue(Math.max(1, Number((process.hrtime.bigint() - start) / 1000n)));
      }
    }
    const ms = (p: number) => h.getValueAtPercentile(p) / 1000;
    return { texts, classified: h.totalCount, p50Ms: ms(50), p95Ms: ms(95), p99Ms: ms(99), rulesetVersion: ruleset.version, modelVersion: categoryModel.version };
  } finally {
    h.destroy();
  }
}
