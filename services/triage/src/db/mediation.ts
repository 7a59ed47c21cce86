// Mediators and the sessions they are booked for; all from
// the case projection (a case's dispute lives in its state), so a rebuild of cases rebuilds them.
import type { Pool, PoolClient } from "@grievance-hub/kit";
import type { Category, Language } from "@grievance-hub/schema";

type Db = Pool | PoolClient;

const OPEN = ["assigned", "accepted", "in_mediation", "referred"];

export interface Mediator {
  id: string;
  name: string;
  level: "community" | "street";
  divisionPrefix: string;
  specialties: Category[];
  languages: Language[];
  capacity: number;
  active: boolean;
  openCases: number;
  lastAssignedAt: Date | null;
}

export async function findMediators(db: Db): Promise<Mediator[]> {
  const { rows } = await db.query<{ id: string; name: string; level: Mediator["level"]; division_prefix: string; specialties: Category[]; languages: Language[]; capacity: number; active: boolean; last_assigned_at: Date | null; open_cases: string }>(
    `SELECT m.*, (SELECT count(*) FROM cases c WHERE c.state -> 'dispute' ->> 'mediatorId' = m.id AND c.status = ANY($1)) AS open_cases
     FROM mediators m ORDER BY length(m.division_prefix) DESC, m.id`,
    [OPEN],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, level: r.level, divisionPrefix: r.division_prefix, specialties: r.specialties, languages: r.languages, capacity: r.capacity, active: r.active, openCases: Number(r.open_cases), lastAssignedAt: r.last_assigned_at }));
}

export async function upsertMediator(db: Db, m: Omit<Mediator, "openCases" | "lastAssignedAt">): Promise<void> {
  await db.query(
    `INSERT INTO mediators (id, name, level, division_prefix, specialties, languages, capacity, active) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (id) DO UPDATE SET name = $2, level = $3, division_prefix = $4, specialties = $5, languages = $6, capacity = $7, active = $8`,
    [m.id, m.name, m.level, m.divisionPrefix, m.specialties, m.languages, m.capacity, m.active],
  );
}

export async function markMediatorAssigned(db: Db, id: string, at: Date): Promise<void> {
  await db.query("UPDATE mediators SET last_assigned_at = $2 WHERE id = $1", [id, at]);
}

/**
 * Whether the mediator has another scheduled session overlapping [at, at + minutes). Holds a
 * transaction lock on the mediator until commit, so two bookings of one mediator are decided
 * one after the other and the second sees the first.
 */
export async function mediatorBookedBetween(db: Db, mediatorId: string, at: Date, minutes: number, except: { caseId: string; sessionId: string } | null): Promise<boolean> {
  await db.query("SELECT pg_advisory_xact_lock(hashtext('mediator:' || $1))", [mediatorId]);
  const { rows } = await db.query(
    `SELECT 1 FROM cases c, jsonb_array_elements(c.state -> 'dispute' -> 'sessions') s
     WHERE c.state -> 'dispute' ->> 'mediatorId' IS NOT NULL AND s ->> 'mediatorId' = $1 AND s ->> 'status' = 'scheduled'
       AND NOT (c.id = $4::uuid AND s ->> 'sessionId' = $5)
       AND (s ->> 'at')::timestamptz < $2::timestamptz + make_interval(mins => $3)
       AND (s ->> 'at')::timestamptz + make_interval(mins => (s ->> 'durationMinutes')::int) > $2::timestamptz
     LIMIT 1`,
    [mediatorId, at, minutes, except?.caseId ?? "00000000-0000-0000-0000-000000000000", except?.sessionId ?? ""],
  );
  return rows.length > 0;
}
