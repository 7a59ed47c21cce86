// grievance.received.v2 carries the personal fields sealed; its consumers open them and go on
// as for v1 (still read for log entries written before v2), so each keeps one code path.
import { openGrievanceReceived, type GrievanceReceivedV2 } from "@grievance-hub/schema";
import type { DecodedEvent } from "../envelope";
import type { BatchHandler, PreparingBatchHandler } from "../inbox";
import type { Keyring } from "./keyring";

/** A grievance.received.v2 event as the v1 event it seals (same id, fields opened); any other event as it is. */
export async function openReceived(keyring: Keyring, event: DecodedEvent): Promise<DecodedEvent> {
  if (event.type !== "grievance.received.v2") return event;
  const data = await openGrievanceReceived(event.data as GrievanceReceivedV2, (field, value) => keyring.open(field, value));
  return { ...event, type: "grievance.received.v1", data, sealed: event.data } as DecodedEvent;
}

/**
 * `handler`, handed grievance.received.v2 messages opened as v1 (see `openReceived`). A preparing
 * handler gets them opened before the transaction, in its `prepare` step, so the keyring's reads
 * never hold the consumer's transaction open.
 */
export function openingReceived(keyring: Keyring, handler: BatchHandler): BatchHandler;
export function openingReceived<P>(keyring: Keyring, handler: PreparingBatchHandler<P>): PreparingBatchHandler<{ opened: DecodedEvent; prepared: P }>;
export function openingReceived<P>(keyring: Keyring, handler: BatchHandler | PreparingBatchHandler<P>): BatchHandler | PreparingBatchHandler<{ opened: DecodedEvent; prepared: P }> {
  if (typeof handler === "function") {
    const opening: BatchHandler = async (client, messages) => handler(client, await Promise.all(messages.map(async (m) => ({ ...m, event: await openReceived(keyring, m.event) }))));
    return opening;
  }
  const preparing: PreparingBatchHandler<{ opened: DecodedEvent; prepared: P }> = {
    prepare: async (event) => {
      const opened = await openReceived(keyring, event);
      return { opened, prepared: await handler.prepare(opened) };
    },
    apply: (client, messages) => handler.apply(client, messages.map((m) => ({ ...m, event: m.prepared.opened, prepared: m.prepared.prepared }))),
  };
  return preparing;
}
