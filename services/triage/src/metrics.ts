// Triage's gauges over its own cases, read with one cheap query per scrape: P1 cases that no
// caseworker holds yet, and how long the oldest of them has waited.
import { Gauge, sharedSample, type Pool, type Registry } from "@grievance-hub/kit";

/** Statuses in which a case has no caseworker: not yet routed, or queued for want of one. */
const unassigned = ["received", "triaged", "queued"];

export function observeCases(registry: Registry, pool: Pool): void {
  const registers = [registry];
  const sample = sharedSample(async () => {
    const { rows } = await pool.query<{ n: number; oldest: number | null }>(
      `SELECT count(*)::int AS n, extract(epoch FROM now() - min(received_at))::float8 AS oldest FROM cases WHERE urgency = 'P1' AND status = ANY($1)`,
      [unassigned],
    );
    return { count: rows[0]!.n, oldestAgeSeconds: rows[0]!.oldest ?? 0 };
  });
  new Gauge({
    name: "triage_p1_unassigned_cases",
    help: "P1 cases (immediate danger) that no caseworker holds yet",
    registers,
    async collect() {
      const s = await sample();
      if (s) this.set(s.count);
    },
  });
  new Gauge({
    name: "triage_p1_unassigned_oldest_age_seconds",
    help: "How long the oldest P1 case without a caseworker has waited since it was received (0 when there is none)",
    registers,
    async collect() {
      const s = await sample();
      if (s) this.set(s.oldestAgeSeconds);
    },
  });
}
