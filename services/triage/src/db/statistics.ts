// The statistics projection (table case_statistics): one row of PII-free facts per case, written
// in the same transaction as the case row (saveCases calls saveCaseStatistics), read by the
// statistics routes and the daily statistics event. Nothing here scans the cases table.
import type { Pool, PoolClient } from "@grievance-hub/kit";
import type { Category, Urgency } from "@grievance-hub/schema";
import type { OpenedCase } from "../domain/case-lifecycle";
import { caseStatistics } from "../domain/statistics";

type Db = Pool | PoolClient;

/** Upserts the facts of the given cases; a repeat count, when given, is the case's new one (counts only grow). */
export async function saveCaseStatistics(client: PoolClient, cases: { state: OpenedCase; repeatCount?: number }[]): Promise<void> {
  if (cases.length === 0) return;
  const facts = cases.map((c) => ({ ...caseStatistics(c.state), repeatCount: c.repeatCount ?? 0 }));
  const col = <T>(f: (s: (typeof facts)[number]) => T) => facts.map(f);
  await client.query(
    `INSERT INTO case_statistics (case_id, division_code, category, urgency, received_at, accepted_at, resolved_at, resolution_level, outcome,
        mediated, agreed, followed_up, holding, reached, satisfaction, group_dispute, acknowledge_due_at, acknowledge_outcome, resolve_due_at, resolve_outcome, repeat_count)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[],
        $10::bool[], $11::bool[], $12::bool[], $13::bool[], $14::bool[], $15::text[], $16::bool[], $17::timestamptz[], $18::text[], $19::timestamptz[], $20::text[], $21::int[])
     ON CONFLICT (case_id) DO UPDATE SET division_code = EXCLUDED.division_code, category = EXCLUDED.category, urgency = EXCLUDED.urgency,
        received_at = EXCLUDED.received_at, accepted_at = EXCLUDED.accepted_at, resolved_at = EXCLUDED.resolved_at, resolution_level = EXCLUDED.resolution_level,
        outcome = EXCLUDED.outcome, mediated = EXCLUDED.mediated, agreed = EXCLUDED.agreed, followed_up = EXCLUDED.followed_up, holding = EXCLUDED.holding,
        reached = EXCLUDED.reached, satisfaction = EXCLUDED.satisfaction, group_dispute = EXCLUDED.group_dispute,
        acknowledge_due_at = EXCLUDED.acknowledge_due_at, acknowledge_outcome = EXCLUDED.acknowledge_outcome,
        resolve_due_at = EXCLUDED.resolve_due_at, resolve_outcome = EXCLUDED.resolve_outcome,
        repeat_count = GREATEST(case_statistics.repeat_count, EXCLUDED.repeat_count)`,
    [
      col((f) => f.caseId), col((f) => f.divisionCode), col((f) => f.category), col((f) => f.urgency), col((f) => f.receivedAt), col((f) => f.acceptedAt),
      col((f) => f.resolvedAt), col((f) => f.resolutionLevel), col((f) => f.outcome), col((f) => f.mediated), col((f) => f.agreed), col((f) => f.followedUp),
      col((f) => f.holding), col((f) => f.reached), col((f) => f.satisfaction), col((f) => f.groupDispute), col((f) => f.acknowledgeDueAt),
      col((f) => f.acknowledgeOutcome), col((f) => f.resolveDueAt), col((f) => f.resolveOutcome), col((f) => f.repeatCount),
    ],
  );
}

const rate = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 1000) / 1000);
const tenth = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/** The first instant after a month (YYYY-MM), UTC. */
function monthAfter(month: string): Date {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1));
}

/** Figures per month of receipt (UTC) for the cases of a division prefix ("" for all). */
export async function divisionStatistics(db: Db, divisionPrefix: string, fromMonth: string, toMonth: string) {
  const { rows } = await db.query<{
    month: string; received: string; resolved: string; community: string; mediated: string; agreed: string; followed: string; holding: string;
    reached: string; satisfied: string; repeats: string; median_days: number | null;
  }>(
    `SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*) AS received,
       count(*) FILTER (WHERE resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE resolution_level = 'community') AS community,
       count(*) FILTER (WHERE mediated) AS mediated,
       count(*) FILTER (WHERE mediated AND agreed) AS agreed,
       count(*) FILTER (WHERE followed_up) AS followed,
       count(*) FILTER (WHERE holding) AS holding,
       count(*) FILTER (WHERE reached) AS reached,
       count(*) FILTER (WHERE satisfaction = 'satisfied') AS satisfied,
       count(*) FILTER (WHERE repeat_count > 0) AS repeats,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) / 86400) FILTER (WHERE resolved_at IS NOT NULL) AS median_days
     FROM case_statistics
     WHERE division_code LIKE $1 || '%'
       AND received_at >= $2::timestamptz AND received_at < $3::timestamptz
     GROUP BY month ORDER BY month`,
    [divisionPrefix, `${fromMonth}-01T00:00:00Z`, monthAfter(toMonth)],
  );
  return rows.map((r) => ({
    divisionPrefix,
    month: r.month,
    received: Number(r.received),
    resolved: Number(r.resolved),
    resolvedAtCommunityLevel: Number(r.community),
    mediationSuccessRate: rate(Number(r.agreed), Number(r.mediated)),
    agreementsHoldingAtFollowUp: rate(Number(r.holding), Number(r.followed)),
    satisfaction: rate(Number(r.satisfied), Number(r.reached)),
    repeatRate: rate(Number(r.repeats), Number(r.received)),
    medianDaysToResolution: tenth(r.median_days),
  }));
}

export interface Dashboard {
  divisionPrefix: string;
  from: string;
  to: string;
  receivedPerDay: { day: string; category: Category; received: number }[];
  urgencyMix: { urgency: Urgency; received: number }[];
  deadlineCompliance: { due: number; met: number; breached: number; rate: number | null };
  medianMinutesToFirstContact: number | null;
  medianDaysToResolution: number | null;
  resolution: { resolved: number; atCommunityWithoutEscalation: number; share: number | null };
  hotspots: { divisionCode: string; received: number; repeats: number; groupDisputes: number }[];
}

/**
 * The supervisor dashboard over the UTC days [from, to] for a division prefix. Deadlines count once
 * they have fallen due (before `now`): met, breached, or still unrecorded (due, neither met nor breached).
 */
export async function supervisorDashboard(db: Pool, divisionPrefix: string, from: string, to: string, now: Date): Promise<Dashboard> {
  // $1 prefix, $2 the window's first instant, $3 the first instant after it
  const params: unknown[] = [divisionPrefix, `${from}T00:00:00Z`, new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000)];
  const inDivision = "division_code LIKE $1 || '%'";
  const window = (col: string) => `${col} >= $2::timestamptz AND ${col} < $3::timestamptz`;
  const [perDay, urgency, deadlines, contact, resolution, hotspots] = await Promise.all([
    db.query<{ day: string; category: Category; received: string }>(
      `SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, category, count(*) AS received FROM case_statistics
       WHERE ${inDivision} AND ${window("received_at")} AND category IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    ),
    db.query<{ urgency: Urgency; received: string }>(
      `SELECT urgency, count(*) AS received FROM case_statistics WHERE ${inDivision} AND ${window("received_at")} AND urgency IS NOT NULL GROUP BY 1 ORDER BY 1`,
      params,
    ),
    db.query<{ met: string; breached: string; open: string }>(
      `SELECT count(*) FILTER (WHERE outcome = 'met') AS met, count(*) FILTER (WHERE outcome = 'breached') AS breached, count(*) FILTER (WHERE outcome = 'open') AS open
       FROM (SELECT acknowledge_due_at AS due_at, acknowledge_outcome AS outcome FROM case_statistics WHERE ${inDivision} AND ${window("acknowledge_due_at")}
             UNION ALL SELECT resolve_due_at, resolve_outcome FROM case_statistics WHERE ${inDivision} AND ${window("resolve_due_at")}) d
       WHERE due_at < $4`,
      [...params, now],
    ),
    db.query<{ minutes: number | null }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM accepted_at - received_at) / 60) AS minutes FROM case_statistics
       WHERE ${inDivision} AND ${window("accepted_at")}`,
      params,
    ),
    db.query<{ resolved: string; community: string; days: number | null }>(
      `SELECT count(*) AS resolved, count(*) FILTER (WHERE resolution_level = 'community') AS community,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) / 86400) AS days
       FROM case_statistics WHERE ${inDivision} AND ${window("resolved_at")}`,
      params,
    ),
    db.query<{ division_code: string; received: string; repeats: string; groups: string }>(
      `SELECT division_code, count(*) AS received, count(*) FILTER (WHERE repeat_count > 0) AS repeats, count(*) FILTER (WHERE group_dispute) AS groups
       FROM case_statistics WHERE ${inDivision} AND ${window("received_at")} GROUP BY division_code
       HAVING count(*) FILTER (WHERE repeat_count > 0 OR group_dispute) > 0
       ORDER BY count(*) FILTER (WHERE repeat_count > 0) + count(*) FILTER (WHERE group_dispute) DESC, count(*) DESC, division_code LIMIT 10`,
      params,
    ),
  ]);
  const d = deadlines.rows[0]!;
  const met = Number(d.met);
  const breached = Number(d.breached);
  const due = met + breached + Number(d.open);
  const r = resolution.rows[0]!;
  const resolved = Number(r.resolved);
  const community = Number(r.community);
  return {
    divisionPrefix,
    from,
    to,
    receivedPerDay: perDay.rows.map((x) => ({ day: x.day, category: x.category, received: Number(x.received) })),
    urgencyMix: urgency.rows.map((x) => ({ urgency: x.urgency, received: Number(x.received) })),
    deadlineCompliance: { due, met, breached, rate: rate(met, due) },
    medianMinutesToFirstContact: tenth(contact.rows[0]?.minutes ?? null),
    medianDaysToResolution: tenth(r.days),
    resolution: { resolved, atCommunityWithoutEscalation: community, share: rate(community, resolved) },
    hotspots: hotspots.rows.map((x) => ({ divisionCode: x.division_code, received: Number(x.received), repeats: Number(x.repeats), groupDisputes: Number(x.groups) })),
  };
}
