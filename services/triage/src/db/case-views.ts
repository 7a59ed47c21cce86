// What caseworkers and supervisors read: their tasks and a case with its timeline.
import type { Keyring, Pool, Principal } from "@grievance-hub/kit";
import type { CaseView, TaskView } from "@grievance-hub/schema";
import type { z } from "zod";
import { disputeOf, type OpenedCase } from "../domain/case-lifecycle";
import { reviveCase } from "./cases";

type Task = z.infer<typeof TaskView>;
type View = z.infer<typeof CaseView>;

/** A caseworker sees the cases assigned to them and their team's; a supervisor their team's; an admin all. */
export function visibleTo(state: Pick<OpenedCase, "caseworkerId" | "team">, p: Principal): boolean {
  if (p.role === "admin") return true;
  if (p.role === "caseworker" && state.caseworkerId === p.sub) return true;
  if ((p.role === "caseworker" || p.role === "supervisor") && p.team !== undefined && state.team?.id === p.team) return true;
  return false;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

interface Row {
  id: string;
  tracking_code: string;
  status: Task["status"];
  category: Task["category"];
  urgency: Task["urgency"];
  division_code: string;
  team_id: string | null;
  caseworker_id: string | null;
  acknowledge_by: Date | null;
  resolve_by: Date | null;
  received_at: Date;
  version: number;
}

const toTask = (r: Row): Task => ({
  caseId: r.id,
  trackingCode: r.tracking_code,
  status: r.status,
  category: r.category,
  urgency: r.urgency,
  divisionCode: r.division_code,
  teamId: r.team_id,
  caseworkerId: r.caseworker_id,
  acknowledgeBy: iso(r.acknowledge_by),
  resolveBy: iso(r.resolve_by),
  receivedAt: r.received_at.toISOString(),
  version: r.version,
});

export async function listTasks(pool: Pool, p: Principal, filter: { status?: string | undefined; urgency?: string | undefined; limit: number }): Promise<Task[]> {
  // Each scope is given only the parameters it names: Postgres refuses a statement bound with more.
  const [scope, scopeParams]: [string, unknown[]] =
    p.role === "admin"
      ? ["TRUE", []]
      : p.role === "supervisor"
        ? ["team_id = $4", [p.team ?? null]]
        : ["(caseworker_id = $5 OR ($4::text IS NOT NULL AND team_id = $4 AND caseworker_id IS NULL))", [p.team ?? null, p.sub]];
  const { rows } = await pool.query<Row>(
    `SELECT id, tracking_code, status, category, urgency, division_code, team_id, caseworker_id, acknowledge_by, resolve_by, received_at, version
     FROM cases WHERE state IS NOT NULL AND ${scope} AND ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR urgency = $2)
     ORDER BY CASE WHEN acknowledged THEN resolve_by ELSE acknowledge_by END NULLS LAST, urgency, received_at
     LIMIT $3`,
    [filter.status ?? null, filter.urgency ?? null, filter.limit, ...scopeParams],
  );
  return rows.map(toTask);
}

/**
 * The properties triage keeps sealed with the person's data key: the description, the words its
 * signals matched, what staff record about people and the words staff type (reasons, a summary, a
 * place, a body's name; commands/seal-command.ts). Only sealed values are opened: a routing
 * reason the system wrote, or a value recorded before sealing, is shown as it is.
 */
export const sealedFields: ReadonlySet<string> = new Set(["description", "matched", "name", "phone", "text", "note", "terms", "what", "reason", "summary", "place"]);

/** The case page, its personal fields opened (an erased person's read as the marker). */
export async function findCaseView(pool: Pool, keyring: Keyring, caseId: string, p: Principal): Promise<View | undefined> {
  const { rows } = await pool.query<Row & { state: Record<string, unknown>; description: string | null; repeat_count: number }>(
    "SELECT * FROM cases WHERE id = $1 AND state IS NOT NULL",
    [caseId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const s = reviveCase(row.state);
  if (!visibleTo(s, p)) return undefined;
  const [links, timeline] = await Promise.all([
    pool.query<{ grievance_id: string; kind: "repeat" | "related"; related_case_id: string | null; similarity: number | null; linked_at: Date }>(
      "SELECT * FROM case_links WHERE case_id = $1 ORDER BY linked_at",
      [caseId],
    ),
    pool.query<{ type: string; actor_id: string; actor_role: string; at: Date; facts: Record<string, unknown> }>(
      "SELECT type, actor_id, actor_role, at, facts FROM case_timeline WHERE case_id = $1 ORDER BY version, at",
      [caseId],
    ),
  ]);
  return keyring.openDeep<View>({
    ...toTask(row),
    grievanceId: s.grievanceId,
    language: s.language,
    description: row.description,
    signals: s.classification?.signals ?? [],
    rulesetVersion: s.classification?.rulesetVersion ?? null,
    team: s.team,
    acknowledgedAt: iso(s.acknowledgedAt),
    mediation: s.mediation ? { at: s.mediation.at.toISOString(), place: s.mediation.place } : null,
    resolution: s.resolution ? { outcome: s.resolution.outcome, summary: s.resolution.summary, resolvedAt: s.resolution.resolvedAt.toISOString() } : null,
    breached: s.breached,
    dispute: disputeView(s),
    repeatCount: row.repeat_count,
    links: links.rows.map((l) => ({ grievanceId: l.grievance_id, kind: l.kind, relatedCaseId: l.related_case_id, similarity: l.similarity, linkedAt: l.linked_at.toISOString() })),
    timeline: timeline.rows.map((t) => ({ type: t.type, actor: { id: t.actor_id, role: t.actor_role }, at: t.at.toISOString(), facts: t.facts })),
  }, sealedFields);
}

function disputeView(s: OpenedCase): View["dispute"] {
  const d = disputeOf(s);
  return {
    parties: d.parties,
    mediatorId: d.mediatorId,
    sessions: d.sessions.map(({ at, ...rest }) => ({ ...rest, at: at.toISOString() })),
    agreements: d.agreements.map((a) => ({ ...a, obligations: a.obligations.map(({ overdueRecorded: _, ...o }) => o) })),
    referrals: d.referrals.map((r) => ({ referralId: r.referralId, to: r.to, purpose: r.purpose, acknowledgeBy: r.acknowledgeBy.toISOString(), acknowledgedAt: iso(r.acknowledgedAt) })),
    followUp: d.followUp ? { dueAt: d.followUp.dueAt.toISOString(), recordedAt: iso(d.followUp.recordedAt), reached: d.followUp.reached, satisfaction: d.followUp.satisfaction } : null,
    closure: d.closure,
    resolutionLevel: d.resolutionLevel,
  };
}
