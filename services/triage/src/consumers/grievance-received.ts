// grievance.received -> classified, linked to an open case of the same caller in the same
// district (repeat) or opened as a new case, routed to the most local caseworker. A partition's
// batch (one district or several, never a district split between partitions) is applied in one
// transaction: the state it needs read with one statement per table, each grievance decided in
// order by the pure functions, and everything written with one statement per table.
import { v5 as uuidv5 } from "uuid";
import { announceOutboxOnCommit, erasedMarker, outboxRows, preparingBatchHandler, type BatchMessage, type DecodedEvent, type Keyring, openReceived, type OutgoingEvent, type PoolClient, type PreparingBatchHandler, type ServiceRuntime } from "@grievance-hub/kit";
import { dataSubjectOf, moreUrgent, partitionKeyFor, type GrievanceReceivedV1, type GrievanceReceivedV2, type RiskSignal } from "@grievance-hub/schema";
import { classify, type Classification } from "../domain/classification/classify";
import type { Ruleset } from "../domain/classification/ruleset";
import type { CategoryModel } from "../domain/classification/category-model";
import { decide, evolve, initialState, type CaseCommand, type CaseEvent, type CaseState, type DecisionContext, type OpenedCase } from "../domain/case-lifecycle";
import { computeDueDates, deskDueDates, type DeadlinePolicy } from "../domain/deadlines";
import { routeToCaseworker, type Caseworker } from "../domain/routing";
import { assignmentsUpsert, caseworkerLoadsSql, type CaseworkerLoadRow, type RoutingDirectory } from "../db/directory";
import { reviveCase, saveCases, timelineInsert, type CaseExtras } from "../db/cases";
import { toWire } from "../commands/wire";
import { descriptionSignature } from "../domain/signature";

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

export interface Related {
  caseId: string;
  grievanceId: string;
  similarity: number;
  /** A grievance earlier in the same batch, not a case already saved. */
  inBatch: boolean;
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
  /** The state of each case a repeat joined, saved with its new repeat count. */
  readonly repeatStates = new Map<string, OpenedCase>();
  readonly links: { caseId: string; grievanceId: string; kind: "repeat" | "related"; relatedCaseId: string | null; similarity: number | null }[] = [];
  readonly events: OutgoingEvent[] = [];
  /** For each case event in `events`, its timeline entry. */
  readonly timeline: { index: number; caseId: string; event: CaseEvent; version: number }[] = [];
  readonly assignments: { caseworkerId: string; district: string; at: Date }[] = [];
  constructor(readonly now: Date) {}
}

/** Seals a personal value of the grievance's person for a field (named as the property that holds it). */
type Seal = (field: string, plaintext: string) => string;

/** What a grievance needs before its batch's transaction: its classification, its person's sealer and its description's signature. */
export interface PreparedGrievance {
  /** The grievance with its personal fields open (a v2 event opened as v1). */
  g: GrievanceReceivedV1;
  classification: Classification;
  seal: Seal;
  /** The description sealed: a v2 event's own sealed value, so a rebuild keeps the same bytes. */
  description: string;
  signature: number[];
}

/** The subject of triage's own key, from which the description signatures' secret is derived. */
export const SIGNATURE_KEY_SUBJECT = "service:triage";

/**
 * A grievance.received event (v1, or v2 with its fields sealed) opened, with its person's sealer,
 * its description sealed and its description's signature. For an erased person (their grievance
 * opens as the marker) every value is the marker and no key is made.
 */
export async function sealingFor(keyring: Keyring, event: DecodedEvent, signatureSecret: () => Promise<Buffer>): Promise<Omit<PreparedGrievance, "classification">> {
  const opened = await openReceived(keyring, event);
  const g = opened.data as GrievanceReceivedV1;
  if (g.description === erasedMarker) return { g, seal: () => erasedMarker, description: erasedMarker, signature: [] };
  const [seal, secret] = await Promise.all([keyring.sealerFor(dataSubjectOf(g)), signatureSecret()]);
  const description = (opened.sealed as GrievanceReceivedV2 | undefined)?.description ?? seal("description", g.description);
  return { g, seal, description, signature: descriptionSignature(g.description, secret) };
}

/** Triage's secret for description signatures, read once (again after a failure). */
export function signatureSecretOf(keyring: Keyring): () => Promise<Buffer> {
  let secret: Promise<Buffer> | undefined;
  return () =>
    (secret ??= keyring.serviceSecret(SIGNATURE_KEY_SUBJECT, "description-signature").catch((err: unknown) => {
      secret = undefined;
      throw err;
    }));
}

export function onGrievancesReceived(rt: ServiceRuntime, rules: TriageRules, directory: RoutingDirectory): PreparingBatchHandler<PreparedGrievance> {
  const signatureSecret = signatureSecretOf(rt.keyring);
  return preparingBatchHandler({
    // Classifying is the CPU of a grievance, and sealing needs the person's key: both done before
    // the transaction opens, so the batch's locks and connection are held only for its reads and writes.
    // Takes v1 and v2 events: a v2 is opened here, before the transaction, so the keyring's reads never hold it open.
    prepare: async (event) => {
      const sealing = await sealingFor(rt.keyring, event, signatureSecret);
      const { g } = sealing;
      return { ...sealing, classification: classify({ text: g.description, ...(g.hints ? { hints: g.hints } : {}) }, rules.ruleset, rules.categoryModel) };
    },
    apply: (client, messages) => applyGrievances(client, rt, rules, directory, messages),
  });
}

async function applyGrievances(client: PoolClient, rt: ServiceRuntime, rules: TriageRules, directory: RoutingDirectory, messages: (BatchMessage<PreparedGrievance> & { prepared: PreparedGrievance })[]): Promise<void> {
  const now = new Date();
  // Each grievance once, with what was prepared for it.
  const batch = new Map<string, { g: GrievanceReceivedV1; prepared: PreparedGrievance }>();
  for (const m of messages) {
    const { g } = m.prepared;
    if (!batch.has(g.grievanceId)) batch.set(g.grievanceId, { g, prepared: m.prepared });
  }
  const read = await readBatchState(client, rules, directory, [...batch.values()]);
  const classified = [...batch.values()]
    .filter(({ g }) => !read.known.has(g.grievanceId))
    .map(({ g, prepared }) => ({ g, phoneHash: g.complainant.anonymous ? null : g.complainant.phoneHash, classification: prepared.classification, prepared }));
  if (classified.length === 0) return;

  // Which grievances join a caller's open case: those in the database, and those opened earlier in this batch.
  const open = read.open;
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

  const openingIds = new Set(opening.map((c) => c.g.grievanceId));
  const loads = read.loads ?? (await directory.loadsFor(client, opening.map((c) => c.g.divisionCode)));
  const writes = new BatchWrites(now);
  const traceOf = new Map(messages.map((m) => [m.prepared.g.grievanceId, m.traceparent]));
  for (const c of classified) {
    const first = writes.events.length;
    const target = repeatOf.get(c.g.grievanceId);
    if (target) linkRepeat(writes, rules, target, c.g, c.classification, now);
    else openCase(rt, writes, rules, directory, loads, c.g, c.phoneHash, c.prepared, relatedAmong(read.related.get(c.g.grievanceId), openingIds), now);
    // What this grievance caused continues its trace (the consumer span of its event).
    const traceparent = traceOf.get(c.g.grievanceId);
    if (traceparent) for (const e of writes.events.slice(first)) e.opts = { ...e.opts, traceparent };
  }
  await save(client, rt, writes);
}

/**
 * Each district is decided by one partition's consumer, so in steady state nobody else holds
 * these locks, taken with the batch's inbox rows, and they cost nothing. While partitions are added or a
 * district's key changes, the district's grievances can sit on two partitions at once; then the
 * lock makes their transactions take turns, and each reads what the other committed.
 */
export function districtLockKey(event: DecodedEvent): string {
  return `triage.district:${partitionKeyFor((event.data as GrievanceReceivedV1).divisionCode)}`;
}

/**
 * A cheap test that two signatures can reach the similarity `threshold` at all: the share of
 * trigrams in common is at most the smaller signature's size over the larger's. Checked before
 * the intersection, which is most of the related search's cost (a few microseconds a pair, up to
 * RELATED_CANDIDATES pairs a grievance); it changes no result.
 */
function similarEnoughInSize(a: string, b: string, threshold: string): string {
  return `least(cardinality(${a}), cardinality(${b})) >= ${threshold}::float8 * greatest(cardinality(${a}), cardinality(${b}))`;
}

/** What a batch reads before deciding, all in one statement. */
interface BatchState {
  /** Grievances some case already knows (opened one, or linked as a repeat): a replay by hand may send one under another event id. */
  known: Set<string>;
  open: OpenCase[];
  /** Similar grievances of each, before the repeats of the batch are known (see `relatedAmong`). */
  related: Map<string, Related[]>;
  /** Undefined when the directory moved since it was last read. */
  loads: Map<string, Pick<Caseworker, "openCases" | "lastAssignedAt">> | undefined;
}

/**
 * In one statement: which of the batch's grievances some case knows; the open cases of its
 * callers in their districts, locked against the case actions (only the grievance's own
 * district: a case in another belongs to another partition, and writing it from here would give
 * its row two writers); the cases similar to each grievance (another caller, the same division,
 * within the window: among the division's latest RELATED_CANDIDATES cases, so the cost does not
 * grow with the table, and among the batch's earlier grievances); and the loads of the
 * caseworkers who may be given one, with the directory's version.
 */
async function readBatchState(client: PoolClient, rules: TriageRules, directory: RoutingDirectory, batch: { g: GrievanceReceivedV1; prepared: PreparedGrievance }[]): Promise<BatchState> {
  const grievances = batch.map((b) => b.g);
  const phoneHash = (g: GrievanceReceivedV1) => (g.complainant.anonymous ? null : g.complainant.phoneHash);
  const { rows } = await client.query<{ part: "known" | "open" | "related" | "load"; facts: Record<string, unknown> }>(
    `WITH g AS (SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::uuid[], $7::uuid[], $8::text[])
                  AS g (i, signature, division_code, received_at, phone_hash, grievance_id, case_id, district)),
     known AS (SELECT grievance_id FROM cases WHERE id IN (SELECT case_id FROM g)
               UNION ALL SELECT grievance_id FROM case_links WHERE grievance_id IN (SELECT grievance_id FROM g) AND kind = 'repeat'),
     fresh AS (SELECT *, signature::int[] AS sig FROM g WHERE grievance_id NOT IN (SELECT grievance_id FROM known)),
     open AS (SELECT c.state, c.phone_hash, c.repeat_count FROM cases c
              JOIN (SELECT DISTINCT phone_hash, district FROM fresh WHERE phone_hash IS NOT NULL) k
                ON c.phone_hash = k.phone_hash AND left(c.division_code, 6) = k.district
              WHERE c.status NOT IN ('resolved', 'closed') AND c.state IS NOT NULL
              ORDER BY c.id FOR UPDATE OF c),
     related AS (
       SELECT g.i, r.id AS case_id, r.grievance_id, r.sim FROM fresh g CROSS JOIN LATERAL (
         SELECT recent.id, recent.grievance_id, signature_similarity(recent.description_signature, g.sig) AS sim FROM (
           SELECT c.id, c.grievance_id, c.description_signature, c.phone_hash FROM cases c
           WHERE c.division_code = g.division_code AND c.received_at > g.received_at - make_interval(days => $9)
           ORDER BY c.received_at DESC LIMIT ${RELATED_CANDIDATES}
         ) recent
         WHERE (g.phone_hash IS NULL OR recent.phone_hash IS DISTINCT FROM g.phone_hash)
           AND ${similarEnoughInSize("recent.description_signature", "g.sig", "$10")}
       ) r WHERE r.sim >= $10
       UNION ALL
       SELECT g.i, NULL, e.grievance_id, signature_similarity(e.sig, g.sig) FROM fresh g JOIN fresh e
         ON e.i < g.i AND e.division_code = g.division_code AND e.received_at > g.received_at - make_interval(days => $9)
         AND (g.phone_hash IS NULL OR e.phone_hash IS DISTINCT FROM g.phone_hash)
       WHERE ${similarEnoughInSize("e.sig", "g.sig", "$10")} AND signature_similarity(e.sig, g.sig) >= $10),
     loads AS (${caseworkerLoadsSql("$11")})
     SELECT 'known' AS part, jsonb_build_object('grievanceId', grievance_id) AS facts FROM known
     UNION ALL SELECT 'open', jsonb_build_object('state', state, 'phoneHash', phone_hash, 'repeatCount', repeat_count) FROM open
     UNION ALL SELECT 'related', jsonb_build_object('i', i, 'caseId', case_id, 'grievanceId', grievance_id, 'sim', sim) FROM related
     UNION ALL SELECT 'load', to_jsonb(loads) FROM loads`,
    [
      grievances.map((_, i) => i), batch.map((b) => `{${b.prepared.signature.join(",")}}`), grievances.map((g) => g.divisionCode), grievances.map((g) => g.receivedAt),
      grievances.map(phoneHash), grievances.map((g) => g.grievanceId), grievances.map((g) => caseIdFor(g.grievanceId)), grievances.map((g) => partitionKeyFor(g.divisionCode)),
      rules.relatedWindowDays, rules.relatedSimilarity, directory.caseworkerIdsFor(grievances.map((g) => g.divisionCode)),
    ],
  );
  const state: BatchState = { known: new Set(), open: [], related: new Map(), loads: undefined };
  const loadRows: CaseworkerLoadRow[] = [];
  for (const { part, facts } of rows) {
    if (part === "known") state.known.add(facts.grievanceId as string);
    else if (part === "open") state.open.push({ state: reviveCase(facts.state as Record<string, unknown>), phoneHash: facts.phoneHash as string, repeatCount: facts.repeatCount as number });
    else if (part === "load") loadRows.push(facts as unknown as CaseworkerLoadRow);
    else {
      const g = grievances[facts.i as number]!;
      const grievanceId = facts.grievanceId as string;
      const list = state.related.get(g.grievanceId) ?? [];
      list.push({ caseId: (facts.caseId as string | null) ?? caseIdFor(grievanceId), grievanceId, similarity: Math.round((facts.sim as number) * 1000) / 1000, inBatch: facts.caseId === null });
      state.related.set(g.grievanceId, list);
    }
  }
  state.loads = directory.loadsAt(loadRows);
  return state;
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
 * The five most similar of a grievance that opens a case: a grievance earlier in the batch
 * counts only when it opened a case too (a repeat joined its caller's case instead).
 */
export function relatedAmong(found: Related[] | undefined, opening: Set<string>): Related[] {
  return (found ?? [])
    .filter((r) => !r.inBatch || opening.has(r.grievanceId))
    .sort((a, b) => b.similarity - a.similarity || (a.caseId < b.caseId ? -1 : 1))
    .slice(0, 5);
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

function deskCandidates(c: Classification, seal: Seal): RiskSignal[] {
  return (c.reasons.categoryModel?.candidates ?? []).map((k) => ({ rule: `model.category.${k.category}`, matched: seal("matched", `${Math.round(k.probability * 100)}%: ${k.evidence.map((e) => e.matched).join(", ")}`) }));
}

function linkRepeat(writes: BatchWrites, rules: TriageRules, target: OpenCase, g: GrievanceReceivedV1, classification: Classification, now: Date): void {
  const state = writes.cases.get(target.state.caseId)?.state ?? target.state;
  const repeatCount = (writes.repeatCounts.get(state.caseId) ?? target.repeatCount) + 1;
  let raised = moreUrgent(state.classification?.urgency ?? "P3", classification.urgency);
  if (repeatCount >= rules.repeatsForP2) raised = moreUrgent(raised, "P2");
  writes.repeatCounts.set(state.caseId, repeatCount);
  writes.repeatStates.set(state.caseId, state);
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
  { classification, seal, description, signature }: PreparedGrievance,
  related: Related[],
  now: Date,
): void {
  // The words a signal matched are the caller's: kept and published sealed like the description.
  const signals: RiskSignal[] = classification.signals.flatMap((s) => (s.kind === "urgency" ? [{ rule: s.rule, level: s.level, matched: seal("matched", s.matched) }] : []));
  // For the triager: the three likeliest categories, each with the words that carried it.
  if (classification.needsReview) signals.push(...deskCandidates(classification, seal));
  let urgency = classification.urgency;
  if (related.length > 0) {
    signals.push({ rule: "p2.group-dispute", level: "P2", matched: seal("matched", `similar to ${related.length} other grievance(s) in ${g.divisionCode} within ${rules.relatedWindowDays} days`) });
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
  writes.cases.set(caseId, { state: state as OpenedCase, extras: { phoneHash, description, signature } });

  for (const r of related) {
    writes.links.push({ caseId, grievanceId: g.grievanceId, kind: "related", relatedCaseId: r.caseId, similarity: r.similarity });
    writes.events.push({
      type: "grievance.linked.v1",
      data: { caseId, grievanceId: g.grievanceId, occurredAt: now.toISOString(), actor: system, kind: "related", linkedGrievanceId: r.grievanceId, repeatCount: 0, similarity: r.similarity, urgency },
      opts: { key },
    });
  }
}

/**
 * Everything the batch decided in two statements: the cases (with the repeat counts), then the
 * links, outbox rows, timeline and last assignments together as data-modifying CTEs.
 */
async function save(client: PoolClient, rt: ServiceRuntime, writes: BatchWrites): Promise<void> {
  const cases = new Map(writes.cases);
  for (const [caseId, state] of writes.repeatStates) if (!cases.has(caseId)) cases.set(caseId, { state });
  await saveCases(client, [...cases].map(([caseId, c]) => ({ ...c, repeatCount: writes.repeatCounts.get(caseId) ?? 0 })));
  const outbox = outboxRows(rt.outbox, writes.events);
  const l = writes.links;
  const linkParams = [l.map((x) => x.caseId), l.map((x) => x.grievanceId), l.map((x) => x.kind), l.map((x) => x.relatedCaseId), l.map((x) => x.similarity), writes.now];
  const p = (i: number) => `$${outbox.params.length + i + 1}`;
  const timeline = timelineInsert(
    writes.timeline.map((t) => ({ caseId: t.caseId, eventId: outbox.eventIds[t.index]!, event: t.event, version: t.version })),
    outbox.params.length + linkParams.length + 1,
  );
  const assignments = assignmentsUpsert(writes.assignments, outbox.params.length + linkParams.length + timeline.params.length + 1);
  await client.query(
    `WITH outbox AS (INSERT INTO ${rt.outbox.schema}.outbox (${outbox.columns}) SELECT * FROM ${outbox.rows}),
       links AS (INSERT INTO case_links (case_id, grievance_id, kind, related_case_id, similarity, linked_at)
         SELECT *, ${p(5)}::timestamptz FROM unnest(${p(0)}::uuid[], ${p(1)}::uuid[], ${p(2)}::text[], ${p(3)}::uuid[], ${p(4)}::real[]) ON CONFLICT DO NOTHING),
       timeline AS (${timeline.sql}),
       assignments AS (${assignments.sql})
     SELECT 1`,
    [...outbox.params, ...linkParams, ...timeline.params, ...assignments.params],
  );
  await announceOutboxOnCommit(rt.outbox, client);
}
