// Rebuilds notification's projections of the events — the complainants' contact (from
// grievance.received.v1/v2), the parties' (from case.party_added.v1/v2) and the team handling each case (from the case events) — through the
// same functions the live consumer uses. Deliveries, their attempts and the feed are the record
// of what was sent, not a projection, and are kept.
import type { Kafka } from "kafkajs";
import { openReceived, replayTopics, withTransaction, type Keyring, type Logger, type Pool } from "@grievance-hub/kit";
import { Topics, type EventData, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { noteCaseTeams, saveComplainants, saveParty } from "./db/deliveries";
import { isPartyAdded, partyContactOf, sealedContactOf } from "./domain/who-is-told";

export async function rebuildNotification(opts: { pool: Pool; keyring: Keyring; kafka: Kafka; topicPrefix: string; liveGroupId: string; logger: Logger; from?: Date }): Promise<{ events: number; seconds: number }> {
  const started = Date.now();
  const { events } = await replayTopics({
    kafka: opts.kafka,
    // One replay of both topics, in order per grievance (both are keyed by its district).
    topics: [opts.topicPrefix + Topics.grievancesInternal, opts.topicPrefix + Topics.casesInternal],
    liveGroupId: opts.liveGroupId,
    logger: opts.logger,
    ...(opts.from ? { from: opts.from } : {}),
    // Cleared only once notification is known to be stopped: a refused rebuild changes nothing.
    beforeReplay: async () => {
      if (!opts.from) await opts.pool.query("TRUNCATE complainants, parties, case_teams");
    },
    onBatch: async (sealed) => {
      const batch = await Promise.all(sealed.map(async (m) => ({ ...m, event: await openReceived(opts.keyring, m.event) })));
      await withTransaction(opts.pool, async (client) => {
        const received = batch.filter(({ event }) => event.type === "grievance.received.v1");
        await saveComplainants(client, await Promise.all(received.map(({ event }) => sealedContactOf(opts.keyring, event))));
        for (const { event } of batch) if (isPartyAdded(event.type)) await saveParty(client, partyContactOf(event.data as EventData<"case.party_added.v1" | "case.party_added.v2">));
        const cases = batch.filter(({ event }) => event.type !== "grievance.received.v1" && !isPartyAdded(event.type));
        await noteCaseTeams(client, cases.map(({ event }) => ({ grievanceId: (event.data as { grievanceId: string }).grievanceId, data: event.data })));
      });
    },
  });
  return { events, seconds: (Date.now() - started) / 1000 };
}
