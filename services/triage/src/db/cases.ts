// The case projection: the decider's state saved as JSON with the columns that queries,
// routing and the deadline scheduler need, and the case's timeline.
import type { PoolClient, Pool } from "@grievance-hub/kit";
import type { CaseEvent, OpenedCase } from "../domain/case-lifecycle";

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
  };
}

export async function loadCase(client: PoolClient | Pool, caseId: string, forUpdate = false): Promise<OpenedCase | undefined> {
  const { rows } = await client.query<{ state: Json | null }>(`SELECT state FROM cases WHERE id = $1${forUpdate ? " FOR UPDATE" : ""}`, [caseId]);
  const state = rows[0]?.state;
  return state ? reviveCase(state) : undefined;
}

export interface CaseExtras {
  phoneHash?: string | null;
  description?: string;
}

export async function saveCase(client: PoolClient, state: OpenedCase, extras: CaseExtras = {}): Promise<void> {
  await client.query(
    `INSERT INTO cases (id, grievance_id, tracking_code, division_code, language, phone_hash, description, status, category, urgency,
        received_at, opened_at, version, state, team_id, team_level, caseworker_id, acknowledge_by, resolve_by, acknowledged,
        breached_acknowledge, breached_resolve)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)
     ON CONFLICT (id) DO UPDATE SET status = $8, category = $9, urgency = $10, version = $12, state = $13, team_id = $14,
        team_level = $15, caseworker_id = $16, acknowledge_by = $17, resolve_by = $18, acknowledged = $19,
        breached_acknowledge = $20, breached_resolve = $21`,
    [
      state.caseId, state.grievanceId, state.trackingCode, state.divisionCode, state.language, extras.phoneHash ?? null, extras.description ?? null,
      state.status, state.classification?.category ?? null, state.classification?.urgency ?? null, state.receivedAt, state.version,
      JSON.stringify(state), state.team?.id ?? null, state.team?.level ?? null, state.caseworkerId,
      state.dueDates?.acknowledgeBy ?? null, state.dueDates?.resolveBy ?? null, state.acknowledgedAt !== null,
      state.breached.acknowledge, state.breached.resolve,
    ],
  );
}

/** `version` is the case's version after the event: it orders events that share a timestamp. */
export async function appendTimeline(client: PoolClient, caseId: string, eventId: string, event: CaseEvent, version: number): Promise<void> {
  const { type, occurredAt, actor, ...facts } = event;
  await client.query(
    `INSERT INTO case_timeline (event_id, case_id, type, actor_id, actor_role, at, facts, version) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (event_id) DO NOTHING`,
    [eventId, caseId, type, actor.id, actor.role, occurredAt, JSON.stringify(facts), version],
  );
}
