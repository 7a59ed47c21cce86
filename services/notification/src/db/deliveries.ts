// The deliveries an event makes due, written in the consumer's inbox transaction: one row
// per (event, recipient, channel), inserted ON CONFLICT DO NOTHING, so a redelivered event
// queues nothing new. Feed messages are delivered right here (a row in `feed`); the other
// channels wait, `pending`, for the delivery worker.
import { createHash } from "node:crypto";
import { encodeEvent, notifyOnCommit, type DecodedEvent, type MessagePosition, type Pool, type PoolClient } from "@grievance-hub/kit";
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

export async function saveComplainant(client: PoolClient, c: ComplainantContact): Promise<void> {
  await client.query(
    `INSERT INTO complainants (grievance_id, tracking_code, anonymous, consent, language, phone) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (grievance_id) DO NOTHING`,
    [c.grievanceId, c.trackingCode, c.anonymous, c.consent, c.language, c.phone],
  );
}

export async function saveParty(client: PoolClient, p: PartyContact): Promise<void> {
  await client.query(
    `INSERT INTO parties (grievance_id, party_id, consent, language, phone) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (grievance_id, party_id) DO NOTHING`,
    [p.grievanceId, p.partyId, p.consent, p.language, p.phone],
  );
}

/** A party by recipient id (`<grievanceId>:<partyId>`). */
export async function findParty(client: Pick<PoolClient, "query">, recipientId: string): Promise<PartyContact | undefined> {
  const [grievanceId, partyId] = recipientId.split(":");
  const { rows } = await client.query<{ consent: boolean; language: Language; phone: string | null }>(
    "SELECT consent, language, phone FROM parties WHERE grievance_id = $1::uuid AND party_id = $2",
    [grievanceId, partyId],
  );
  const r = rows[0];
  return r && { grievanceId: grievanceId!, partyId: partyId!, consent: r.consent, language: r.language, phone: r.phone };
}

/** The team an event says now handles the case, if it says: `team`, or `toTeam` on an escalation. */
function teamOf(data: unknown): string | undefined {
  const d = data as { team?: { id: string } | null; toTeam?: { id: string } };
  return d.toTeam?.id ?? d.team?.id ?? undefined;
}

/** Keeps case_teams current: the delivery log scopes a supervisor to their team's cases. */
export async function noteCaseTeam(client: PoolClient, grievanceId: string, data: unknown): Promise<void> {
  const team = teamOf(data);
  if (team === undefined) return;
  await client.query(
    `INSERT INTO case_teams (grievance_id, team_id) VALUES ($1, $2)
     ON CONFLICT (grievance_id) DO UPDATE SET team_id = EXCLUDED.team_id WHERE case_teams.team_id <> EXCLUDED.team_id`,
    [grievanceId, team],
  );
}

export async function findComplainant(client: Pick<PoolClient, "query">, grievanceId: string): Promise<ComplainantContact | undefined> {
  const { rows } = await client.query<{ tracking_code: string; anonymous: boolean; consent: boolean; language: Language; phone: string | null }>(
    "SELECT tracking_code, anonymous, consent, language, phone FROM complainants WHERE grievance_id = $1",
    [grievanceId],
  );
  const r = rows[0];
  return r && { grievanceId, trackingCode: r.tracking_code, anonymous: r.anonymous, consent: r.consent, language: r.language, phone: r.phone };
}

interface Plan {
  message: Message;
  channels: ChannelName[];
  /** null: rendered by the worker once the complainant's language is known. */
  language: Language | null;
}

async function planChannels(client: PoolClient, message: Message, enabled: EnabledChannels): Promise<Plan | undefined> {
  const { recipient } = message;
  if (recipient.kind === "complainant") {
    const contact = await findComplainant(client, recipient.id);
    if (contact && !mayBeTold(contact)) return undefined;
    // Unknown yet (the grievance topic lags behind the cases topic): queued, and the worker
    // sends it, or not, once the contact arrives.
    return { message, channels: enabled.sms ? ["sms"] : [], language: contact?.language ?? null };
  }
  if (recipient.kind === "party") {
    // The party was added (case.party_added.v1) before any session could invite them: same topic, same key, in order.
    const party = await findParty(client, recipient.id);
    if (!party?.consent || !party.phone) return undefined;
    return { message, channels: enabled.sms ? ["sms"] : [], language: party.language };
  }
  const { rows } = await client.query<{ language: Language; webhook_url: string | null; email: string | null; sms_phone: string | null; feed: boolean }>(
    "SELECT language, webhook_url, email, sms_phone, feed FROM recipients WHERE kind = $1 AND id = $2",
    [recipient.kind, recipient.id],
  );
  const r = rows[0];
  // Staff missing from the directory still see their notifications in the live feed.
  if (!r) return { message, channels: ["feed"], language: DEFAULT_STAFF_LANGUAGE };
  const channels: ChannelName[] = [];
  if (r.webhook_url) channels.push("webhook");
  if (r.email && enabled.email) channels.push("email");
  if (r.sms_phone && enabled.sms) channels.push("sms");
  if (r.feed) channels.push("feed");
  return { message, channels, language: r.language };
}

export async function recordDeliveries(
  client: PoolClient,
  event: DecodedEvent,
  position: MessagePosition,
  messages: Message[],
  deps: { templates: Templates; enabled: EnabledChannels; pool: Pool },
): Promise<void> {
  const grievanceId = (event.data as { grievanceId: string }).grievanceId;
  let pending = 0;
  let fed = 0;
  for (const message of messages) {
    const plan = await planChannels(client, message, deps.enabled);
    if (!plan) continue;
    const rendered = plan.language === null ? null : deps.templates.render(message.template, plan.language, message.variables as never);
    for (const channel of plan.channels) {
      const feed = channel === "feed";
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO deliveries (event_id, event_type, grievance_id, recipient_kind, recipient_id, channel, status, attempts, delivery_key,
           template, language, variables, subject, body, html, destination, next_attempt_at, last_attempt_at, sent_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,
           CASE WHEN $17 THEN NULL ELSE now() END, CASE WHEN $17 THEN now() END, CASE WHEN $17 THEN now() END)
         ON CONFLICT (event_id, recipient_kind, recipient_id, channel) DO NOTHING
         RETURNING id`,
        [
          event.id, event.type, grievanceId, message.recipient.kind, message.recipient.id, channel, feed ? "sent" : "pending", feed ? 1 : 0,
          deliveryKey(event.id, message.recipient.kind, message.recipient.id, channel),
          message.template, plan.language, JSON.stringify(message.variables), rendered?.subject ?? null, rendered?.text ?? null, rendered?.html ?? null,
          feed ? "feed" : null, feed,
        ],
      );
      const id = rows[0]?.id;
      if (id === undefined) continue;
      if (!feed) {
        pending++;
        continue;
      }
      // One statement: the lock first (the feed row reads from it, so its seq is drawn after),
      // then the feed row and the delivery's one attempt.
      await client.query(
        `WITH locked AS (SELECT pg_advisory_xact_lock($1)),
              fed AS (INSERT INTO feed (delivery_id, recipient_kind, recipient_id, event_id, event_type, template, subject, body, facts)
                      SELECT $2,$3,$4,$5,$6,$7,$8,$9,$10 FROM locked)
         INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, outcome) VALUES ($2, 1, now(), 0, 'sent')`,
        [FEED_LOCK, id, message.recipient.kind, message.recipient.id, event.id, event.type, message.template, rendered!.subject, rendered!.text, JSON.stringify(message.variables)],
      );
      fed++;
    }
  }
  if (pending > 0) {
    await keepSourceEvent(client, event, position);
    await notifyOnCommit(client, deps.pool, DELIVERIES_CHANNEL);
  }
  if (fed > 0) await notifyOnCommit(client, deps.pool, FEED_CHANNEL);
}

/** The event as it was on the wire (CloudEvents headers and data), for the dead-letter topic. */
async function keepSourceEvent(client: PoolClient, event: DecodedEvent, position: MessagePosition): Promise<void> {
  const wire = encodeEvent(event.type, event.data, {
    source: event.source,
    topicPrefix: "",
    id: event.id,
    time: new Date(event.time),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  });
  await client.query(
    `INSERT INTO source_events (event_id, topic, kafka_partition, kafka_offset, message_key, headers, payload) VALUES ($1,$2,$3,$4,$5,$6,$7)
     ON CONFLICT (event_id) DO NOTHING`,
    [event.id, position.topic, position.partition, position.offset, wire.key, JSON.stringify(wire.headers), wire.value],
  );
}
