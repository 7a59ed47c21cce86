// What becomes of a delivery after an attempt: sent; tried again later (exponential backoff
// with jitter, no sooner than the receiver's Retry-After); or, after a permanent error or the
// last allowed attempt, dead-lettered.
import { nextAttemptDelay, type BackoffPolicy } from "../channels/backoff";
import type { DeliveryResult } from "../channels/delivery";

export interface RetryPolicy {
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export type NextStep = { status: "sent" } | { status: "pending"; retryInMs: number } | { status: "dead_lettered" };

/** @param attempts attempts made so far, this one included */
export function afterAttempt(result: DeliveryResult, attempts: number, policy: RetryPolicy, random: () => number): NextStep {
  if (result.ok) return { status: "sent" };
  if (result.permanent || attempts >= policy.maxAttempts) return { status: "dead_lettered" };
  return { status: "pending", retryInMs: Math.max(nextAttemptDelay(attempts, policy.backoff, random), result.retryAfterMs ?? 0) };
}
