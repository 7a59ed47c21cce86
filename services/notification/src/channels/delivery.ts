// What every delivery channel promises its caller, the retry queue: one attempt, bounded
// in time, whose failure says whether trying again can help. Error strings carry status
// codes and kinds only, never a body, an address or a phone number.

export type DeliveryFailure = { ok: false; permanent: boolean; error: string; retryAfterMs?: number };
export type DeliveryResult = { ok: true; providerId?: string } | DeliveryFailure;

export interface DeliveryChannel<M> {
  send(message: M): Promise<DeliveryResult>;
}

export const DEFAULT_TIMEOUT_MS = 5_000;

export function permanentFailure(error: string): DeliveryFailure {
  return { ok: false, permanent: true, error };
}

export function transientFailure(error: string, retryAfterMs?: number): DeliveryFailure {
  return retryAfterMs === undefined ? { ok: false, permanent: false, error } : { ok: false, permanent: false, error, retryAfterMs };
}
