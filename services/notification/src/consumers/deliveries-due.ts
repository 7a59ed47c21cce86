// Events -> the deliveries they make due. grievance.received.v1 also leaves the complainant's
// contact (only what a message to them needs) for the outcome message later.
import { PoisonMessageError, type EventHandler, type Pool } from "@grievance-hub/kit";
import type { EventData, EventTypeName, GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TemplateError, type Templates } from "../templates/render";
import { contactOf, partyContactOf, whoIsTold, type Links } from "../domain/who-is-told";
import { noteCaseTeam, recordDeliveries, saveComplainant, saveParty, type EnabledChannels } from "../db/deliveries";

export const notifiedEventTypes = [
  "grievance.received.v1",
  "case.assigned.v1",
  "case.reassigned.v1",
  "case.queued.v1",
  "case.escalated.v1",
  "case.deadline_approaching.v1",
  "case.deadline_breached.v1",
  "case.resolved.v1",
  "case.party_added.v1",
  "case.urgency_raised.v1",
  "case.session_reminder_due.v1",
] as const satisfies readonly EventTypeName[];

export interface DeliveriesDueDeps {
  templates: Templates;
  links: Links;
  enabled: EnabledChannels;
  /** For the wake-ups sent once a delivery is committed. */
  pool: Pool;
}

export function onEventMakingDeliveriesDue(deps: DeliveriesDueDeps): EventHandler {
  const { templates, links, enabled, pool } = deps;
  return async (client, event, position) => {
    if (event.type === "grievance.received.v1") await saveComplainant(client, contactOf(event.data as GrievanceReceivedV1));
    else if (event.type === "case.party_added.v1") await saveParty(client, partyContactOf(event.data as EventData<"case.party_added.v1">));
    else await noteCaseTeam(client, (event.data as { grievanceId: string }).grievanceId, event.data);
    const messages = whoIsTold(event, links);
    try {
      await recordDeliveries(client, event, position, messages, { templates, enabled, pool });
    } catch (err) {
      // Facts the templates refuse (a tracking code in another format, say) will never render:
      // the event goes to the dead-letter topic instead of blocking its partition.
      if (err instanceof TemplateError) throw new PoisonMessageError(err.message);
      throw err;
    }
  };
}
