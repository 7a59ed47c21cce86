import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/channels/circuit-breaker";

const A = "https://a.example.org/hooks";
const B = "https://b.example.org/hooks";

function breaker(): CircuitBreaker {
  return new CircuitBreaker({ failureThreshold: 3, coolDownMs: 60_000 });
}

function fail(b: CircuitBreaker, endpoint: string, times: number, now: number): void {
  for (let i = 0; i < times; i++) b.record(endpoint, false, now);
}

describe("per-endpoint circuit breaker", () => {
  it("lets deliveries through while closed", () => {
    const b = breaker();
    fail(b, A, 2, 0);
    expect(b.canSend(A, 0)).toBe(true);
    expect(b.stateOf(A)).toEqual({ kind: "closed", failures: 2 });
  });

  it("opens after the threshold of consecutive failures and stops sending", () => {
    const b = breaker();
    fail(b, A, 3, 1_000);
    expect(b.stateOf(A)).toEqual({ kind: "open", until: 61_000 });
    expect(b.canSend(A, 1_000)).toBe(false);
    expect(b.canSend(A, 60_999)).toBe(false);
  });

  it("counts only consecutive failures: a success in between starts over", () => {
    const b = breaker();
    fail(b, A, 2, 0);
    b.record(A, true, 0);
    fail(b, A, 2, 0);
    expect(b.canSend(A, 0)).toBe(true);
  });

  it("keeps endpoints apart", () => {
    const b = breaker();
    fail(b, A, 3, 0);
    expect(b.canSend(A, 0)).toBe(false);
    expect(b.canSend(B, 0)).toBe(true);
  });

  it("after the cool-down lets exactly one probe through (half-open)", () => {
    const b = breaker();
    fail(b, A, 3, 0);
    expect(b.canSend(A, 60_000)).toBe(true);
    expect(b.stateOf(A)).toEqual({ kind: "half_open", probeAt: 60_000 });
    expect(b.canSend(A, 60_001)).toBe(false);
  });

  it("closes when the probe succeeds", () => {
    const b = breaker();
    fail(b, A, 3, 0);
    b.canSend(A, 60_000);
    b.record(A, true, 60_500);
    expect(b.stateOf(A)).toEqual({ kind: "closed", failures: 0 });
    expect(b.canSend(A, 60_500)).toBe(true);
  });

  it("reopens for a full cool-down when the probe fails", () => {
    const b = breaker();
    fail(b, A, 3, 0);
    b.canSend(A, 60_000);
    b.record(A, false, 60_500);
    expect(b.canSend(A, 120_499)).toBe(false);
    expect(b.canSend(A, 120_500)).toBe(true);
  });

  it("lets another probe through if the first never reports back within a cool-down", () => {
    const b = breaker();
    fail(b, A, 3, 0);
    b.canSend(A, 60_000);
    expect(b.canSend(A, 119_999)).toBe(false);
    expect(b.canSend(A, 120_000)).toBe(true);
  });

  it("does not extend the cool-down for late failures of attempts started before it opened", () => {
    const b = breaker();
    fail(b, A, 3, 0);
    fail(b, A, 5, 30_000);
    expect(b.canSend(A, 60_000)).toBe(true);
  });

  it.each([
    [{ failureThreshold: 0, coolDownMs: 1 }],
    [{ failureThreshold: 1.5, coolDownMs: 1 }],
    [{ failureThreshold: 1, coolDownMs: -1 }],
    [{ failureThreshold: 1, coolDownMs: Number.NaN }],
  ])("refuses nonsense options %j", (options) => {
    expect(() => new CircuitBreaker(options)).toThrow(RangeError);
  });
});
