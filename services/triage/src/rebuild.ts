// Rebuilds triage's case projection from the topics while the service is stopped: the
// grievances topic gives each case's caller hash and description, triage's own case events
// give everything else. The decisions are not taken again; their events are replayed.
// From the beginning the projection is emptied first; from a timestamp only events not yet
// in the projection (by event id) are applied.
import type { Kafka } from "kafkajs";
import { replayTopics, type Keyring, type Logger, type Pool, type PoolClient } from "@grievance-hub/kit";
import { Topics, type GrievanceReceivedV1, type Urgency } from "@grievance-hub/schema";
import { evolve, initialState, type CaseEvent, type OpenedCase } from "./domain/case-lifecycle";
import { reviveCase, saveCases, timelineInsert, type TimelineEntry } from "./db/cases";
import { fromWire } from "./commands/wire";
import { caseIdFor, sealingFor, signatureSecretOf } from "./consumers/grievance-received";

interface Extras {
  phone_hash: string | null;
  /** sealed */
  description: string;
  signature: number[] | null;
  language: OpenedCase["language"];
  received_at: string;
}

/** Partitions applied at once: Postgres writes one district's batch while Node decodes another's. */
const concurrency = 3;

export async function rebuildTriage(opts: { pool: Pool; keyring: Keyring; kafka: Kafka; topicPrefix: string; liveGroupId: string; logger: Logger; from?: Date }): Promise<{ events: number; seconds: number }> {
  const started = Date.now();
  // The description sealed and its signature, as the live consumer keeps them: a table of the
  // rebuild's own (unlogged, dropped at the end), which every connection of the pool sees.
  await opts.pool.query("DROP TABLE IF EXISTS rebuild_grievances");
  await opts.pool.query("CREATE UNLOGGED TABLE rebuild_grievances (grievance_id uuid PRIMARY KEY, phone_hash text, description text NOT NULL, language text NOT NULL, received_at text NOT NULL, signature int[])");
  try {
    const signatureSecret = signatureSecretOf(opts.keyring);
    const grievances = await replayTopics({
      kafka: opts.kafka,
      topics: [opts.topicPrefix + Topics.grievancesInternal],
      liveGroupId: opts.liveGroupId,
      logger: opts.logger,
      concurrency,
      onBatch: async (batch) => {
        const rows = await Promise.all(batch.map(async ({ event }) => {
          const { g, description, signature } = await sealingFor(opts.keyring, event, signatureSecret);
          return { g, description, signature: `{${signature.join(",")}}` };
        }));
        await opts.pool.query(
          `INSERT INTO rebuild_grievances SELECT g, h, d, l, r, s::int[] FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u (g, h, d, l, r, s) ON CONFLICT DO NOTHING`,
          [rows.map(({ g }) => g.grievanceId), rows.map(({ g }) => (g.complainant.anonymous ? null : g.complainant.phoneHash)), rows.map((r) => r.description), rows.map(({ g }) => g.language), rows.map(({ g }) => g.receivedAt), rows.map((r) => r.signature)],
        );
      },
    });
    const cases = await replayTopics({
      kafka: opts.kafka,
      topics: [opts.topicPrefix + Topics.casesInternal],
      liveGroupId: opts.liveGroupId,
      logger: opts.logger,
      concurrency,
      // Cleared only once triage is known to be stopped (checked again: it may have started meanwhile).
      beforeReplay: async () => {
        if (!opts.from) await opts.pool.query("TRUNCATE case_timeline, case_links, deadline_reminders, session_reminders, statistics_published, case_statistics, cases");
      },
      ...(opts.from ? { from: opts.from } : {}),
      onBatch: async (batch) => {
        const client = await opts.pool.connect();
        try {
          await client.query("BEGIN");
          await applyCaseEvents(client, batch.map(({ event }) => ({ id: event.id, type: event.type, data: event.data as unknown as Record<string, unknown> })));
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
      },
    });
    return { events: grievances.events + cases.events, seconds: (Date.now() - started) / 1000 };
  } finally {
    await opts.pool.query("DROP TABLE IF EXISTS rebuild_grievances");
  }
}

/**
 * A batch of case events, set-based: the states of the cases it continues read with one
 * statement, the events evolved in order in memory, then the cases with one statement and the
 * timeline, links, reminders and published statistics with one more.
 */
async function applyCaseEvents(client: PoolClient, events: { id: string; type: string; data: Record<string, unknown> }[]): Promise<void> {
  const seen = new Set((await client.query<{ event_id: string }>("SELECT event_id FROM case_timeline WHERE event_id = ANY($1::uuid[])", [events.map((e) => e.id)])).rows.map((r) => r.event_id));
  const fresh = events.filter((e) => !seen.has(e.id));
  const openedFor = fresh.filter((e) => e.type === "case.opened.v1").map((e) => e.data.grievanceId as string);
  const openedHere = new Set(fresh.filter((e) => e.type === "case.opened.v1").map((e) => e.data.caseId as string));
  const continued = [...new Set(fresh.map((e) => e.data.caseId as string | undefined).filter((id): id is string => id !== undefined && !openedHere.has(id)))];
  // The cases continued are locked (in id order): should a case's events lie on two partitions
  // (a district re-keyed), the batches holding them take turns instead of overwriting each other.
  const { rows: known } = await client.query<{ part: "grievance" | "case"; id: string; facts: Record<string, unknown> }>(
    `WITH continued AS (SELECT id, state FROM cases WHERE id = ANY($2::uuid[]) AND state IS NOT NULL ORDER BY id FOR UPDATE)
     SELECT 'grievance' AS part, grievance_id::text AS id, jsonb_build_object('phone_hash', phone_hash, 'description', description, 'language', language, 'received_at', received_at, 'signature', signature) AS facts
       FROM rebuild_grievances WHERE grievance_id = ANY($1::uuid[])
     UNION ALL SELECT 'case', id::text, state FROM continued`,
    [openedFor, continued],
  );
  const grievances = new Map(known.flatMap((r) => (r.part === "grievance" ? [[r.id, r.facts as unknown as Extras] as const] : [])));
  const states = new Map<string, OpenedCase>(known.flatMap((r) => (r.part === "case" ? [[r.id, reviveCase(r.facts)] as const] : [])));
  const changed = new Set<string>();
  const created = new Map<string, Extras>();
  const repeatCounts = new Map<string, number>();
  const timeline: TimelineEntry[] = [];
  const links: { caseId: string; grievanceId: string; kind: string; relatedCaseId: string | null; similarity: number | null; at: string }[] = [];
  const reminders: { caseId: string; deadline: string; dueAt: string }[] = [];
  const sessionReminders: { caseId: string; sessionId: string; at: string }[] = [];
  const days: string[] = [];

  for (const e of fresh) {
    const caseId = e.data.caseId as string;
    if (e.type === "case.opened.v1") {
      const grievanceId = e.data.grievanceId as string;
      const g = grievances.get(grievanceId);
      if (!g) throw new Error(`case ${caseId} was opened for grievance ${grievanceId}, which is not on the grievances topic`);
      const opened: CaseEvent = {
        type: "case.opened", occurredAt: new Date(e.data.openedAt as string), actor: { id: "triage", role: "system" },
        caseId, grievanceId, trackingCode: e.data.trackingCode as string, divisionCode: e.data.divisionCode as string, language: g.language, receivedAt: new Date(g.received_at),
      };
      states.set(caseId, evolve(initialState, opened) as OpenedCase);
      changed.add(caseId);
      created.set(caseId, g);
      timeline.push({ caseId, eventId: e.id, event: opened, version: 1 });
      continue;
    }
    if (e.type === "grievance.linked.v1") {
      const d = e.data;
      if (d.kind === "repeat") {
        // A repeat may raise the case's urgency, in order with the case's other events.
        const state = states.get(caseId);
        if (state?.classification) states.set(caseId, { ...state, classification: { ...state.classification, urgency: d.urgency as Urgency } });
        if (state) changed.add(caseId);
        repeatCounts.set(caseId, d.repeatCount as number);
        links.push({ caseId, grievanceId: d.linkedGrievanceId as string, kind: "repeat", relatedCaseId: null, similarity: null, at: d.occurredAt as string });
      } else {
        links.push({ caseId, grievanceId: d.grievanceId as string, kind: "related", relatedCaseId: caseIdFor(d.linkedGrievanceId as string), similarity: (d.similarity as number | undefined) ?? null, at: d.occurredAt as string });
      }
      continue;
    }
    if (e.type === "case.deadline_approaching.v1") {
      reminders.push({ caseId, deadline: e.data.deadline as string, dueAt: e.data.dueAt as string });
      continue;
    }
    if (e.type === "statistics.published.v1") {
      days.push(e.data.day as string);
      continue;
    }
    if (e.type === "case.session_reminder_due.v1" || e.type === "case.session_reminder_due.v2") {
      sessionReminders.push({ caseId, sessionId: e.data.sessionId as string, at: e.data.at as string });
      continue;
    }
    const event = fromWire(e.type, e.data);
    if (!event) continue;
    const state = states.get(caseId);
    if (!state) throw new Error(`${e.type} ${e.id} for case ${caseId}, which was never opened`);
    const after = evolve(state, event) as OpenedCase;
    states.set(caseId, after);
    changed.add(caseId);
    timeline.push({ caseId, eventId: e.id, event, version: after.version });
  }
  await saveCases(
    client,
    [...changed].map((caseId) => {
      const extras = created.get(caseId);
      const repeatCount = repeatCounts.get(caseId);
      return { state: states.get(caseId)!, extras: extras ? { phoneHash: extras.phone_hash, description: extras.description, signature: extras.signature } : {}, ...(repeatCount === undefined ? {} : { repeatCount }) };
    }),
  );
  // After the case rows: they reference cases that may have been opened in this very batch.
  const entries = timelineInsert(timeline, 1);
  const n = entries.params.length;
  const p = (i: number) => `$${n + i + 1}`;
  await client.query(
    `WITH timeline AS (${entries.sql}),
       links AS (INSERT INTO case_links (case_id, grievance_id, kind, related_case_id, similarity, linked_at)
         SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::uuid[], ${p(2)}::text[], ${p(3)}::uuid[], ${p(4)}::real[], ${p(5)}::timestamptz[]) ON CONFLICT DO NOTHING),
       repeats AS (UPDATE cases SET repeat_count = r.n FROM unnest(${p(6)}::uuid[], ${p(7)}::int[]) AS r (id, n) WHERE cases.id = r.id AND NOT (cases.id = ANY(${p(8)}::uuid[]))),
       repeat_facts AS (UPDATE case_statistics SET repeat_count = r.n FROM unnest(${p(6)}::uuid[], ${p(7)}::int[]) AS r (id, n) WHERE case_statistics.case_id = r.id AND NOT (case_statistics.case_id = ANY(${p(8)}::uuid[]))),
       reminders AS (INSERT INTO deadline_reminders (case_id, deadline, due_at) SELECT * FROM unnest(${p(9)}::uuid[], ${p(10)}::text[], ${p(11)}::timestamptz[]) ON CONFLICT DO NOTHING),
       sessions AS (INSERT INTO session_reminders (case_id, session_id, at) SELECT * FROM unnest(${p(12)}::uuid[], ${p(13)}::text[], ${p(14)}::timestamptz[]) ON CONFLICT DO NOTHING)
     INSERT INTO statistics_published (day) SELECT * FROM unnest(${p(15)}::date[]) ON CONFLICT DO NOTHING`,
    [
      ...entries.params,
      links.map((l) => l.caseId), links.map((l) => l.grievanceId), links.map((l) => l.kind), links.map((l) => l.relatedCaseId), links.map((l) => l.similarity), links.map((l) => l.at),
      [...repeatCounts.keys()], [...repeatCounts.values()], [...changed],
      reminders.map((r) => r.caseId), reminders.map((r) => r.deadline), reminders.map((r) => r.dueAt),
      sessionReminders.map((r) => r.caseId), sessionReminders.map((r) => r.sessionId), sessionReminders.map((r) => r.at),
      // Sorted: two partitions' batches inserting the same days take their row locks in one order.
      [...new Set(days)].sort(),
    ],
  );
}
