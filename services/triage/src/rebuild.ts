// Rebuilds triage's case projection from the topics while the service is stopped: the
// grievances topic gives each case's caller hash and description, triage's own case events
// give everything else. The decisions are not taken again; their events are replayed.
// From the beginning the projection is emptied first; from a timestamp only events not yet
// in the projection (by event id) are applied.
import type { Kafka } from "kafkajs";
import { openReceived, replayTopics, withTransaction, type Keyring, type Logger, type Pool, type PoolClient } from "@grievance-hub/kit";
import { Topics, type GrievanceReceivedV1, type Urgency } from "@grievance-hub/schema";
import { evolve, initialState, type CaseEvent, type OpenedCase } from "./domain/case-lifecycle";
import { appendTimeline, loadCase, saveCases } from "./db/cases";
import { fromWire } from "./commands/wire";
import { caseIdFor } from "./consumers/grievance-received";

interface Extras {
  phone_hash: string | null;
  description: string;
  language: OpenedCase["language"];
  received_at: string;
}

export async function rebuildTriage(opts: { pool: Pool; keyring: Keyring; kafka: Kafka; topicPrefix: string; liveGroupId: string; logger: Logger; from?: Date }): Promise<{ events: number; seconds: number }> {
  const started = Date.now();
  const client = await opts.pool.connect();
  try {
    await client.query("CREATE TEMP TABLE IF NOT EXISTS rebuild_grievances (grievance_id uuid PRIMARY KEY, phone_hash text, description text NOT NULL, language text NOT NULL, received_at text NOT NULL)");
    const grievances = await replayTopics({
      kafka: opts.kafka,
      topics: [opts.topicPrefix + Topics.grievancesInternal],
      liveGroupId: opts.liveGroupId,
      logger: opts.logger,
      onBatch: async (batch) => {
        const rows = await Promise.all(batch.map(async ({ event }) => (await openReceived(opts.keyring, event)).data as GrievanceReceivedV1));
        await client.query(
          `INSERT INTO rebuild_grievances SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
          [rows.map((g) => g.grievanceId), rows.map((g) => (g.complainant.anonymous ? null : g.complainant.phoneHash)), rows.map((g) => g.description), rows.map((g) => g.language), rows.map((g) => g.receivedAt)],
        );
      },
    });
    const cases = await replayTopics({
      kafka: opts.kafka,
      topics: [opts.topicPrefix + Topics.casesInternal],
      liveGroupId: opts.liveGroupId,
      logger: opts.logger,
      // Cleared only once triage is known to be stopped (checked again: it may have started meanwhile).
      beforeReplay: async () => {
        if (!opts.from) await client.query("TRUNCATE case_timeline, case_links, deadline_reminders, session_reminders, statistics_published, cases");
      },
      ...(opts.from ? { from: opts.from } : {}),
      onBatch: async (batch) => {
        await client.query("BEGIN");
        try {
          await applyCaseEvents(client, batch.map(({ event }) => ({ id: event.id, type: event.type, data: event.data as unknown as Record<string, unknown> })));
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw err;
        }
      },
    });
    await client.query("DROP TABLE rebuild_grievances");
    return { events: grievances.events + cases.events, seconds: (Date.now() - started) / 1000 };
  } finally {
    client.release();
  }
}

async function applyCaseEvents(client: PoolClient, events: { id: string; type: string; data: Record<string, unknown> }[]): Promise<void> {
  const seen = new Set((await client.query<{ event_id: string }>("SELECT event_id FROM case_timeline WHERE event_id = ANY($1::uuid[])", [events.map((e) => e.id)])).rows.map((r) => r.event_id));
  const states = new Map<string, OpenedCase>();
  const created = new Map<string, Extras>();
  const timeline: { caseId: string; eventId: string; event: CaseEvent; version: number }[] = [];
  const afterCases: (() => Promise<unknown>)[] = [];
  const stateOf = async (caseId: string) => states.get(caseId) ?? (await loadCase(client, caseId, true));
  const openedFor = events.filter((e) => e.type === "case.opened.v1" && !seen.has(e.id)).map((e) => e.data.grievanceId as string);
  const grievances = new Map(
    (await client.query<Extras & { grievance_id: string }>("SELECT grievance_id, phone_hash, description, language, received_at FROM rebuild_grievances WHERE grievance_id = ANY($1::uuid[])", [openedFor])).rows.map(
      ({ grievance_id, ...g }) => [grievance_id, g],
    ),
  );

  for (const e of events) {
    if (seen.has(e.id)) continue;
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
      created.set(caseId, g);
      timeline.push({ caseId, eventId: e.id, event: opened, version: 1 });
      continue;
    }
    if (e.type === "grievance.linked.v1") {
      await applyLink(e.data, states, stateOf, afterCases, client);
      continue;
    }
    if (e.type === "case.deadline_approaching.v1") {
      // After the case rows, like the links: the case may have been opened in this very batch.
      afterCases.push(() => client.query("INSERT INTO deadline_reminders (case_id, deadline, due_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING", [caseId, e.data.deadline, e.data.dueAt]));
      continue;
    }
    if (e.type === "statistics.published.v1") {
      afterCases.push(() => client.query("INSERT INTO statistics_published (day) VALUES ($1) ON CONFLICT DO NOTHING", [e.data.day]));
      continue;
    }
    if (e.type === "case.session_reminder_due.v1") {
      afterCases.push(() => client.query("INSERT INTO session_reminders (case_id, session_id, at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING", [caseId, e.data.sessionId, e.data.at]));
      continue;
    }
    const event = fromWire(e.type, e.data);
    if (!event) continue;
    const state = await stateOf(caseId);
    if (!state) throw new Error(`${e.type} ${e.id} for case ${caseId}, which was never opened`);
    const after = evolve(state, event) as OpenedCase;
    states.set(caseId, after);
    timeline.push({ caseId, eventId: e.id, event, version: after.version });
  }
  await saveCases(
    client,
    [...states].map(([caseId, state]) => {
      const extras = created.get(caseId);
      return { state, extras: extras ? { phoneHash: extras.phone_hash, description: extras.description } : {} };
    }),
  );
  await appendTimeline(client, timeline);
  for (const write of afterCases) await write();
}

/** A repeat may raise the case's urgency (in order with the case's other events); the link rows come after the case rows. */
async function applyLink(d: Record<string, unknown>, states: Map<string, OpenedCase>, stateOf: (id: string) => Promise<OpenedCase | undefined>, links: (() => Promise<unknown>)[], client: PoolClient): Promise<void> {
  const caseId = d.caseId as string;
  if (d.kind === "repeat") {
    const state = await stateOf(caseId);
    if (state?.classification) states.set(caseId, { ...state, classification: { ...state.classification, urgency: d.urgency as Urgency } });
    links.push(
      () => client.query("INSERT INTO case_links (case_id, grievance_id, kind, linked_at) VALUES ($1,$2,'repeat',$3) ON CONFLICT DO NOTHING", [caseId, d.linkedGrievanceId, d.occurredAt]),
      () => client.query("UPDATE cases SET repeat_count = $2 WHERE id = $1", [caseId, d.repeatCount]),
    );
    return;
  }
  links.push(() =>
    client.query(
      "INSERT INTO case_links (case_id, grievance_id, kind, related_case_id, similarity, linked_at) VALUES ($1,$2,'related',$3,$4,$5) ON CONFLICT DO NOTHING",
      [caseId, d.grievanceId, caseIdFor(d.linkedGrievanceId as string), d.similarity ?? null, d.occurredAt],
    ),
  );
}
