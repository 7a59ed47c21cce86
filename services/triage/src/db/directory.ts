// Teams and caseworkers, read as the routing decision needs them.
import type { Pool, PoolClient } from "@grievance-hub/kit";
import type { Category, Language } from "@grievance-hub/schema";
import type { Caseworker, Team, TeamLevel } from "../domain/routing";

type Db = Pool | PoolClient;

interface TeamRow {
  id: string;
  name: string;
  level: TeamLevel;
  division_prefix: string;
  categories: Category[];
  desk: boolean;
}

const toTeam = (r: TeamRow): Team & { name: string } => ({ id: r.id, name: r.name, level: r.level, divisionPrefix: r.division_prefix, categories: r.categories, desk: r.desk });

/** Teams whose prefix covers the division, whatever their category (routing filters that). */
export async function teamsCovering(db: Db, divisionCode: string): Promise<Team[]> {
  const { rows } = await db.query<TeamRow>("SELECT * FROM teams WHERE $1 LIKE division_prefix || '%'", [divisionCode]);
  return rows.map(toTeam);
}

export async function caseworkersOf(db: Db, teamIds: string[]): Promise<Caseworker[]> {
  const { rows } = await db.query<{ id: string; team_id: string; categories: Category[]; languages: Language[]; active: boolean; capacity: number; open_cases: string; last_assigned_at: Date | null }>(
    `SELECT w.*, (SELECT count(*) FROM cases c WHERE c.caseworker_id = w.id AND c.status IN ('assigned', 'accepted', 'in_mediation')) AS open_cases
     FROM caseworkers w WHERE w.team_id = ANY($1)`,
    [teamIds],
  );
  return rows.map((r) => ({
    id: r.id,
    teamId: r.team_id,
    categories: r.categories,
    languages: r.languages,
    active: r.active,
    capacity: r.capacity,
    openCases: Number(r.open_cases),
    lastAssignedAt: r.last_assigned_at,
  }));
}

export async function markAssigned(db: Db, caseworkerId: string, at: Date): Promise<void> {
  await db.query("UPDATE caseworkers SET last_assigned_at = $2 WHERE id = $1", [caseworkerId, at]);
}

export async function listTeams(db: Db): Promise<(Team & { name: string })[]> {
  const { rows } = await db.query<TeamRow>("SELECT * FROM teams ORDER BY length(division_prefix), id");
  return rows.map(toTeam);
}

export async function findTeam(db: Db, id: string): Promise<(Team & { name: string }) | undefined> {
  const { rows } = await db.query<TeamRow>("SELECT * FROM teams WHERE id = $1", [id]);
  return rows[0] ? toTeam(rows[0]) : undefined;
}

export async function upsertTeam(db: Db, t: Team & { name: string }): Promise<void> {
  await db.query(
    `INSERT INTO teams (id, name, level, division_prefix, categories, desk) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (id) DO UPDATE SET name = $2, level = $3, division_prefix = $4, categories = $5, desk = $6`,
    [t.id, t.name, t.level, t.divisionPrefix, t.categories, t.desk ?? false],
  );
}

export interface CaseworkerRecord {
  id: string;
  teamId: string;
  name: string;
  categories: Category[];
  languages: Language[];
  capacity: number;
  active: boolean;
}

export async function upsertCaseworker(db: Db, c: CaseworkerRecord): Promise<void> {
  await db.query(
    `INSERT INTO caseworkers (id, team_id, name, categories, languages, capacity, active) VALUES ($1,$2,$3,$4,$5,$6,$7)
     ON CONFLICT (id) DO UPDATE SET team_id = $2, name = $3, categories = $4, languages = $5, capacity = $6, active = $7`,
    [c.id, c.teamId, c.name, c.categories, c.languages, c.capacity, c.active],
  );
}

export async function listCaseworkers(db: Db, teamId?: string): Promise<(CaseworkerRecord & { openCases: number })[]> {
  const { rows } = await db.query<{ id: string; team_id: string; name: string; categories: Category[]; languages: Language[]; capacity: number; active: boolean; open_cases: string }>(
    `SELECT w.*, (SELECT count(*) FROM cases c WHERE c.caseworker_id = w.id AND c.status IN ('assigned', 'accepted', 'in_mediation')) AS open_cases
     FROM caseworkers w WHERE $1::text IS NULL OR w.team_id = $1 ORDER BY w.team_id, w.id`,
    [teamId ?? null],
  );
  return rows.map((r) => ({ id: r.id, teamId: r.team_id, name: r.name, categories: r.categories, languages: r.languages, capacity: r.capacity, active: r.active, openCases: Number(r.open_cases) }));
}
