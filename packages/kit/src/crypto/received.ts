// grievance.received.v2 carries the personal fields sealed; its consumers open them and go on
// as for v1 (still read for log entries written before v2), so each keeps one code path.
import { openGrievanceReceived, type GrievanceReceivedV2 } from "@grievance-hub/schema";
import type { DecodedEvent } from "../envelope";
import type { BatchHandler } from "../inbox";
import type { Keyring } from "./keyring";

/** A grievance.received.v2 event as the v1 event it seals (same id, fields opened); any other event as it is. */
export async function openReceived(keyring: Keyring, event: DecodedEvent): Promise<DecodedEvent> {
  if (event.type !== "grievance.received.v2") return event;
  const data = await openGrievanceReceived(event.data as GrievanceReceivedV2, (field, value) => keyring.open(field, value));
  return { ...event, type: "grievance.received.v1", data } as DecodedEvent;
}

/** `handler`, handed grievance.received.v2 messages opened as v1 (see `openReceived`). */
export function openingReceived(keyring: Keyring, handler: BatchHandler): BatchHandler {
  return async (client, messages) => handler(client, await Promise.all(messages.map(async (m) => ({ ...m, event: await openReceived(keyring, m.event) }))));
}
