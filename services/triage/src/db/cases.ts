// The case projection: the decider's state saved as JSON with the columns that queries,
// routing and the deadline scheduler need, and the case's timeline.
import type { PoolClient, Pool } from "@grievance-hub/kit";
import type { CaseEvent, OpenedCase } from "../domain/case-lifecycle";
import { reviveDispute } from "../domain/mediation/dispute";
import { saveCaseStatistics } from "./statistics";

type Json = Record<string, unknown>;

const date = (v: unknown): Date => new Date(v as string);
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as string));

/** JSON keeps dates as strings; the decider wants Dates back. */
export function reviveCase(json: Json): OpenedCase {
  const s = json as unknown as OpenedCase & Json;
  const due = s.dueDates as unknown as Json | null;
  const mediation = s.mediation as unknown as Json | null;
  const resolution = s.resolution as unknown as Json | null;
  return {
    ...s,
    receivedAt: date(s.receivedAt),
    dueDates: due ? { acknowledgeBy: date(due.acknowledgeBy), resolveBy: date(due.resolveBy) } : null,
    acknowledgedAt: dateOrNull(s.acknowledgedAt),
    mediation: mediation ? { at: date(mediation.at), place: (mediation.place as string | null) ?? null } : null,
    resolution: resolution ? { ...(resolution as unknown as NonNullable<OpenedCase["resolution"]>), resolvedAt: date(resolution.resolvedAt) } : null,
    ...(s.dispute ? { dispute: reviveDispute(s.dispute) } : {}),
  };
}

export async function loadCase(client: PoolClient | Pool, caseId: string, forUpdate = false): Promise<OpenedCase | undefined> {
  const { rows } = await client.query<{ state: Json | null }>(`SELECT state FROM cases WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [caseId]);
  const state = rows[0]?.state;
  return state ? reviveCase(state) : undefined;
}

export interface CaseExtras {
  phoneHash?: string | null;
  /** Sealed with the person's data key. */
  description?: string;
  /** The description's keyed trigrams (src/domain/signature.ts). */
  signature?: number[] | null;
}

export async function saveCase(client: PoolClient, state: OpenedCase, extras: CaseExtras = {}): Promise<void> {
  await saveCases(client, [{ state, extras }]);
}

/**
 * Cases in one statement (each at most once); the extras are written only when a case is first
 * saved. A repeat count, when given, is the case's new one (counts only grow, so a save without
 * one keeps what the row has). The cases' facts go to the statistics projection in the same
 * transaction.
 */
export async function saveCases(client: PoolClient, cases: { state: OpenedCase; extras?: CaseExtras; repeatCount?: number }[]): Promise<void> {
  if (cases.length === 0) return;
  const column = <T>(f: (c: { state: OpenedCase; extras: CaseExtras; repeatCount: number }) => T) =>
    cases.map(({ state, extras, repeatCount }) => f({ state, extras: extras ?? {}, repeatCount: repeatCount ?? 0 }));
  await client.query(
    `INSERT INTO cases (id, grievance_id, tracking_code, division_code, language, phone_hash, description, status, category, urgency,
        received_at, opened_at, version, state, team_id, team_level, caseworker_id, acknowledge_by, resolve_by, acknowledged,
        breached_acknowledge, breached_resolve, repeat_count, description_signature)
     SELECT id, grievance_id, tracking_code, division_code, language, phone_hash, description, status, category, urgency,
        received_at, received_at, version, state, team_id, team_level, caseworker_id, acknowledge_by, resolve_by, acknowledged,
        breached_acknowledge, breached_resolve, repeat_count, signature::int[]
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
        $11::timestamptz[], $12::int[], $13::jsonb[], $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::timestamptz[], $19::bool[],
        $20::bool[], $21::bool[], $22::int[], $23::text[])
       AS c (id, grievance_id, tracking_code, division_code, language, phone_hash, description, status, category, urgency,
        received_at, version, state, team_id, team_level, caseworker_id, acknowledge_by, resolve_by, acknowledged,
        breached_acknowledge, breached_resolve, repeat_count, signature)
     ON CONFLICT (id) DO UPDATE SET repeat_count = GREATEST(cases.repeat_count, EXCLUDED.repeat_count), status = EXCLUDED.status, category = EXCLUDED.category, urgency = EXCLUDED.urgency, version = EXCLUDED.version,
        state = EXCLUDED.state, team_id = EXCLUDED.team_id, team_level = EXCLUDED.team_level, caseworker_id = EXCLUDED.caseworker_id,
        acknowledge_by = EXCLUDED.acknowledge_by, resolve_by = EXCLUDED.resolve_by, acknowledged = EXCLUDED.acknowledged,
        breached_acknowledge = EXCLUDED.breached_acknowledge, breached_resolve = EXCLUDED.breached_resolve`,
    [
      column((c) => c.state.caseId), column((c) => c.state.grievanceId), column((c) => c.state.trackingCode), column((c) => c.state.divisionCode),
      column((c) => c.state.language), column((c) => c.extras.phoneHash ?? null), column((c) => c.extras.description ?? null),
      column((c) => c.state.status), column((c) => c.state.classification?.category ?? null), column((c) => c.state.classification?.urgency ?? null),
      column((c) => c.state.receivedAt), column((c) => c.state.version), column((c) => JSON.stringify(c.state)),
      column((c) => c.state.team?.id ?? null), column((c) => c.state.team?.level ?? null), column((c) => c.state.caseworkerId),
      column((c) => c.state.dueDates?.acknowledgeBy ?? null), column((c) => c.state.dueDates?.resolveBy ?? null), column((c) => c.state.acknowledgedAt !== null),
      column((c) => c.state.breached.acknowledge), column((c) => c.state.breached.resolve), column((c) => c.repeatCount),
      column((c) => (c.extras.signature ? `{${c.extras.signature.join(",")}}` : null)),
    ],
  );
  await saveCaseStatistics(client, cases);
}

export interface TimelineEntry {
  caseId: string;
  eventId: string;
  event: CaseEvent;
  /** The case's version after the event: it orders events that share a timestamp. */
  version: number;
}

/** Timeline entries, in one statement. */
export async function appendTimeline(client: PoolClient, entries: TimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const { sql, params } = timelineInsert(entries, 1);
  await client.query(sql, params);
}

/** The INSERT of timeline entries with its parameters numbered from `firstParam`, for a statement of the caller's own. */
export function timelineInsert(entries: TimelineEntry[], firstParam: number): { sql: string; params: unknown[] } {
  const rows = entries.map(({ caseId, eventId, event, version }) => {
    const { type, occurredAt, actor, ...facts } = event;
    return { eventId, caseId, type, actor, occurredAt, facts: JSON.stringify(facts), version };
  });
  const p = (i: number) => `$${firstParam + i}`;
  return {
    sql: `INSERT INTO case_timeline (event_id, case_id, type, actor_id, actor_role, at, facts, version)
     SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::uuid[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::timestamptz[], ${p(6)}::jsonb[], ${p(7)}::int[]) ON CONFLICT (event_id) DO NOTHING`,
    params: [rows.map((r) => r.eventId), rows.map((r) => r.caseId), rows.map((r) => r.type), rows.map((r) => r.actor.id), rows.map((r) => r.actor.role), rows.map((r) => r.occurredAt), rows.map((r) => r.facts), rows.map((r) => r.version)],
  };
}
