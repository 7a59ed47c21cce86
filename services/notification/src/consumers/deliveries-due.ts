// Events -> the deliveries they make due, a partition's batch at a time: grievance.received.v1
// also leaves the complainant's contact (only what a message to them needs) for the outcome
// message later; every table is written with one statement for the whole batch.
import { PoisonMessageError, type BatchHandler, type Keyring, type Pool } from "@grievance-hub/kit";
import type { EventData, EventTypeName, GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TemplateError, type Templates } from "../templates/render";
import { isPartyAdded, openForRendering, partyContactOf, sealedContactOf, whoIsTold, type Links } from "../domain/who-is-told";
import { recordDeliveries, saveComplainants, saveParty, type EnabledChannels } from "../db/deliveries";
export const notifiedEventTypes = [
  "grievance.received.v1",
  // opened as v1 before this handler sees it (openingReceived)
  "grievance.received.v2",
  "case.assigned.v1",
  "case.assigned.v2",
  "case.reassigned.v1",
  "case.reassigned.v2",
  "case.queued.v1",
  "case.escalated.v1",
  "case.escalated.v2",
  "case.reassignment_requested.v1",
  "case.reassignment_requested.v2",
  "case.deadline_approaching.v1",
  "case.deadline_breached.v1",
  "case.resolved.v1",
  "case.resolved.v2",
  "case.party_added.v1",
  "case.party_added.v2",
  "case.urgency_raised.v1",
  "case.session_reminder_due.v1",
  "case.session_reminder_due.v2",
] as const satisfies readonly EventTypeName[];

export interface DeliveriesDueDeps {
  templates: Templates;
  links: Links;
  enabled: EnabledChannels;
  /** For the wake-ups sent once a feed row is committed. */
  pool: Pool;
  /** Wakes this process's delivery worker once new deliveries are committed. */
  deliveriesMade: () => void;
  /** Seals the complainants' phones before they are stored. */
  keyring: Keyring;
}

export function onEventsMakingDeliveriesDue(deps: DeliveriesDueDeps): BatchHandler {
  const { templates, links, enabled, pool, deliveriesMade, keyring } = deps;
  return async (client, messages) => {
    const received = messages.filter((m) => m.event.type === "grievance.received.v1");
    await saveComplainants(client, await Promise.all(received.map((m) => sealedContactOf(keyring, m.event))));
    // Parties come and go with mediation, a few per case: one statement each is fine.
    for (const m of messages) if (isPartyAdded(m.event.type)) await saveParty(client, partyContactOf(m.event.data as EventData<"case.party_added.v1" | "case.party_added.v2">));
    const cases = messages.filter((m) => m.event.type !== "grievance.received.v1" && !isPartyAdded(m.event.type));
    const caseEvents = cases.map((m) => ({ grievanceId: (m.event.data as { grievanceId: string }).grievanceId, data: m.event.data }));
    try {
      const due = await Promise.all(messages.map(async (m) => ({ ...m, messages: await Promise.all(whoIsTold(m.event, links).map((msg) => openForRendering(keyring, msg))) })));
      await recordDeliveries(client, due, caseEvents, { templates, enabled, pool, deliveriesMade });
    } catch (err) {
      // Facts the templates refuse (a tracking code in another format, say) will never render:
      // the event goes to the dead-letter topic (found alone by the batch being split) instead of blocking its partition.
      if (err instanceof TemplateError) throw new PoisonMessageError(err.message);
      throw err;
    }
  };
}
