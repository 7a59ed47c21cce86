// grievance.received -> classified, linked to an open case of the same caller in the same
// district (repeat) or opened as a new case, routed to the most local caseworker. A partition's
// batch (one district or several, never a district split between partitions) is applied in one
// transaction: the state it needs read with one statement per table, each grievance decided in
// order by the pure functions, and everything written with one statement per table.
import { v5 as uuidv5 } from "uuid";
import { enqueueEvents, type BatchHandler, type BatchMessage, type OutgoingEvent, type PoolClient, type ServiceRuntime } from "@grievance-hub/kit";
import { moreUrgent, partitionKeyFor, type GrievanceReceivedV1, type RiskSignal } from "@grievance-hub/schema";
import { classify, type Classification } from "../domain/classification/classify";
import type { Ruleset } from "../domain/classification/ruleset";
import type { CategoryModel } from "../domain/classification/category-model";
import { decide, evolve, initialState, type CaseCommand, type CaseEvent, type CaseState, type DecisionContext, type OpenedCase } from "../domain/case-lifecycle";
import { computeDueDates, deskDueDates, type DeadlinePolicy } from "../domain/deadlines";
import { routeToCaseworker, type Caseworker } from "../domain/routing";
import { recordAssignments, type RoutingDirectory } from "../db/directory";
import { appendTimeline, reviveCase, saveCases, type CaseExtras } from "../db/cases";
import { saveRepeatCounts } from "../db/statistics";
import { toWire } from "../commands/wire";

const CASE_NAMESPACE = "5b0c8f2e-3c41-4f7a-9d3e-0a7c1f6e2b90";

/** One case per grievance that opens one, with an id derived from it (UUIDv5), so a replay opens the same case. */
export function caseIdFor(grievanceId: string): string {
  return uuidv5(grievanceId, CASE_NAMESPACE);
}

export interface TriageRules {
  ruleset: Ruleset;
  /** Decides the category with a confidence; below its threshold a non-P1 grievance goes to the triage desk. */
  categoryModel?: CategoryModel;
  policy: DeadlinePolicy;
  repeatWindowDays: number;
  relatedWindowDays: number;
  relatedSimilarity: number;
  /** A case whose caller has come back this many times is raised to at least P2. */
  repeatsForP2: number;
}

/** The related-grievance search compares a description with at most this many of its division's latest cases. */
export const RELATED_CANDIDATES = 200;

const system: DecisionContext["actor"] = { id: "triage", role: "system" };
const DAY_MS = 24 * 3600_000;

interface Related {
  caseId: string;
  grievanceId: string;
  similarity: number;
}

/** A caller's open case, as the repeat check needs it. */
interface OpenCase {
  state: OpenedCase;
  phoneHash: string;
  repeatCount: number;
}

/** What the batch writes, gathered while deciding and written once at the end. */
class BatchWrites {
  readonly cases = new Map<string, { state: OpenedCase; extras?: CaseExtras }>();
  readonly repeatCounts = new Map<string, number>();
  readonly links: { caseId: string; grievanceId: string; kind: "repeat" | "related"; relatedCaseId: string | null; similarity: number | null }[] = [];
  readonly events: OutgoingEvent[] = [];
  /** For each case event in `events`, its timeline entry. */
  readonly timeline: { index: number; caseId: string; event: CaseEvent; version: number }[] = [];
  readonly assignments: { caseworkerId: string; district: string; at: Date }[] = [];
  constructor(readonly now: Date) {}
}

export function onGrievancesReceived(rt: ServiceRuntime, rules: TriageRules, directory: RoutingDirectory): BatchHandler {
  return async (client, messages) => {
    const now = new Date();
    await lockDistricts(client, messages.map((m) => partitionKeyFor((m.event.data as GrievanceReceivedV1).divisionCode)));
    const grievances = await unknownGrievances(client, messages);
    if (grievances.length === 0) return;
    const classified = grievances.map((g) => ({
      g,
      phoneHash: g.complainant.anonymous ? null : g.complainant.phoneHash,
      classification: classify({ text: g.description, ...(g.hints ? { hints: g.hints } : {}) }, rules.ruleset, rules.categoryModel),
    }));

    // Which grievances join a caller's open case: those in the database, and those opened earlier in this batch.
    const open = await openCasesOfCallers(client, classified.flatMap((c) => (c.phoneHash ? [{ phoneHash: c.phoneHash, district: partitionKeyFor(c.g.divisionCode) }] : [])));
    const opening: typeof classified = [];
    const repeatOf = new Map<string, OpenCase | undefined>();
    for (const c of classified) {
      const joined = c.phoneHash ? repeatTarget(open, c.phoneHash, c.classification.category, c.g, rules.repeatWindowDays) : undefined;
      if (joined) {
        repeatOf.set(c.g.grievanceId, joined);
        continue;
      }
      opening.push(c);
      if (c.phoneHash) {
        // Stands in for the case this grievance opens, so the caller's next grievance in the batch joins it.
        const state = { ...(evolveAll(initialState, openingEvents(c.g, now)) as OpenedCase), classification: { category: c.classification.category, urgency: c.classification.urgency, signals: [], rulesetVersion: c.classification.rulesetVersion } };
        open.push({ state, phoneHash: c.phoneHash, repeatCount: 0 });
      }
    }

    const related = await relatedCases(client, rules, opening.map((c) => ({ g: c.g, phoneHash: c.phoneHash })));
    const loads = await directory.loadsFor(client, opening.map((c) => c.g.divisionCode));
    const writes = new BatchWrites(now);
    const traceOf = new Map(messages.map((m) => [(m.event.data as GrievanceReceivedV1).grievanceId, m.traceparent]));
    for (const c of classified) {
      const first = writes.events.length;
      const target = repeatOf.get(c.g.grievanceId);
      if (target) linkRepeat(writes, rules, target, c.g, c.classification, now);
      else openCase(rt, writes, rules, directory, loads, c.g, c.phoneHash, c.classification, related.get(c.g.grievanceId) ?? [], now);
      // What this grievance caused continues its trace (the consumer span of its event).
      const traceparent = traceOf.get(c.g.grievanceId);
      if (traceparent) for (const e of writes.events.slice(first)) e.opts = { ...e.opts, traceparent };
    }
    await save(client, rt, writes);
  };
}

/**
 * Each district is decided by one partition's consumer, so in steady state nobody else holds
 * these locks and taking them costs one statement a batch. While partitions are added or a
 * district's key changes, the district's grievances can sit on two partitions at once; then the
 * lock makes their transactions take turns, and each reads what the other committed.
 */
async function lockDistricts(client: PoolClient, districts: string[]): Promise<void> {
  await client.query(
    "SELECT count(pg_advisory_xact_lock(hashtext('triage.district:' || d))) FROM (SELECT DISTINCT d FROM unnest($1::text[]) AS d ORDER BY d) AS districts",
    [districts],
  );
}

/** The batch's grievances that no case knows yet, each once (a replay by hand may send one under another event id). */
async function unknownGrievances(client: PoolClient, messages: BatchMessage[]): Promise<GrievanceReceivedV1[]> {
  const all = messages.map((m) => m.event.data as GrievanceReceivedV1);
  const { rows } = await client.query<{ grievance_id: string }>(
    `SELECT grievance_id::text FROM cases WHERE id = ANY($1::uuid[])
     UNION ALL SELECT grievance_id::text FROM case_links WHERE grievance_id = ANY($2::uuid[]) AND kind = 'repeat'`,
    [all.map((g) => caseIdFor(g.grievanceId)), all.map((g) => g.grievanceId)],
  );
  const seen = new Set(rows.map((r) => r.grievance_id));
  return all.filter((g) => !seen.has(g.grievanceId) && (seen.add(g.grievanceId), true));
}

/**
 * The open cases of these callers in these districts, locked against the case actions. Only
 * the grievance's own district is searched: a case in another district belongs to another
 * partition, and writing it from here would give its row two writers.
 */
async function openCasesOfCallers(client: PoolClient, callers: { phoneHash: string; district: string }[]): Promise<OpenCase[]> {
  if (callers.length === 0) return [];
  const { rows } = await client.query<{ state: Record<string, unknown>; phone_hash: string; repeat_count: number }>(
    `SELECT c.state, c.phone_hash, c.repeat_count FROM cases c
     JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k (phone_hash, district)) k
       ON c.phone_hash = k.phone_hash AND left(c.division_code, 6) = k.district
     WHERE c.status NOT IN ('resolved', 'closed') AND c.state IS NOT NULL
     ORDER BY c.id FOR UPDATE OF c`,
    [callers.map((c) => c.phoneHash), callers.map((c) => c.district)],
  );
  return rows.map((r) => ({ state: reviveCase(r.state), phoneHash: r.phone_hash, repeatCount: r.repeat_count }));
}

/** The caller's latest open case about the same matter in the grievance's district within the repeat window. */
function repeatTarget(open: OpenCase[], phoneHash: string, category: string, g: GrievanceReceivedV1, windowDays: number): OpenCase | undefined {
  const since = new Date(g.receivedAt).getTime() - windowDays * DAY_MS;
  const district = partitionKeyFor(g.divisionCode);
  let best: OpenCase | undefined;
  for (const o of open) {
    if (o.phoneHash !== phoneHash || o.state.classification?.category !== category || partitionKeyFor(o.state.divisionCode) !== district) continue;
    if (o.state.status === "resolved" || o.state.status === "closed" || o.state.receivedAt.getTime() <= since) continue;
    if (!best || o.state.receivedAt > best.state.receivedAt) best = o;
  }
  return best;
}

/**
 * Cases similar to each grievance (another caller, the same division, within the window), in
 * one statement: among the division's latest RELATED_CANDIDATES cases, so the cost does not
 * grow with the table, and among the grievances earlier in the batch.
 */
async function relatedCases(client: PoolClient, rules: TriageRules, grievances: { g: GrievanceReceivedV1; phoneHash: string | null }[]): Promise<Map<string, Related[]>> {
  const found = new Map<string, Related[]>();
  if (grievances.length === 0) return found;
  const { rows } = await client.query<{ i: number; case_id: string; grievance_id: string; sim: number }>(
    `WITH g AS (SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::uuid[])
                  AS g (i, description, division_code, received_at, phone_hash, grievance_id))
     SELECT g.i, r.id::text AS case_id, r.grievance_id::text, r.sim FROM g CROSS JOIN LATERAL (
       SELECT recent.id, recent.grievance_id, similarity(recent.description, g.description) AS sim FROM (
         SELECT c.id, c.grievance_id, c.description, c.phone_hash FROM cases c
         WHERE c.division_code = g.division_code AND c.received_at > g.received_at - make_interval(days => $7)
         ORDER BY c.received_at DESC LIMIT ${RELATED_CANDIDATES}
       ) recent
       WHERE (g.phone_hash IS NULL OR recent.phone_hash IS DISTINCT FROM g.phone_hash)
     ) r WHERE r.sim >= $8
     UNION ALL
     SELECT g.i, NULL, e.grievance_id::text, similarity(e.description, g.description) FROM g JOIN g e
       ON e.i < g.i AND e.division_code = g.division_code AND e.received_at > g.received_at - make_interval(days => $7)
       AND (g.phone_hash IS NULL OR e.phone_hash IS DISTINCT FROM g.phone_hash)
     WHERE similarity(e.description, g.description) >= $8`,
    [
      grievances.map((_, i) => i), grievances.map((x) => x.g.description), grievances.map((x) => x.g.divisionCode),
      grievances.map((x) => x.g.receivedAt), grievances.map((x) => x.phoneHash), grievances.map((x) => x.g.grievanceId),
      rules.relatedWindowDays, rules.relatedSimilarity,
    ],
  );
  for (const r of rows) {
    const g = grievances[r.i]!.g;
    const list = found.get(g.grievanceId) ?? [];
    list.push({ caseId: r.case_id ?? caseIdFor(r.grievance_id), grievanceId: r.grievance_id, similarity: Math.round(r.sim * 1000) / 1000 });
    found.set(g.grievanceId, list);
  }
  for (const [id, list] of found) found.set(id, list.sort((a, b) => b.similarity - a.similarity || (a.caseId < b.caseId ? -1 : 1)).slice(0, 5));
  return found;
}

function openingEvents(g: GrievanceReceivedV1, now: Date): CaseEvent[] {
  const decision = decide(
    { type: "open", caseId: caseIdFor(g.grievanceId), grievanceId: g.grievanceId, trackingCode: g.trackingCode, divisionCode: g.divisionCode, language: g.language, receivedAt: new Date(g.receivedAt) },
    initialState,
    { now, actor: system },
  );
  if (!decision.ok) throw new Error(`triage refused to open a case: ${decision.refusal.message}`);
  return decision.events;
}

function evolveAll(state: CaseState, events: CaseEvent[]): CaseState {
  return events.reduce(evolve, state);
}

function deskCandidates(c: Classification): RiskSignal[] {
  return (c.reasons.categoryModel?.candidates ?? []).map((k) => ({ rule: `model.category.${k.category}`, matched: `${Math.round(k.probability * 100)}%: ${k.evidence.map((e) => e.matched).join(", ")}` }));
}

function linkRepeat(writes: BatchWrites, rules: TriageRules, target: OpenCase, g: GrievanceReceivedV1, classification: Classification, now: Date): void {
  const state = writes.cases.get(target.state.caseId)?.state ?? target.state;
  const repeatCount = (writes.repeatCounts.get(state.caseId) ?? target.repeatCount) + 1;
  let raised = moreUrgent(state.classification?.urgency ?? "P3", classification.urgency);
  if (repeatCount >= rules.repeatsForP2) raised = moreUrgent(raised, "P2");
  writes.repeatCounts.set(state.caseId, repeatCount);
  writes.links.push({ caseId: state.caseId, grievanceId: g.grievanceId, kind: "repeat", relatedCaseId: null, similarity: null });
  if (state.classification && raised !== state.classification.urgency) {
    // The caller coming back raises attention on the case they already have.
    const updated = { ...state, classification: { ...state.classification, urgency: raised } };
    writes.cases.set(state.caseId, { ...writes.cases.get(state.caseId), state: updated });
    target.state = updated;
  }
  writes.events.push({
    type: "grievance.linked.v1",
    data: { caseId: state.caseId, grievanceId: state.grievanceId, occurredAt: now.toISOString(), actor: system, kind: "repeat", linkedGrievanceId: g.grievanceId, repeatCount, urgency: raised },
    opts: { key: partitionKeyFor(state.divisionCode) },
  });
}

function openCase(
  rt: ServiceRuntime,
  writes: BatchWrites,
  rules: TriageRules,
  directory: RoutingDirectory,
  loads: Map<string, Pick<Caseworker, "openCases" | "lastAssignedAt">>,
  g: GrievanceReceivedV1,
  phoneHash: string | null,
  classification: Classification,
  related: Related[],
  now: Date,
): void {
  const signals: RiskSignal[] = classification.signals.flatMap((s) => (s.kind === "urgency" ? [{ rule: s.rule, level: s.level, matched: s.matched }] : []));
  // For the triager: the three likeliest categories, each with the words that carried it.
  if (classification.needsReview) signals.push(...deskCandidates(classification));
  let urgency = classification.urgency;
  if (related.length > 0) {
    signals.push({ rule: "p2.group-dispute", level: "P2", matched: `similar to ${related.length} other grievance(s) in ${g.divisionCode} within ${rules.relatedWindowDays} days` });
    urgency = moreUrgent(urgency, "P2");
  }
  const caseId = caseIdFor(g.grievanceId);
  const commands: CaseCommand[] = [
    { type: "open", caseId, grievanceId: g.grievanceId, trackingCode: g.trackingCode, divisionCode: g.divisionCode, language: g.language, receivedAt: new Date(g.receivedAt) },
    {
      type: "triage", category: classification.category, urgency, signals, rulesetVersion: classification.rulesetVersion,
      ...(classification.modelVersion === undefined ? {} : { modelVersion: classification.modelVersion }),
      ...(classification.confidence === undefined ? {} : { confidence: classification.confidence }),
    },
  ];
  const teams = directory.teamsCovering(g.divisionCode);
  const caseworkers = directory.caseworkersOf(teams.map((t) => t.id)).map((c) => ({ ...c, openCases: 0, lastAssignedAt: null, ...loads.get(c.id) }));
  const routing = routeToCaseworker({ divisionCode: g.divisionCode, category: classification.category, language: g.language, urgency, needsReview: classification.needsReview }, teams, caseworkers);
  const reason = routing.reasons.join("; ");
  if (routing.kind === "caseworker") {
    const dueDates = routing.team.desk ? deskDueDates(urgency, new Date(g.receivedAt), rules.policy) : computeDueDates(urgency, new Date(g.receivedAt), rules.policy);
    commands.push({ type: "assign", team: routing.team, caseworkerId: routing.caseworker.id, dueDates, reason });
    // The next grievance of the batch sees this one in the caseworker's load.
    loads.set(routing.caseworker.id, { openCases: routing.caseworker.openCases + 1, lastAssignedAt: now });
    writes.assignments.push({ caseworkerId: routing.caseworker.id, district: partitionKeyFor(g.divisionCode), at: now });
  } else if (routing.kind === "team_queue") {
    commands.push({ type: "queue", team: routing.team, reason });
  } else {
    rt.logger.warn({ caseId, divisionCode: g.divisionCode, category: classification.category }, "no team covers this grievance; it waits unrouted");
  }

  let state: CaseState = initialState;
  const key = partitionKeyFor(g.divisionCode);
  for (const command of commands) {
    const decision = decide(command, state, { now, actor: system });
    if (!decision.ok) throw new Error(`triage refused its own decision: ${decision.refusal.message}`);
    for (const event of decision.events) {
      state = evolve(state, event);
      const after = state as OpenedCase;
      const wire = toWire(event, after, { alertSupervisor: routing.alertSupervisor });
      writes.timeline.push({ index: writes.events.length, caseId, event, version: after.version });
      writes.events.push({ type: wire.type, data: wire.data, opts: { time: event.occurredAt, key } } as OutgoingEvent);
    }
  }
  writes.cases.set(caseId, { state: state as OpenedCase, extras: { phoneHash, description: g.description } });

  for (const r of related) {
    writes.links.push({ caseId, grievanceId: g.grievanceId, kind: "related", relatedCaseId: r.caseId, similarity: r.similarity });
    writes.events.push({
      type: "grievance.linked.v1",
      data: { caseId, grievanceId: g.grievanceId, occurredAt: now.toISOString(), actor: system, kind: "related", linkedGrievanceId: r.grievanceId, repeatCount: 0, similarity: r.similarity, urgency },
      opts: { key },
    });
  }
}

/** Everything the batch decided, one statement per table. */
async function save(client: PoolClient, rt: ServiceRuntime, writes: BatchWrites): Promise<void> {
  await saveCases(client, [...writes.cases.values()]);
  await saveRepeatCounts(client, writes.repeatCounts);
  if (writes.links.length > 0) {
    const l = writes.links;
    await client.query(
      `INSERT INTO case_links (case_id, grievance_id, kind, related_case_id, similarity, linked_at)
       SELECT *, $6::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::real[]) ON CONFLICT DO NOTHING`,
      [l.map((x) => x.caseId), l.map((x) => x.grievanceId), l.map((x) => x.kind), l.map((x) => x.relatedCaseId), l.map((x) => x.similarity), writes.now],
    );
  }
  const eventIds = writes.events.length > 0 ? await enqueueEvents(client, rt.outbox, writes.events) : [];
  await appendTimeline(client, writes.timeline.map((t) => ({ caseId: t.caseId, eventId: eventIds[t.index]!, event: t.event, version: t.version })));
  await recordAssignments(client, writes.assignments);
}
