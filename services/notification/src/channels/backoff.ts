// Delay before the next delivery attempt: exponential backoff with full jitter
// (a uniform draw below min(maxMs, baseMs * 2^(attempt-1))), so retries of many
// deliveries to one recovering receiver spread out instead of arriving together.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * @param attempt how many attempts have failed so far, 1 after the first failure
 * @param random uniform in [0, 1), e.g. Math.random
 * @returns whole milliseconds in [0, min(maxMs, baseMs * 2^(attempt-1)))
 */
export function nextAttemptDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError("attempt must be an integer >= 1");
  if (!(policy.baseMs > 0) || !(policy.maxMs >= policy.baseMs)) throw new RangeError("need 0 < baseMs <= maxMs");
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError("random() must return a number in [0, 1)");
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.floor(r * ceiling);
}
