// The category model: multinomial logistic regression over textFeatures (features.ts), trained
// by `pnpm train:category-model` and shipped as a versioned JSON file beside the ruleset. Its
// probabilities are calibrated by a temperature fitted on the dev split; below the threshold
// chosen on dev the decision is left to a human triager (the triage desk). Pure once loaded.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { Category } from "@grievance-hub/schema";
import { DatedVersion, featureRecord, isFiniteNumber } from "./danger-model";
import { textFeatures, type TextFeature } from "./features";

export const CategoryModelFile = z.strictObject({
  version: DatedVersion,
  kind: z.literal("softmax-regression"),
  note: z.string().optional(),
  classes: z.array(Category).min(2),
  /** Logits are divided by this before the softmax (fitted on dev: temperature scaling). */
  temperature: z.number().positive(),
  /** Calibrated confidence below this goes to the triage desk (chosen on dev). */
  threshold: z.number().min(0).max(1),
  /** sha256 of the test split (corpus-split.ts splitHash) the model was evaluated on; a test fails if the split changes. */
  testSplitSha256: z.string().regex(/^[0-9a-f]{64}$/),
  trainedOn: z.strictObject({ rows: z.number().int().positive(), sources: z.record(z.string(), z.number().int()) }),
  hyper: z.strictObject({ l2: z.number(), epochs: z.number().int(), minCount: z.number().int(), writtenWeight: z.number().positive() }),
  bias: z.array(z.number()),
  /** Feature → one weight per class, in `classes` order (checked in place: see featureRecord). */
  weights: featureRecord((w): w is number[] => Array.isArray(w) && w.every(isFiniteNumber), "an array of finite numbers"),
});
export type CategoryModelFile = z.infer<typeof CategoryModelFile>;

export interface CategoryModel {
  version: string;
  classes: Category[];
  temperature: number;
  threshold: number;
  bias: number[];
  weights: ReadonlyMap<string, number[]>;
}

export function compileCategoryModel(file: CategoryModelFile): CategoryModel {
  // One pass, no list of entries in between: a model holds tens of thousands of features.
  const weights = new Map<string, number[]>();
  for (const key in file.weights) {
    const w = file.weights[key]!;
    if (w.length !== file.classes.length) throw new Error(`category model ${file.version}: feature ${key} has ${w.length} weights for ${file.classes.length} classes`);
    weights.set(key, w);
  }
  return { version: file.version, classes: file.classes, temperature: file.temperature, threshold: file.threshold, bias: file.bias, weights };
}

export interface Evidence {
  /** The feature's span in the folded text. */
  start: number;
  end: number;
  /** How much it raised this category over the strongest other one. */
  weight: number;
}

export interface CategoryCandidate {
  category: Category;
  probability: number;
  /** The words that carried this category: each one favours it over every other category on its own. */
  evidence: Evidence[];
}

export interface CategoryOpinion {
  version: string;
  /** Calibrated probability of the top category. */
  confidence: number;
  threshold: number;
  /** The three most probable categories, most probable first. */
  candidates: CategoryCandidate[];
}

/** Present features, each at 1/sqrt(n) so that a long text and a short one weigh alike. */
function activeFeatures(model: Pick<CategoryModel, "weights">, folded: string): Array<TextFeature & { w: number[] }> {
  const out: Array<TextFeature & { w: number[] }> = [];
  for (const f of textFeatures(folded)) {
    const w = model.weights.get(f.key);
    if (w) out.push({ ...f, w });
  }
  return out;
}

export function logits(model: Pick<CategoryModel, "weights" | "bias">, folded: string): { z: number[]; active: Array<TextFeature & { w: number[] }>; scale: number } {
  const active = activeFeatures(model, folded);
  const scale = 1 / Math.sqrt(Math.max(active.length, 1));
  const z = [...model.bias];
  for (const f of active) for (let k = 0; k < z.length; k++) z[k]! += f.w[k]! * scale;
  return { z, active, scale };
}

export function softmax(z: readonly number[], temperature = 1): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp((v - max) / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const overlaps = (a: Evidence, b: Evidence) => a.start < b.end && b.start < a.end;

/** The features that on their own favour class k over every other class, strongest first, without overlaps, at most `limit`. */
function evidenceFor(k: number, active: ReadonlyArray<TextFeature & { w: number[] }>, limit: number): Evidence[] {
  // A single Chinese character is a part of a word, not something a caseworker can read as a reason.
  const scored: Evidence[] = [];
  for (const f of active) {
    if (f.key.startsWith("c:")) continue;
    let strongestOther = -Infinity;
    for (let j = 0; j < f.w.length; j++) if (j !== k && f.w[j]! > strongestOther) strongestOther = f.w[j]!;
    const weight = f.w[k]! - strongestOther;
    if (weight > 0) scored.push({ start: f.start, end: f.end, weight });
  }
  scored.sort((a, b) => b.weight - a.weight || a.start - b.start);
  const chosen: Evidence[] = [];
  for (const e of scored) {
    if (chosen.length >= limit) break;
    if (!chosen.some((c) => overlaps(c, e))) chosen.push({ ...e, weight: Math.round(e.weight * 1000) / 1000 });
  }
  return chosen;
}

/** The model's opinion of a folded text: calibrated confidence and the top three categories with their evidence. */
export function predictCategory(model: CategoryModel, folded: string): CategoryOpinion {
  const { z, active } = logits(model, folded);
  const p = softmax(z, model.temperature);
  const order = p.map((prob, k) => ({ prob, k })).sort((a, b) => b.prob - a.prob);
  const candidates = order.slice(0, 3).map(({ prob, k }) => ({ category: model.classes[k]!, probability: Math.round(prob * 1000) / 1000, evidence: evidenceFor(k, active, 3) }));
  return { version: model.version, confidence: order[0]!.prob, threshold: model.threshold, candidates };
}

export interface TrainingRow {
  folded: string;
  category: Category;
  /** How much the row counts (hand-written rows may count more than generated ones); 1 by default. */
  weight?: number;
}

/** Fits weights by stochastic gradient descent with L2 (deterministic order for a seed). */
export function trainSoftmax(
  rows: readonly TrainingRow[],
  classes: readonly Category[],
  hyper: { l2: number; epochs: number; minCount: number; learningRate?: number; seed?: number },
): { bias: number[]; weights: Map<string, number[]> } {
  const counts = new Map<string, number>();
  const featurised = rows.map((r) => {
    const keys = textFeatures(r.folded).map((f) => f.key);
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return { keys, y: classes.indexOf(r.category), weight: r.weight ?? 1 };
  });
  const weights = new Map<string, number[]>();
  for (const [key, n] of counts) if (n >= hyper.minCount) weights.set(key, classes.map(() => 0));
  const bias = classes.map(() => 0);
  const samples = featurised.map((s) => ({ w: s.keys.flatMap((k) => (weights.has(k) ? [weights.get(k)!] : [])), y: s.y, weight: s.weight }));
  let seed = hyper.seed ?? 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const order = samples.map((_, i) => i);
  const rate0 = hyper.learningRate ?? 0.5;
  let step = 0;
  for (let epoch = 0; epoch < hyper.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) {
      const s = samples[i]!;
      const rate = rate0 / (1 + step++ / order.length);
      const scale = 1 / Math.sqrt(Math.max(s.w.length, 1));
      const z = [...bias];
      for (const w of s.w) for (let k = 0; k < z.length; k++) z[k]! += w[k]! * scale;
      const p = softmax(z);
      for (let k = 0; k < p.length; k++) {
        const g = s.weight * (p[k]! - (k === s.y ? 1 : 0));
        bias[k]! -= rate * g * 0.1;
        for (const w of s.w) w[k]! -= rate * (g * scale + hyper.l2 * w[k]!);
      }
    }
  }
  return { bias, weights };
}

export const defaultCategoryModelPath: string = fileURLToPath(new URL("../../../rules/category-model.json", import.meta.url));

/** Reads, validates and compiles the category model file (once, at start-up). */
export async function loadCategoryModel(path: string = defaultCategoryModelPath): Promise<CategoryModel> {
  const parsed = CategoryModelFile.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) throw new Error(`category model ${path}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return compileCategoryModel(parsed.data);
}
