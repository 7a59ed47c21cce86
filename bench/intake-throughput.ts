// Part 1: closed-loop throughput and latency of POST /v1/grievances with 50 connections
// (autocannon), each request with a body from the realistic mix and an idempotency key of
// its own, against intake and against the bare baseline in the same run.
import autocannon from "autocannon";

export interface ClosedLoopResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

export async function closedLoop(opts: { url: string; token?: string; durationS: number; connections: number; bodies: string[] }): Promise<ClosedLoopResult> {
  let next = 0;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  };
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    // autocannon puts a fresh id for [<id>] into every request it builds.
    idReplacement: true,
    requests: [
      {
        method: "POST",
        path: "/v1/grievances",
        setupRequest: (req) => ({ ...req, headers: { ...headers, "idempotency-key": "bench-[<id>]" }, body: opts.bodies[next++ % opts.bodies.length]! }),
      },
    ],
  });
  return {
    rps: result["2xx"] / result.duration,
    requests: result["2xx"],
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
