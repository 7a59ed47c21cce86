import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextAttemptDelay } from "../src/channels/backoff";

const policy = { baseMs: 1_000, maxMs: 300_000 };
const almostOne = 1 - Number.EPSILON;

describe("exponential backoff with full jitter", () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [5, 16_000],
    [9, 256_000],
    [10, 300_000],
    [60, 300_000],
    [5_000, 300_000],
  ])("after %i failed attempts the ceiling is %i ms", (attempt, ceiling) => {
    expect(nextAttemptDelay(attempt, policy, () => 0)).toBe(0);
    expect(nextAttemptDelay(attempt, policy, () => almostOne)).toBe(ceiling - 1);
    expect(nextAttemptDelay(attempt, policy, () => 0.5)).toBe(ceiling / 2);
  });

  it("stays in [0, min(max, base * 2^(attempt-1))) for any draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: almostOne, noNaN: true }),
        (attempt, baseMs, extra, r) => {
          const maxMs = baseMs + extra;
          const delay = nextAttemptDelay(attempt, { baseMs, maxMs }, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
        },
      ),
    );
  });

  it("never shrinks as attempts grow, for the same draw", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: almostOne, noNaN: true }), (attempt, r) => {
        expect(nextAttemptDelay(attempt + 1, policy, () => r)).toBeGreaterThanOrEqual(nextAttemptDelay(attempt, policy, () => r));
      }),
    );
  });

  it("spreads retries over the whole window instead of bunching them", () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 2_000 }, () => nextAttemptDelay(4, policy, random));
    const quarters = [0, 1, 2, 3].map((q) => delays.filter((d) => d >= q * 2_000 && d < (q + 1) * 2_000).length);
    for (const count of quarters) expect(count).toBeGreaterThan(400);
  });

  it.each([
    ["attempt 0", 0, policy, 0.5],
    ["fractional attempt", 1.5, policy, 0.5],
    ["zero base", 1, { baseMs: 0, maxMs: 10 }, 0.5],
    ["max below base", 1, { baseMs: 10, maxMs: 5 }, 0.5],
    ["random() of 1", 1, policy, 1],
    ["negative random()", 1, policy, -0.1],
  ])("refuses %s", (_label, attempt, p, r) => {
    expect(() => nextAttemptDelay(attempt, p, () => r)).toThrow(RangeError);
  });
});
