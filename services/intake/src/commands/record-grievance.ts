// The one path by which a grievance enters the system (v1 and Open311): validate, seal the
// personal fields with the caller's data key, then store it and write grievance.received to
// the outbox in one statement, honouring an idempotency key when one is given.
import { createHash, randomUUID } from "node:crypto";
import { announceOutbox, HttpProblem, type ServiceRuntime } from "@grievance-hub/kit";
import { dataSubjectOf, sealGrievanceReceived, type CreateGrievanceResponse } from "@grievance-hub/schema";
import type { IntakeConfig } from "../config";
import { toReceivedEvent, type GrievanceInput } from "../domain/grievance";
import { newTrackingCode } from "../domain/tracking-code";
import { findClaim, insertGrievance } from "../db/grievances";

export interface IdempotencyKey {
  /** Whose key it is: the same key from two callers are two keys. */
  scope: string;
  key: string;
}

export interface Recorded {
  response: CreateGrievanceResponse;
  /** true when this is the stored answer to an earlier request with the same key */
  replayed: boolean;
}

function canonicalHash(value: unknown): string {
  const canonical = JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
  return createHash("sha256").update(canonical).digest("hex");
}

export async function recordGrievance(
  rt: ServiceRuntime,
  config: IntakeConfig,
  body: GrievanceInput,
  idempotency?: IdempotencyKey,
): Promise<Recorded> {
  const requestHash = idempotency ? canonicalHash(body) : "";
  const grievanceId = randomUUID();
  const receivedAt = new Date();
  for (let attempt = 0; attempt < 5; attempt++) {
    const trackingCode = newTrackingCode();
    const decided = toReceivedEvent(body, { grievanceId, trackingCode, receivedAt }, {
      phoneHashKey: config.PHONE_HASH_KEY,
      defaultPhoneRegion: config.DEFAULT_PHONE_REGION,
    });
    if (!decided.ok) throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [decided.refusal] });
    const answer: CreateGrievanceResponse = { id: grievanceId, trackingCode, status: "received" };
    // Claim, grievance and outbox rows in one statement; a concurrent request with the same key
    // waits in it until the first one commits, and then writes nothing.
    const sealed = sealGrievanceReceived(decided.event, await rt.keyring.sealerFor(dataSubjectOf(decided.event)));
    const outcome = await insertGrievance(rt.pool, rt.outbox, sealed, idempotency && { ...idempotency, requestHash, answer });
    if (outcome.recorded) {
      await announceOutbox(rt.outbox, rt.pool);
      return { response: answer, replayed: false };
    }
    if ("trackingCodeTaken" in outcome) continue;
    const earlier = outcome.earlier ?? (await findClaim(rt.pool, idempotency!.scope, idempotency!.key));
    if (earlier.requestHash !== requestHash) {
      throw new HttpProblem(422, "Idempotency key reused", "This Idempotency-Key was used with a different request body.");
    }
    return { response: earlier.response, replayed: true };
  }
  throw new Error("could not draw an unused tracking code in 5 attempts");
}
