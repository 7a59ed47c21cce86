// Calibration and abstention for the category model, and the figures the training command
// reports: temperature scaling fitted on dev, a reliability table, the threshold that keeps
// the auto-routed accurate enough, and per-category precision/recall with a confusion matrix.
import { softmax } from "./category-model";

export interface Scored {
  /** Raw logits of the model, one per class. */
  z: number[];
  /** Index of the right class. */
  y: number;
}

function nll(scored: readonly Scored[], t: number): number {
  let sum = 0;
  for (const s of scored) sum -= Math.log(Math.max(softmax(s.z, t)[s.y]!, 1e-12));
  return sum / scored.length;
}

/** The temperature that minimises negative log-likelihood (a grid, then a finer grid around the best). */
export function fitTemperature(scored: readonly Scored[]): number {
  let best = 1;
  for (let t = 0.1; t <= 10; t += 0.1) if (nll(scored, t) < nll(scored, best)) best = t;
  for (let t = Math.max(0.02, best - 0.1); t <= best + 0.1; t += 0.01) if (nll(scored, t) < nll(scored, best)) best = t;
  return Math.round(best * 100) / 100;
}

export interface Decision {
  confidence: number;
  correct: boolean;
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/** Decisions bucketed by confidence: in a calibrated model each bin's accuracy is near its mean confidence. */
export function reliabilityTable(decisions: readonly Decision[], bins = 10): { bins: ReliabilityBin[]; expectedCalibrationError: number } {
  const table: ReliabilityBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const from = b / bins;
    const to = (b + 1) / bins;
    const inBin = decisions.filter((d) => d.confidence >= from && (d.confidence < to || (b === bins - 1 && d.confidence <= to)));
    if (inBin.length === 0) continue;
    const meanConfidence = inBin.reduce((a, d) => a + d.confidence, 0) / inBin.length;
    const accuracy = inBin.filter((d) => d.correct).length / inBin.length;
    ece += (inBin.length / decisions.length) * Math.abs(meanConfidence - accuracy);
    table.push({ from, to, count: inBin.length, meanConfidence: round(meanConfidence), accuracy: round(accuracy) });
  }
  return { bins: table, expectedCalibrationError: round(ece) };
}

export interface Coverage {
  threshold: number;
  /** Share of all decisions at or above the threshold (auto-routed). */
  coverage: number;
  /** Accuracy of those. */
  accuracy: number;
}

export function coverageAt(decisions: readonly Decision[], threshold: number): Coverage {
  const kept = decisions.filter((d) => d.confidence >= threshold);
  return { threshold, coverage: round(kept.length / decisions.length), accuracy: kept.length === 0 ? 1 : round(kept.filter((d) => d.correct).length / kept.length) };
}

/** The lowest threshold at which the auto-routed are at least `accuracy` right (the most coverage that keeps the promise). */
export function chooseThreshold(decisions: readonly Decision[], accuracy: number): Coverage {
  const sorted = [...decisions].sort((a, b) => b.confidence - a.confidence);
  let right = 0;
  let best: Coverage = { threshold: 1, coverage: 0, accuracy: 1 };
  sorted.forEach((d, i) => {
    if (d.correct) right++;
    const next = sorted[i + 1];
    // Only where the confidence changes can a threshold separate these decisions from the next.
    if (next && next.confidence === d.confidence) return;
    if (right / (i + 1) >= accuracy) best = { threshold: round(d.confidence, 4), coverage: round((i + 1) / sorted.length), accuracy: round(right / (i + 1)) };
  });
  return best;
}

export interface ClassReport {
  precision: number;
  recall: number;
  support: number;
}

/** Per-class precision and recall, and the confusion matrix (rows: expected, columns: decided). */
export function confusionReport<C extends string>(pairs: ReadonlyArray<{ expected: C; decided: C }>, classes: readonly C[]) {
  const matrix = Object.fromEntries(classes.map((e) => [e, Object.fromEntries(classes.map((d) => [d, 0]))])) as Record<C, Record<C, number>>;
  for (const p of pairs) matrix[p.expected][p.decided]++;
  const perClass = Object.fromEntries(
    classes.map((c) => {
      const tp = matrix[c][c];
      const decided = classes.reduce((a, e) => a + matrix[e][c], 0);
      const support = classes.reduce((a, d) => a + matrix[c][d], 0);
      return [c, { precision: decided === 0 ? 0 : round(tp / decided), recall: support === 0 ? 0 : round(tp / support), support }];
    }),
  ) as Record<C, ClassReport>;
  return { perClass, matrix, accuracy: round(pairs.filter((p) => p.expected === p.decided).length / Math.max(pairs.length, 1)) };
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
