import type { PoolClient } from "@grievance-hub/kit";
import type { GrievanceReceivedV1 } from "@grievance-hub/schema";

/** Inserts the grievance; false when the tracking code is taken (the caller draws another). */
export async function insertGrievance(client: PoolClient, g: GrievanceReceivedV1): Promise<boolean> {
  const c = g.complainant.anonymous ? null : g.complainant;
  const res = await client.query(
    `INSERT INTO grievances (id, tracking_code, channel, received_at, division_code, language, description, anonymous,
       complainant_name, complainant_phone, phone_hash, consent_to_contact, address, latitude, longitude, hints,
       external_reference, status, status_changed_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,'received',$4)
     ON CONFLICT (tracking_code) DO NOTHING`,
    [
      g.grievanceId, g.trackingCode, g.channel, g.receivedAt, g.divisionCode, g.language, g.description, c === null,
      c?.name ?? null, c?.phone ?? null, c?.phoneHash ?? null, c?.consentToContact ?? false,
      g.location.address ?? null, g.location.coordinates?.lat ?? null, g.location.coordinates?.lon ?? null,
      g.hints ? JSON.stringify(g.hints) : null, g.externalReference ?? null,
    ],
  );
  return res.rowCount === 1;
}
