import type { Pool, PoolClient } from "@grievance-hub/kit";
import type { GrievanceDetail, GrievanceReceivedV1, TrackingStatus } from "@grievance-hub/schema";

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

interface GrievanceRow {
  id: string;
  tracking_code: string;
  status: GrievanceDetail["status"];
  channel: GrievanceDetail["channel"];
  received_at: Date;
  status_changed_at: Date;
  language: GrievanceDetail["language"];
  description: string;
  anonymous: boolean;
  complainant_name: string | null;
  complainant_phone: string | null;
  consent_to_contact: boolean;
  division_code: string;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  hints: GrievanceDetail["hints"];
  external_reference: string | null;
  handling_level: GrievanceDetail["handlingLevel"];
}

export async function findGrievance(pool: Pool, id: string): Promise<GrievanceDetail | undefined> {
  const { rows } = await pool.query<GrievanceRow>("SELECT * FROM grievances WHERE id = $1", [id]);
  const g = rows[0];
  if (!g) return undefined;
  const timeline = await pool.query<{ event_type: string; status: GrievanceDetail["status"]; level: GrievanceDetail["handlingLevel"]; at: Date }>(
    "SELECT event_type, status, level, at FROM timeline WHERE grievance_id = $1 ORDER BY at, event_id",
    [id],
  );
  return {
    id: g.id,
    trackingCode: g.tracking_code,
    status: g.status,
    channel: g.channel,
    receivedAt: g.received_at.toISOString(),
    language: g.language,
    description: g.description,
    complainant: g.anonymous
      ? { anonymous: true }
      : { anonymous: false, name: g.complainant_name!, phone: g.complainant_phone!, consentToContact: g.consent_to_contact },
    location: {
      divisionCode: g.division_code,
      ...(g.address ? { address: g.address } : {}),
      ...(g.latitude !== null && g.longitude !== null ? { coordinates: { lat: g.latitude, lon: g.longitude } } : {}),
    },
    hints: g.hints,
    externalReference: g.external_reference,
    handlingLevel: g.handling_level,
    timeline: [
      { type: "grievance.received.v1", status: "received", level: null, at: g.received_at.toISOString() },
      ...timeline.rows.map((t) => ({ type: t.event_type, status: t.status, level: t.level, at: t.at.toISOString() })),
    ],
  };
}

export async function findTrackingStatus(pool: Pool, trackingCode: string): Promise<TrackingStatus | undefined> {
  const { rows } = await pool.query<Pick<GrievanceRow, "tracking_code" | "status" | "received_at" | "status_changed_at" | "handling_level">>(
    "SELECT tracking_code, status, received_at, status_changed_at, handling_level FROM grievances WHERE tracking_code = $1",
    [trackingCode],
  );
  const g = rows[0];
  if (!g) return undefined;
  return {
    trackingCode: g.tracking_code,
    status: g.status,
    receivedAt: g.received_at.toISOString(),
    updatedAt: g.status_changed_at.toISOString(),
    handlingLevel: g.handling_level,
  };
}
