// A learned second opinion on danger, beside the rules. Naive Bayes over the words of the
// labelled corpus (Chinese character pairs, English words and word pairs): each feature
// carries the log-likelihood ratio of "P1" against "not P1", learned by
// `pnpm train:danger-model` and shipped as a versioned JSON file next to the ruleset.
// Pure: the classifier hands it the folded text and the spans the rules set aside
// (negated or framed words), and it answers with a score and the features behind it,
// each with where it stands in the text, so the decision can be shown in the caller's words.
import { z } from "zod";

/** A dated version, as rulesets and models carry: "2026.11.1". */
export const DatedVersion = z.string().regex(/^\d{4}\.\d{1,2}\.\d+$/, 'a version looks like "2026.11.1"');

/**
 * A model's feature → value record, checked in place: z.record copies every entry, and for
 * models of tens of thousands of features the copy grew the heap at start-up by megabytes the
 * process then kept (24 MB for category model 2026.12.4's 40,254 features).
 */
export function featureRecord<T>(isValue: (value: unknown) => value is T, expected: string) {
  return z.custom<Record<string, T>>().superRefine((record, ctx) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      ctx.addIssue({ code: "custom", message: `expected an object of features, each ${expected}` });
      return;
    }
    for (const key in record) {
      // The first bad feature only: a broken file may have thousands.
      if (key === "") return void ctx.addIssue({ code: "custom", path: [key], message: "a feature needs a name" });
      if (!isValue(record[key])) return void ctx.addIssue({ code: "custom", path: [key], message: `expected ${expected}` });
    }
  });
}

export const isFiniteNumber = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

export const DangerModelFile = z.strictObject({
  version: DatedVersion,
  note: z.string().optional(),
  kind: z.literal("naive-bayes"),
  /** What it learned from: the corpus sets and how many cases were P1 and not. */
  trainedOn: z.strictObject({
    sets: z.array(z.string().min(1)).min(1),
    p1: z.number().int().positive(),
    other: z.number().int().positive(),
  }),
  /** Features seen fewer times than this in training were left out. */
  minCount: z.number().int().min(1),
  /**
   * How the weights of the features found add up: "sum" (plain naive Bayes), or
   * "sum-over-sqrt-count" (divided by the square root of how many were counted, so that a long
   * text does not pile up weak evidence into a confident score). The prior is added after.
   */
  scoring: z.enum(["sum", "sum-over-sqrt-count"]),
  /**
   * For "sum-over-sqrt-count": fewer features counted than this are divided as if there were
   * this many, so that a short text ("我老公要跟我离婚，孩子归谁") is not made confident by a
   * few weak words. 1 divides by the count as it is.
   */
  countFloor: z.number().int().min(1).default(1),
  /** Log odds of P1 before any feature is seen. */
  prior: z.number(),
  /** Feature ("打人", "w:knife", "b:end it") → log-likelihood ratio of P1 against not P1. */
  weights: featureRecord(isFiniteNumber, "a finite number"),
});
export type DangerModelFile = z.infer<typeof DangerModelFile>;

export interface DangerModel {
  version: string;
  scoring: DangerModelFile["scoring"];
  countFloor: number;
  prior: number;
  weights: ReadonlyMap<string, number>;
}

export function compileDangerModel(file: DangerModelFile): DangerModel {
  return { version: file.version, scoring: file.scoring, countFloor: file.countFloor, prior: file.prior, weights: new Map(Object.entries(file.weights)) };
}

interface Span {
  start: number;
  end: number;
}

export interface Feature extends Span {
  key: string;
}

const HAN = /[\u3400-\u9fff]+/g;
const WORD = /[a-z']+/g;

/** The features of a folded text, each once (at its first place): Chinese character pairs, English words and adjacent word pairs. */
export function featuresOf(folded: string): Feature[] {
  const seen = new Set<string>();
  const out: Feature[] = [];
  const add = (key: string, start: number, end: number) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ key, start, end });
  };
  for (const run of folded.matchAll(HAN)) {
    for (let i = 0; i + 1 < run[0].length; i++) add(run[0].slice(i, i + 2), run.index + i, run.index + i + 2);
  }
  const words = [...folded.matchAll(WORD)];
  words.forEach((w, i) => {
    add(`w:${w[0]}`, w.index, w.index + w[0].length);
    const next = words[i + 1];
    if (next) add(`b:${w[0]} ${next[0]}`, w.index, next.index + next[0].length);
  });
  return out;
}

export interface DangerScore {
  /** Log odds that the text tells of immediate danger. */
  score: number;
  /** The features that pushed the score up, strongest first. */
  evidence: Array<Feature & { weight: number }>;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;

/** Scores a folded text, leaving out features inside `setAside` (words the rules found negated or framed). */
export function scoreDanger(model: DangerModel, folded: string, setAside: readonly Span[] = []): DangerScore {
  let sum = 0;
  let counted = 0;
  const evidence: DangerScore["evidence"] = [];
  for (const feature of featuresOf(folded)) {
    const weight = model.weights.get(feature.key);
    if (weight === undefined || setAside.some((s) => overlaps(s, feature))) continue;
    sum += weight;
    counted++;
    if (weight > 0) evidence.push({ ...feature, weight });
  }
  evidence.sort((a, b) => b.weight - a.weight || a.start - b.start);
  const score = model.prior + (model.scoring === "sum" ? sum : sum / Math.sqrt(Math.max(counted, model.countFloor, 1)));
  return { score, evidence };
}

export interface TrainingCase {
  /** Already folded (normaliseText). */
  folded: string;
  p1: boolean;
}

/** Learns a model from labelled cases: add-half smoothing, features seen at least `minCount` times. */
export function trainDangerModel(
  cases: readonly TrainingCase[],
  meta: { version: string; sets: string[]; minCount?: number; scoring?: DangerModelFile["scoring"]; countFloor?: number; note?: string },
): DangerModelFile {
  const minCount = meta.minCount ?? 2;
  const inP1 = new Map<string, number>();
  const inOther = new Map<string, number>();
  let p1 = 0;
  let other = 0;
  for (const c of cases) {
    const counts = c.p1 ? inP1 : inOther;
    if (c.p1) p1++;
    else other++;
    for (const { key } of featuresOf(c.folded)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (p1 === 0 || other === 0) throw new Error("training needs both P1 cases and others");
  const weights: Record<string, number> = {};
  const keys = [...new Set([...inP1.keys(), ...inOther.keys()])].sort();
  for (const key of keys) {
    const a = inP1.get(key) ?? 0;
    const b = inOther.get(key) ?? 0;
    if (a + b < minCount) continue;
    weights[key] = round(Math.log((a + 0.5) / (p1 + 1)) - Math.log((b + 0.5) / (other + 1)));
  }
  return {
    version: meta.version,
    ...(meta.note === undefined ? {} : { note: meta.note }),
    kind: "naive-bayes",
    trainedOn: { sets: meta.sets, p1, other },
    minCount,
    scoring: meta.scoring ?? "sum-over-sqrt-count",
    countFloor: meta.countFloor ?? 16,
    prior: round(Math.log(p1 / other)),
    weights,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
