// The deliveries an event makes due, written in the consumer's inbox transaction: one row
// per (event, recipient, channel), inserted ON CONFLICT DO NOTHING, so a redelivered event
// queues nothing new. Feed messages are delivered right here (a row in `feed`); the other
// channels wait, `pending`, for the delivery worker.
import { createHash } from "node:crypto";
import { afterCommit, encodeEvent, notifyOnCommit, type DecodedEvent, type MessagePosition, type Pool, type PoolClient } from "@grievance-hub/kit";
import type { Language } from "@grievance-hub/schema";
import type { Templates } from "../templates/render";
import type { ChannelName } from "../domain/destination";
import { mayBeTold, type ComplainantContact, type Message, type PartyContact } from "../domain/who-is-told";

/** NOTIFY channels: new pending deliveries (wakes the worker), new feed rows (wakes SSE clients). */
export const DELIVERIES_CHANNEL = "notification_deliveries";
export const FEED_CHANNEL = "notification_feed";
/** Serialises feed writers up to commit, so feed seq order is commit order (see the feed table). */
const FEED_LOCK = 7_311_845_220_117;
export const DEFAULT_STAFF_LANGUAGE: Language = "zh";

export interface EnabledChannels {
  email: boolean;
  sms: boolean;
}

/** Stable across retries, replays and a rebuilt projection, so receivers can deduplicate on it. */
export function deliveryKey(eventId: string, recipientKind: string, recipientId: string, channel: ChannelName): string {
  const h = createHash("sha256").update(`${eventId}\n${recipientKind}\n${recipientId}\n${channel}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Complainants' contacts, in one statement. */
export async function saveComplainants(client: PoolClient, contacts: ComplainantContact[]): Promise<void> {
  if (contacts.length === 0) return;
  await client.query(
    `INSERT INTO complainants (grievance_id, tracking_code, anonymous, consent, language, phone)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bool[], $4::bool[], $5::text[], $6::text[]) ON CONFLICT (grievance_id) DO NOTHING`,
    [contacts.map((c) => c.grievanceId), contacts.map((c) => c.trackingCode), contacts.map((c) => c.anonymous), contacts.map((c) => c.consent), contacts.map((c) => c.language), contacts.map((c) => c.phone)],
  );
}

export async function saveParty(client: PoolClient, p: PartyContact): Promise<void> {
  await client.query(
    `INSERT INTO parties (grievance_id, party_id, consent, language, phone) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (grievance_id, party_id) DO NOTHING`,
    [p.grievanceId, p.partyId, p.consent, p.language, p.phone],
  );
}

/** Parties by recipient id (`<grievanceId>:<partyId>`), in one statement. */
export async function findParties(client: Pick<PoolClient, "query">, recipientIds: string[]): Promise<PartyContact[]> {
  if (recipientIds.length === 0) return [];
  const { rows } = await client.query<{ grievance_id: string; party_id: string; consent: boolean; language: Language; phone: string | null }>(
    `SELECT p.grievance_id::text, p.party_id, p.consent, p.language, p.phone FROM parties p
     JOIN unnest($1::uuid[], $2::text[]) AS k (grievance_id, party_id) ON p.grievance_id = k.grievance_id AND p.party_id = k.party_id`,
    [recipientIds.map((id) => id.split(":")[0]), recipientIds.map((id) => id.split(":")[1])],
  );
  return rows.map((r) => ({ grievanceId: r.grievance_id, partyId: r.party_id, consent: r.consent, language: r.language, phone: r.phone }));
}

/** The team an event says now handles the case, if it says: `team`, or `toTeam` on an escalation. */
function teamOf(data: unknown): string | undefined {
  const d = data as { team?: { id: string } | null; toTeam?: { id: string } };
  return d.toTeam?.id ?? d.team?.id ?? undefined;
}

/** Keeps case_teams current (the last team each event names), in one statement: the delivery log scopes a supervisor to their team's cases. */
export async function noteCaseTeams(client: PoolClient, events: { grievanceId: string; data: unknown }[]): Promise<void> {
  const upsert = caseTeamsUpsert(events, 1);
  if (upsert) await client.query(upsert.sql, upsert.params);
}

/** The upsert of `noteCaseTeams` with its parameters numbered from `firstParam`, for a statement of the caller's own; undefined when no event names a team. */
function caseTeamsUpsert(events: { grievanceId: string; data: unknown }[], firstParam: number): { sql: string; params: unknown[] } | undefined {
  const teams = new Map<string, string>();
  for (const e of events) {
    const team = teamOf(e.data);
    if (team !== undefined) teams.set(e.grievanceId, team);
  }
  if (teams.size === 0) return undefined;
  return {
    sql: `INSERT INTO case_teams (grievance_id, team_id) SELECT * FROM unnest($${firstParam}::uuid[], $${firstParam + 1}::text[])
     ON CONFLICT (grievance_id) DO UPDATE SET team_id = EXCLUDED.team_id WHERE case_teams.team_id <> EXCLUDED.team_id`,
    params: [[...teams.keys()], [...teams.values()]],
  };
}

/** Complainants' contacts by grievance id, in one statement. */
export async function findComplainants(client: Pick<PoolClient, "query">, grievanceIds: string[]): Promise<ComplainantContact[]> {
  if (grievanceIds.length === 0) return [];
  const { rows } = await client.query<{ grievance_id: string; tracking_code: string; anonymous: boolean; consent: boolean; language: Language; phone: string | null }>(
    "SELECT grievance_id::text, tracking_code, anonymous, consent, language, phone FROM complainants WHERE grievance_id = ANY($1::uuid[])",
    [grievanceIds],
  );
  return rows.map((r) => ({ grievanceId: r.grievance_id, trackingCode: r.tracking_code, anonymous: r.anonymous, consent: r.consent, language: r.language, phone: r.phone }));
}

interface StaffContact {
  kind: string;
  id: string;
  language: Language;
  webhook_url: string | null;
  email: string | null;
  sms_phone: string | null;
  feed: boolean;
}

/**
 * Who the messages go to, as the directory and the complainants' table say: one statement each.
 * Complainants and parties are told by SMS only: without a gateway their contacts are not read.
 */
async function contactsOf(client: PoolClient, messages: Message[], enabled: EnabledChannels) {
  const complainantIds = enabled.sms ? [...new Set(messages.flatMap((m) => (m.recipient.kind === "complainant" ? [m.recipient.id] : [])))] : [];
  const staff = messages.filter((m) => m.recipient.kind !== "complainant" && m.recipient.kind !== "party").map((m) => m.recipient);
  const partyIds = enabled.sms ? [...new Set(messages.flatMap((m) => (m.recipient.kind === "party" ? [m.recipient.id] : [])))] : [];
  const complainants = new Map((await findComplainants(client, complainantIds)).map((c) => [c.grievanceId, c]));
  const directory = new Map<string, StaffContact>();
  if (staff.length > 0) {
    const { rows } = await client.query<StaffContact>(
      `SELECT r.kind, r.id, r.language, r.webhook_url, r.email, r.sms_phone, r.feed FROM recipients r
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k (kind, id)) k ON r.kind = k.kind AND r.id = k.id`,
      [staff.map((r) => r.kind), staff.map((r) => r.id)],
    );
    for (const r of rows) directory.set(`${r.kind}\n${r.id}`, r);
  }
  const parties = new Map((await findParties(client, partyIds)).map((p) => [`${p.grievanceId}:${p.partyId}`, p]));
  return { complainants, directory, parties };
}

interface Plan {
  message: Message;
  channels: ChannelName[];
  /** null: rendered by the worker once the complainant's language is known. */
  language: Language | null;
}

function planChannels(message: Message, contacts: Awaited<ReturnType<typeof contactsOf>>, enabled: EnabledChannels): Plan | undefined {
  const { recipient } = message;
  if (recipient.kind === "complainant") {
    const contact = contacts.complainants.get(recipient.id);
    if (contact && !mayBeTold(contact)) return undefined;
    // Unknown yet (the grievance topic lags behind the cases topic): queued, and the worker
    // sends it, or not, once the contact arrives.
    return { message, channels: enabled.sms ? ["sms"] : [], language: contact?.language ?? null };
  }
  if (recipient.kind === "party") {
    // The party was added (case.party_added.v1) before any session could invite them: same topic, same key, in order.
    const party = contacts.parties.get(recipient.id);
    if (!party?.consent || !party.phone) return undefined;
    return { message, channels: enabled.sms ? ["sms"] : [], language: party.language };
  }
  const r = contacts.directory.get(`${recipient.kind}\n${recipient.id}`);
  // Staff missing from the directory still see their notifications in the live feed.
  if (!r) return { message, channels: ["feed"], language: DEFAULT_STAFF_LANGUAGE };
  const channels: ChannelName[] = [];
  if (r.webhook_url) channels.push("webhook");
  if (r.email && enabled.email) channels.push("email");
  if (r.sms_phone && enabled.sms) channels.push("sms");
  if (r.feed) channels.push("feed");
  return { message, channels, language: r.language };
}

/**
 * The deliveries a batch of events makes due, each event with its messages, and the team each
 * case event names now (see `noteCaseTeams`): deliveries, kept source events and case teams in
 * one statement, feed rows in one more.
 */
export async function recordDeliveries(
  client: PoolClient,
  due: { event: DecodedEvent; position: MessagePosition; messages: Message[] }[],
  caseEvents: { grievanceId: string; data: unknown }[],
  deps: { templates: Templates; enabled: EnabledChannels; pool: Pool; deliveriesMade: () => void },
): Promise<void> {
  const contacts = await contactsOf(client, due.flatMap((d) => d.messages), deps.enabled);
  const rows: {
    event: DecodedEvent; position: MessagePosition; message: Message; channel: ChannelName; language: Language | null;
    rendered: ReturnType<Templates["render"]> | null;
  }[] = [];
  for (const { event, position, messages } of due) {
    for (const message of messages) {
      const plan = planChannels(message, contacts, deps.enabled);
      if (!plan) continue;
      // A message made from sealed facts is rendered from them opened and kept sealed as they are (who-is-told.ts `openForRendering`).
      const text = plan.language === null ? null : deps.templates.render(message.template, plan.language, (message.rendering?.variables ?? message.variables) as never);
      const seal = message.rendering?.seal;
      const rendered = text && seal ? { subject: seal("subject", text.subject), text: seal("body", text.text), html: seal("html", text.html) } : text;
      for (const channel of plan.channels) rows.push({ event, position, message, channel, language: plan.language, rendered });
    }
  }
  if (rows.length === 0) return noteCaseTeams(client, caseEvents);
  const column = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  const teams = caseTeamsUpsert(caseEvents, 22);
  const feed = column((r) => r.channel === "feed");
  // The events as they were on the wire (CloudEvents headers and data), kept for a dead letter
  // while a delivery of theirs is pending: offered for every event with a delivery for the
  // worker, kept only where one was made (in the same statement).
  const kept = [...new Map(rows.filter((r) => r.channel !== "feed").map((r) => [r.event.id, r])).values()];
  const wire = kept.map(
    ({ event }) =>
      event.wire ??
      // As it came off Kafka; an event handed over otherwise (a replay by hand) is encoded again.
      encodeEvent(event.type, event.data, { source: event.source, topicPrefix: "", id: event.id, time: new Date(event.time), ...(event.traceparent ? { traceparent: event.traceparent } : {}) }),
  );
  const { rows: inserted } = await client.query<{ id: string; i: number }>(
    `WITH made AS (
       INSERT INTO deliveries (event_id, event_type, grievance_id, recipient_kind, recipient_id, channel, status, attempts, delivery_key,
         template, language, variables, subject, body, html, destination, next_attempt_at, last_attempt_at, sent_at)
       SELECT event_id, event_type, grievance_id, recipient_kind, recipient_id, channel, CASE WHEN feed THEN 'sent' ELSE 'pending' END,
         CASE WHEN feed THEN 1 ELSE 0 END, delivery_key, template, language, variables, subject, body, html,
         CASE WHEN feed THEN 'feed' END, CASE WHEN feed THEN NULL ELSE now() END, CASE WHEN feed THEN now() END, CASE WHEN feed THEN now() END
       FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::text[], $10::jsonb[],
         $11::text[], $12::text[], $13::text[], $14::bool[])
         AS d (event_id, event_type, grievance_id, recipient_kind, recipient_id, channel, delivery_key, template, language, variables, subject, body, html, feed)
       ON CONFLICT (event_id, recipient_kind, recipient_id, channel) DO NOTHING
       RETURNING id, event_id, channel, array_position($7::uuid[], delivery_key) - 1 AS i),
     kept AS (
       INSERT INTO source_events (event_id, topic, kafka_partition, kafka_offset, message_key, headers, payload)
       SELECT * FROM unnest($15::text[], $16::text[], $17::int[], $18::bigint[], $19::text[], $20::jsonb[], $21::text[])
         AS s (event_id, topic, kafka_partition, kafka_offset, message_key, headers, payload)
       WHERE s.event_id IN (SELECT event_id FROM made WHERE channel <> 'feed')
       ON CONFLICT (event_id) DO NOTHING)${teams ? `,
     teams AS (${teams.sql})` : ""}
     SELECT id, i FROM made`,
    [
      column((r) => r.event.id), column((r) => r.event.type), column((r) => (r.event.data as { grievanceId: string }).grievanceId),
      column((r) => r.message.recipient.kind), column((r) => r.message.recipient.id), column((r) => r.channel),
      column((r) => deliveryKey(r.event.id, r.message.recipient.kind, r.message.recipient.id, r.channel)),
      column((r) => r.message.template), column((r) => r.language), column((r) => JSON.stringify(r.message.variables)),
      column((r) => r.rendered?.subject ?? null), column((r) => r.rendered?.text ?? null), column((r) => r.rendered?.html ?? null), feed,
      kept.map((k) => k.event.id), kept.map((k) => k.position.topic), kept.map((k) => k.position.partition), kept.map((k) => k.position.offset),
      wire.map((w, i) => w.key ?? kept[i]!.event.subject), wire.map((w) => JSON.stringify(w.headers)), wire.map((w) => w.value),
      ...(teams?.params ?? []),
    ],
  );
  const made = inserted.map((x) => ({ id: x.id, ...rows[x.i]! }));
  const fed = made.filter((m) => m.channel === "feed").sort((a, b) => Number(a.id) - Number(b.id));
  const pending = made.filter((m) => m.channel !== "feed");
  if (fed.length > 0) {
    // One statement: the lock first (the feed rows read from it, so their seq is drawn after),
    // then the feed rows in delivery order and each delivery's one attempt.
    const f = <T>(g: (m: (typeof fed)[number]) => T) => fed.map(g);
    await client.query(
      `WITH locked AS (SELECT pg_advisory_xact_lock($1)),
            fed AS (INSERT INTO feed (delivery_id, recipient_kind, recipient_id, event_id, event_type, template, subject, body, facts)
                    SELECT d.* FROM locked, unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[])
                      AS d (delivery_id, recipient_kind, recipient_id, event_id, event_type, template, subject, body, facts) ORDER BY d.delivery_id)
       INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, outcome) SELECT id, 1, now(), 0, 'sent' FROM unnest($2::bigint[]) AS id`,
      [
        FEED_LOCK, f((m) => m.id), f((m) => m.message.recipient.kind), f((m) => m.message.recipient.id), f((m) => m.event.id), f((m) => m.event.type),
        f((m) => m.message.template), f((m) => m.rendered!.subject), f((m) => m.rendered!.text), f((m) => JSON.stringify(m.message.variables)),
      ],
    );
    await notifyOnCommit(client, deps.pool, FEED_CHANNEL);
  }
  if (pending.length > 0) {
    // This process's worker sends them (another replica's finds them on its interval should this one stop).
    if (!afterCommit(client, deps.deliveriesMade)) await notifyOnCommit(client, deps.pool, DELIVERIES_CHANNEL);
  }
}
