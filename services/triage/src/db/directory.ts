// Teams and caseworkers: the admin API's reads and writes, and the directory the consumer
// routes with, held in memory and reloaded when a directory write has moved its version.
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
    `SELECT w.id, w.team_id, w.categories, w.languages, w.active, w.capacity,
       (SELECT count(*) FROM cases c WHERE c.caseworker_id = w.id AND c.status IN ('assigned', 'accepted', 'in_mediation')) AS open_cases,
       GREATEST(w.last_assigned_at, (SELECT max(a.last_assigned_at) FROM caseworker_assignments a WHERE a.caseworker_id = w.id)) AS last_assigned_at
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

/** A caseworker as the directory has them: everything routing needs but the load. */
export type CaseworkerProfile = Omit<Caseworker, "openCases" | "lastAssignedAt">;

export interface CaseworkerLoadRow {
  directory_version: string;
  id: string | null;
  open_cases: string | number | null;
  last_assigned_at: Date | string | null;
}

/**
 * The directory's version with the loads of these caseworkers (a text[] parameter): open
 * cases, and the last assignment in any district. One row with a null id when none is asked for.
 */
export function caseworkerLoadsSql(ids: string): string {
  return `SELECT d.version::text AS directory_version, w.id, w.open_cases, w.last_assigned_at FROM directory_version d
         LEFT JOIN LATERAL (
           SELECT w.id, (SELECT count(*) FROM cases c WHERE c.caseworker_id = w.id AND c.status IN ('assigned', 'accepted', 'in_mediation')) AS open_cases,
             GREATEST(w.last_assigned_at, (SELECT max(a.last_assigned_at) FROM caseworker_assignments a WHERE a.caseworker_id = w.id)) AS last_assigned_at
           FROM caseworkers w WHERE w.id = ANY(${ids}::text[])
         ) w ON true`;
}

/**
 * The teams and caseworkers, read once and again only when `directory_version` (moved by a
 * trigger on every write to either table) is not the version they were read at. The version
 * comes with each batch's caseworker loads, so no statement is spent on it.
 */
export class RoutingDirectory {
  private version: string | undefined;
  private teams: Team[] = [];
  private caseworkers = new Map<string, CaseworkerProfile[]>();

  /** Teams whose prefix covers the division, whatever their category (routing filters that). */
  teamsCovering(divisionCode: string): Team[] {
    return this.teams.filter((t) => divisionCode.startsWith(t.divisionPrefix));
  }

  caseworkersOf(teamIds: Iterable<string>): CaseworkerProfile[] {
    return [...new Set(teamIds)].flatMap((id) => this.caseworkers.get(id) ?? []);
  }

  /**
   * The loads of the caseworkers of the teams covering these divisions (open cases, last
   * assignment in any district), with the directory brought up to date first when it moved.
   */
  async loadsFor(db: Db, divisionCodes: Iterable<string>): Promise<Map<string, Pick<Caseworker, "openCases" | "lastAssignedAt">>> {
    const divisions = [...divisionCodes];
    for (;;) {
      const { rows } = await db.query<CaseworkerLoadRow>(caseworkerLoadsSql("$1"), [this.caseworkerIdsFor(divisions)]);
      const loads = this.loadsAt(rows);
      if (loads) return loads;
      await this.reload(db);
    }
  }

  /** Whose loads a batch of these divisions needs, by the directory as last read (see `caseworkerLoadsSql`). */
  caseworkerIdsFor(divisionCodes: Iterable<string>): string[] {
    const teams = [...new Set([...divisionCodes].flatMap((d) => this.teamsCovering(d).map((t) => t.id)))];
    return this.caseworkersOf(teams).map((c) => c.id);
  }

  /** The loads `caseworkerLoadsSql` read, or undefined when the directory has moved since it was read here (then `loadsFor`). */
  loadsAt(rows: CaseworkerLoadRow[]): Map<string, Pick<Caseworker, "openCases" | "lastAssignedAt">> | undefined {
    const version = rows[0]?.directory_version;
    if (version === undefined || version !== this.version) return undefined;
    return new Map(rows.flatMap((r) => (r.id === null ? [] : [[r.id, { openCases: Number(r.open_cases), lastAssignedAt: r.last_assigned_at === null ? null : new Date(r.last_assigned_at) }] as const])));
  }

  private async reload(db: Db): Promise<void> {
    // The version first: a write landing between the reads then makes the next batch read again.
    const { rows: version } = await db.query<{ version: string }>("SELECT version::text FROM directory_version");
    const teams = await listTeams(db);
    const { rows: workers } = await db.query<{ id: string; team_id: string; categories: Category[]; languages: Language[]; active: boolean; capacity: number }>(
      "SELECT id, team_id, categories, languages, active, capacity FROM caseworkers ORDER BY id",
    );
    this.teams = teams;
    this.caseworkers = new Map();
    for (const w of workers) {
      const profile = { id: w.id, teamId: w.team_id, categories: w.categories, languages: w.languages, active: w.active, capacity: w.capacity };
      this.caseworkers.set(w.team_id, [...(this.caseworkers.get(w.team_id) ?? []), profile]);
    }
    this.version = version[0]?.version;
  }
}

/** Records, per district, when the batch last gave each caseworker a case (one statement). */
export async function recordAssignments(db: Db, assignments: { caseworkerId: string; district: string; at: Date }[]): Promise<void> {
  if (assignments.length === 0) return;
  const { sql, params } = assignmentsUpsert(assignments, 1);
  await db.query(sql, params);
}

/** The upsert of `recordAssignments` with its parameters numbered from `firstParam`, for a statement of the caller's own. */
export function assignmentsUpsert(assignments: { caseworkerId: string; district: string; at: Date }[], firstParam: number): { sql: string; params: unknown[] } {
  const latest = new Map<string, { caseworkerId: string; district: string; at: Date }>();
  for (const a of assignments) latest.set(`${a.caseworkerId}\n${a.district}`, a);
  const rows = [...latest.values()];
  const p = (i: number) => `$${firstParam + i}`;
  return {
    sql: `INSERT INTO caseworker_assignments (caseworker_id, district, last_assigned_at)
     SELECT * FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::timestamptz[])
     ON CONFLICT (caseworker_id, district) DO UPDATE SET last_assigned_at = GREATEST(caseworker_assignments.last_assigned_at, EXCLUDED.last_assigned_at)`,
    params: [rows.map((r) => r.caseworkerId), rows.map((r) => r.district), rows.map((r) => r.at)],
  };
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
