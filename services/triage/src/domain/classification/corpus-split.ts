// Which split a corpus row belongs to, fixed before any tuning: the blind hand-written sets
// (holdout10-12) are test; every other row by a hash of its id, 70 % train, 15 % dev, 15 % test.
// Corrections exported from the service are always train. Rows written after the test split was
// recorded (grown/) are train or dev, 80/20 by the same hash, never test: the test split stays
// the one the models are compared on. Pure, so the split never drifts.
import { createHash } from "node:crypto";
import type { CorpusCase, SourcedCase } from "./corpus";

export type Split = "train" | "dev" | "test";

/** The hand-written sets never read before the split was made (see README). */
export const blindSets = ["holdout10", "holdout11", "holdout12"] as const;

export function splitOf(row: SourcedCase): Split {
  if (row.source.startsWith("corrections/")) return "train";
  if ((blindSets as readonly string[]).some((set) => row.source === `handwritten/${set}`)) return "test";
  const bucket = createHash("sha256").update(row.id).digest().readUInt32BE(0) / 2 ** 32;
  if (row.source.startsWith("grown/")) return bucket < 0.8 ? "train" : "dev";
  return bucket < 0.7 ? "train" : bucket < 0.85 ? "dev" : "test";
}

/** A fingerprint of the test split's content (ids, texts, labels, in id order). */
export function splitHash(rows: readonly CorpusCase[]): string {
  const hash = createHash("sha256");
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) hash.update(JSON.stringify([r.id, r.text, r.category, r.urgency]) + "\n");
  return hash.digest("hex");
}
