// The access log (issue #18): every read of a record's personal data through the API, and every
// refused attempt, written in the request that made it to the service's append-only access_log
// table (kit migration 1000000000070), and listed per record for those who supervise it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { AccessLogPage, AccessLogQuery, type AccessActorRole, type AccessReason, type Role } from "@grievance-hub/schema";
import type { z } from "zod";
import type { Pool, PoolClient } from "./db";
import { HttpProblem } from "./http";
import { requireRole, type Principal, type TokenVerifier } from "./auth";
import type { ZodTypeProvider } from "fastify-type-provider-zod";

/** What a record id names: a triage case, a grievance, or a staff recipient (`kind:id`) of notification. */
export type AccessRecordKind = "case" | "grievance" | "recipient";

export interface AccessActor {
  id: string | null;
  role: AccessActorRole;
}

export interface AccessEntry {
  recordKind: AccessRecordKind;
  recordId: string;
  actor: AccessActor;
  /** Why the read was allowed; null: it was refused. */
  reason: AccessReason | null;
  route: string;
}

/** A complainant asking with the tracking code: nothing else is known of them, and nothing is kept. */
export const complainantActor: AccessActor = { id: null, role: "complainant" };

export function staffActor(p: Principal): AccessActor {
  return { id: p.sub, role: p.role };
}

/** The route a request was answered by, as its template: `GET /v1/cases/:id`. */
export function routeOf(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? req.url.split("?")[0]}`;
}

/** Writes the entries with one statement; in a transaction when given its client, so they commit with it. */
export async function recordAccess(db: Pool | PoolClient, entries: AccessEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO access_log (record_kind, record_id, actor_id, actor_role, reason, route, outcome)
     SELECT kind, record, actor, role, reason, route, CASE WHEN reason IS NULL THEN 'refused' ELSE 'granted' END
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS e(kind, record, actor, role, reason, route)`,
    [
      entries.map((e) => e.recordKind),
      entries.map((e) => e.recordId),
      entries.map((e) => e.actor.id),
      entries.map((e) => e.actor.role),
      entries.map((e) => e.reason),
      entries.map((e) => e.route),
    ],
  );
}

/** Records one granted read of `recordId` by the request's principal (or by the complainant when there is none). */
export function recordRead(db: Pool | PoolClient, req: FastifyRequest, recordKind: AccessRecordKind, recordId: string, reason: AccessReason): Promise<void> {
  return recordAccess(db, [{ recordKind, recordId, actor: req.principal ? staffActor(req.principal) : complainantActor, reason, route: routeOf(req) }]);
}

const refusedRecords = new WeakMap<FastifyRequest, string>();

/**
 * Marks the request as a refused read of `recordId` (a record outside the caller's scope, answered
 * like a missing one): the route's `logRefusedReads` hook records it once the refusal is answered.
 */
export function refuseRead(req: FastifyRequest, recordId: string): void {
  refusedRecords.set(req, recordId);
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `source[name]` when it is a uuid: an id that names a record, never free text. */
export function uuidIn(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  return typeof value === "string" && uuid.test(value) ? value : undefined;
}

/**
 * An onError hook for a route that reads a record: a signed-in caller refused (403, by role or by
 * the action's rules) or marked with `refuseRead` is recorded as a refused read of the record in
 * `recordIdOf(req)` (by default the `id` parameter when it is a uuid, so no free text is kept).
 * Written outside the request's transaction, which the refusal rolled back.
 */
export function logRefusedReads(
  pool: Pool,
  recordKind: AccessRecordKind,
  recordIdOf: (req: FastifyRequest) => string | undefined = (req) => uuidIn((req.params ?? {}) as Record<string, unknown>, "id"),
) {
  return async (req: FastifyRequest, _reply: FastifyReply, err: Error): Promise<void> => {
    const principal = req.principal;
    if (!principal) return;
    const marked = refusedRecords.get(req);
    const recordId = marked ?? (err instanceof HttpProblem && err.status === 403 ? recordIdOf(req) : undefined);
    if (recordId === undefined) return;
    try {
      await recordAccess(pool, [{ recordKind, recordId, actor: staffActor(principal), reason: null, route: routeOf(req) }]);
    } catch (e) {
      // The refusal is answered all the same; the database that would hold the entry is unreachable.
      req.log.warn({ err: { message: (e as Error).message } }, "a refused read could not be written to the access log");
    }
  };
}

interface Row {
  id: string;
  at: Date;
  record_id: string;
  actor_id: string | null;
  actor_role: AccessActorRole;
  reason: AccessReason | null;
  outcome: "granted" | "refused";
  route: string;
}

/** One page of a record's entries, oldest first, after the cursor `after`. */
export async function listAccessLog(db: Pool | PoolClient, recordKind: AccessRecordKind, recordId: string, page: AccessLogQuery): Promise<AccessLogPage> {
  const { rows } = await db.query<Row>(
    `SELECT id::text, at, record_id, actor_id, actor_role, reason, outcome, route FROM access_log
     WHERE record_kind = $1 AND record_id = $2 AND id > $3::bigint ORDER BY access_log.id LIMIT $4`,
    [recordKind, recordId, page.after ?? "0", page.limit + 1],
  );
  const entries = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    recordId: r.record_id,
    actor: { id: r.actor_id, role: r.actor_role },
    reason: r.reason,
    outcome: r.outcome,
    route: r.route,
  }));
  return { entries, next: rows.length > page.limit ? entries.at(-1)!.id : null };
}

/**
 * `GET <url>`: a record's access log, paged, for `roles`; the role is checked first, then
 * `recordOf` (undefined, as for a record outside the caller's scope: 404).
 */
export function accessLogRoute<P extends z.ZodObject>(
  app: FastifyInstance,
  opts: {
    url: string;
    auth: TokenVerifier;
    pool: Pool;
    roles: readonly Role[];
    recordKind: AccessRecordKind;
    summary: string;
    params: P;
    recordOf: (params: z.infer<P>, principal: Principal) => Promise<string | undefined>;
  },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    opts.url,
    {
      onRequest: requireRole(opts.auth, opts.roles),
      schema: { summary: opts.summary, security: [{ bearer: [] }], params: opts.params, querystring: AccessLogQuery, response: { 200: AccessLogPage } },
    },
    async (req) => {
      const recordId = await opts.recordOf(req.params as z.infer<P>, req.principal!);
      if (recordId === undefined) throw new HttpProblem(404, "Not found", "No such record.");
      return listAccessLog(opts.pool, opts.recordKind, recordId, req.query);
    },
  );
}
