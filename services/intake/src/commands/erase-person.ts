// An admin's erasure of a person: find their grievances (by phone: all of them; by tracking
// code: those of the grievance's person), destroy their data key, replace what intake holds with
// the erased marker and tell every service with personal_data.erased.v1 per grievance. Safe to
// repeat: a destroyed key stays destroyed and the scrub finds nothing left to replace.
import { randomUUID } from "node:crypto";
import { enqueueEvents, erasedMarker, HttpProblem, withTransaction, type PoolClient, type ServiceRuntime } from "@grievance-hub/kit";
import type { ErasureRequest, ErasureResponse } from "@grievance-hub/schema";
import type { IntakeConfig } from "../config";
import { invalidPhone, normalisePhone, phoneHash } from "../domain/phone";

export interface Found {
  subject: string;
  grievances: { id: string; division_code: string }[];
}

async function findPerson(rt: ServiceRuntime, config: IntakeConfig, request: ErasureRequest): Promise<Found | undefined> {
  let hash: string | null;
  if ("phone" in request) {
    const e164 = normalisePhone(request.phone, config.DEFAULT_PHONE_REGION);
    if (!e164) throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [invalidPhone("phone")] });
    hash = phoneHash(e164, config.PHONE_HASH_KEY);
  } else {
    const { rows } = await rt.pool.query<{ id: string; division_code: string; phone_hash: string | null }>("SELECT id, division_code, phone_hash FROM grievances WHERE tracking_code = $1", [request.trackingCode]);
    const g = rows[0];
    if (!g) return undefined;
    if (g.phone_hash === null) return { subject: `grievance:${g.id}`, grievances: [{ id: g.id, division_code: g.division_code }] };
    hash = g.phone_hash;
  }
  const { rows } = await rt.pool.query<{ id: string; division_code: string }>("SELECT id, division_code FROM grievances WHERE phone_hash = $1", [hash]);
  return { subject: `phone:${hash}`, grievances: rows };
}

export async function erasePerson(rt: ServiceRuntime, config: IntakeConfig, request: ErasureRequest): Promise<ErasureResponse> {
  const found = await findPerson(rt, config, request);
  if (!found) throw new HttpProblem(404, "Not found", "No grievance with this tracking code.");
  const erasureId = randomUUID();
  // The key first: from here on nothing sealed under it opens, whatever the scrub below meets.
  const keysDestroyed = await rt.keyring.destroy([found.subject]);
  await withTransaction(rt.pool, (client) => scrubAndAnnounce(client, rt, [found], erasureId));
  return { erasureId, grievances: found.grievances.length, keysDestroyed };
}

/**
 * After their keys were destroyed: the persons' grievances keep the erased marker in place of
 * every personal field, and each gets personal_data.erased.v1 for the other services and subscribers.
 */
export async function scrubAndAnnounce(client: PoolClient, rt: ServiceRuntime, found: Found[], erasureId: string): Promise<void> {
  const ids = found.flatMap((f) => f.grievances.map((g) => g.id));
  const erasedAt = new Date().toISOString();
  await client.query(
    `UPDATE grievances SET description = $2,
       complainant_name = CASE WHEN complainant_name IS NULL THEN NULL ELSE $2 END,
       complainant_phone = CASE WHEN complainant_phone IS NULL THEN NULL ELSE $2 END,
       address = CASE WHEN address IS NULL THEN NULL ELSE $2 END,
       phone_hash = NULL
     WHERE id = ANY($1::uuid[])`,
    [ids, erasedMarker],
  );
  await enqueueEvents(client, rt.outbox, found.flatMap((f) => f.grievances.map((g) => ({ type: "personal_data.erased.v1" as const, data: { erasureId, dataSubject: f.subject, grievanceId: g.id, divisionCode: g.division_code, erasedAt } }))));
}
