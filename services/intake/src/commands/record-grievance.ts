// The one path by which a grievance enters the system (v1 and Open311): validate,
// store, and write grievance.received to the outbox in one transaction, honouring an
// idempotency key when one is given.
import { createHash, randomUUID } from "node:crypto";
import { enqueueEvent, HttpProblem, withTransaction, type ServiceRuntime } from "@grievance-hub/kit";
import type { CreateGrievanceResponse } from "@grievance-hub/schema";
import type { IntakeConfig } from "../config";
import { toReceivedEvent, type GrievanceInput } from "../domain/grievance";
import { newTrackingCode } from "../domain/tracking-code";
import { insertGrievance } from "../db/grievances";

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
  const requestHash = canonicalHash(body);
  return withTransaction(rt.pool, async (client) => {
    const grievanceId = randomUUID();
    const receivedAt = new Date();
    let trackingCode = newTrackingCode();
    const answer = (): CreateGrievanceResponse => ({ id: grievanceId, trackingCode, status: "received" });
    if (idempotency) {
      // A concurrent request with the same key blocks here until the first one commits. The
      // answer is stored with the claim (one statement fewer); nobody sees it before the commit.
      const claimed = await client.query(
        "INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response) VALUES ($1, $2, $3, 202, $4) ON CONFLICT (scope, key) DO NOTHING",
        [idempotency.scope, idempotency.key, requestHash, JSON.stringify(answer())],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await client.query<{ request_hash: string; response: CreateGrievanceResponse }>(
          "SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2",
          [idempotency.scope, idempotency.key],
        );
        const earlier = rows[0]!;
        if (earlier.request_hash !== requestHash) {
          throw new HttpProblem(422, "Idempotency key reused", "This Idempotency-Key was used with a different request body.");
        }
        return { response: earlier.response, replayed: true };
      }
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) trackingCode = newTrackingCode();
      const decided = toReceivedEvent(body, { grievanceId, trackingCode, receivedAt }, {
        phoneHashKey: config.PHONE_HASH_KEY,
        defaultPhoneRegion: config.DEFAULT_PHONE_REGION,
      });
      if (!decided.ok) throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [decided.refusal] });
      if (await insertGrievance(client, decided.event)) {
        await enqueueEvent(client, rt.outbox, "grievance.received.v1", decided.event);
        const response = answer();
        // Only when the first tracking code drawn was taken does the stored answer change.
        if (idempotency && attempt > 0) {
          await client.query("UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND key = $2", [idempotency.scope, idempotency.key, JSON.stringify(response)]);
        }
        return { response, replayed: false };
      }
    }
    throw new Error("could not draw an unused tracking code in 5 attempts");
  });
}
