// Which similar grievances a new case is linked to: the five closest, never a grievance of the
// same batch that joined its caller's case instead of opening one.
import { describe, expect, it } from "vitest";
import { relatedAmong, type Related } from "../src/consumers/grievance-received";

const saved = (n: number, similarity: number): Related => ({ caseId: `case-${n}`, grievanceId: `g-${n}`, similarity, inBatch: false });
const earlier = (n: number, similarity: number): Related => ({ caseId: `case-${n}`, grievanceId: `g-${n}`, similarity, inBatch: true });

describe("relatedAmong", () => {
  it("keeps the five most similar, the closest first, ties by case id", () => {
    const found = [saved(1, 0.5), saved(2, 0.9), saved(3, 0.7), saved(4, 0.7), saved(5, 0.6), saved(6, 0.8), saved(7, 0.46)];
    expect(relatedAmong(found, new Set()).map((r) => r.caseId)).toEqual(["case-2", "case-6", "case-3", "case-4", "case-5"]);
  });

  it("drops a grievance earlier in the batch that opened no case (a repeat), and keeps one that did", () => {
    const found = [earlier(1, 0.95), earlier(2, 0.9), saved(3, 0.6)];
    expect(relatedAmong(found, new Set(["g-2"])).map((r) => r.caseId)).toEqual(["case-2", "case-3"]);
  });

  it("is empty when nothing was found", () => {
    expect(relatedAmong(undefined, new Set())).toEqual([]);
  });
});
