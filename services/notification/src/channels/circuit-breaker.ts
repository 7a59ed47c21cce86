// Per-endpoint circuit breaker, so a receiver that is down is not hammered by every queued
// delivery: closed -> open after `failureThreshold` consecutive failures; open -> half-open
// once `coolDownMs` has passed, letting one probe through; the probe's success closes the
// circuit, its failure opens it for another cool-down. Time comes in as an argument.

export interface CircuitBreakerOptions {
  failureThreshold: number;
  coolDownMs: number;
}

export type CircuitState =
  | { kind: "closed"; failures: number }
  | { kind: "open"; until: number }
  /** A probe was let through at `probeAt`; another is allowed once a cool-down passes without its result. */
  | { kind: "half_open"; probeAt: number };

const CLOSED: CircuitState = { kind: "closed", failures: 0 };

export class CircuitBreaker {
  private readonly circuits = new Map<string, CircuitState>();

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) throw new RangeError("failureThreshold must be a positive integer");
    if (!(options.coolDownMs >= 0)) throw new RangeError("coolDownMs must be >= 0");
  }

  /** Whether a delivery to `endpoint` may be attempted now; in half-open, granting the probe. */
  canSend(endpoint: string, now: number): boolean {
    const state = this.stateOf(endpoint);
    switch (state.kind) {
      case "closed":
        return true;
      case "open":
        if (now < state.until) return false;
        this.circuits.set(endpoint, { kind: "half_open", probeAt: now });
        return true;
      case "half_open":
        if (now < state.probeAt + this.options.coolDownMs) return false;
        this.circuits.set(endpoint, { kind: "half_open", probeAt: now });
        return true;
    }
  }

  /** The outcome of an attempt to `endpoint`. */
  record(endpoint: string, ok: boolean, now: number): void {
    if (ok) {
      this.circuits.delete(endpoint);
      return;
    }
    const state = this.stateOf(endpoint);
    switch (state.kind) {
      case "closed": {
        const failures = state.failures + 1;
        this.circuits.set(
          endpoint,
          failures >= this.options.failureThreshold ? { kind: "open", until: now + this.options.coolDownMs } : { kind: "closed", failures },
        );
        return;
      }
      case "half_open":
        this.circuits.set(endpoint, { kind: "open", until: now + this.options.coolDownMs });
        return;
      case "open":
        // A late result of an attempt started before the circuit opened: the cool-down stands.
        return;
    }
  }

  stateOf(endpoint: string): CircuitState {
    return this.circuits.get(endpoint) ?? CLOSED;
  }

  /** How many endpoints' circuits are in `kind` (closed ones the breaker has seen fail). */
  count(kind: CircuitState["kind"]): number {
    let n = 0;
    for (const state of this.circuits.values()) if (state.kind === kind) n++;
    return n;
  }
}
