import { outboxRows, type Keyring, type OutboxContext, type Pool } from "@grievance-hub/kit";
import { partitionKeyFor, type CallerHistory, type CreateGrievanceResponse, type GrievanceDetail, type GrievanceReceivedV2, type TrackingStatus } from "@grievance-hub/schema";

/** The first answer stored with an idempotency key: who claimed it, for which body, what they were told. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  requestHash: string;
  answer: CreateGrievanceResponse;
}

export type InsertOutcome =
  | { recorded: true }
  | { recorded: false; earlier: { requestHash: string; response: CreateGrievanceResponse } | undefined }
  | { recorded: false; trackingCodeTaken: true };

/**
 * In one statement (one round trip, prepared): the idempotency claim when there is a key, the
 * grievance row, and grievance.received with its public counterpart in the outbox, keyed by the
 * district. The personal fields arrive sealed and are stored so; the row keeps the coordinates
 * rounded to about 1 km only (the exact ones are sealed in the event). When the key was claimed before, nothing is written and the earlier claim is
 * returned, or `earlier: undefined` when it was claimed by a transaction that committed while
 * this statement waited for it (its snapshot cannot see that row: read it with `findClaim`).
 */
export async function insertGrievance(pool: Pool, outbox: OutboxContext, g: GrievanceReceivedV2, claim: IdempotencyClaim | undefined): Promise<InsertOutcome> {
  const c = g.complainant.anonymous ? null : g.complainant;
  const events = outboxRows(outbox, [{ type: "grievance.received.v2", data: g, opts: { key: partitionKeyFor(g.divisionCode) } }], 22);
  const values = [
    claim?.scope ?? null, claim?.key ?? null, claim?.requestHash ?? null, claim ? JSON.stringify(claim.answer) : null,
    g.grievanceId, g.trackingCode, g.channel, g.receivedAt, g.divisionCode, g.language, g.description, c === null,
    c?.name ?? null, c?.phone ?? null, c?.phoneHash ?? null, c?.consentToContact ?? false,
    g.location.address ?? null, g.location.approximateCoordinates?.lat ?? null, g.location.approximateCoordinates?.lon ?? null,
    g.hints ? JSON.stringify(g.hints) : null, g.externalReference ?? null,
    ...events.params,
  ];
  try {
    const { rows } = await pool.query<{ recorded: boolean; earlier_hash: string | null; earlier_response: CreateGrievanceResponse | null }>({
      name: "intake-record-grievance",
      text: `WITH claim AS (
          INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response)
          SELECT $1::text, $2::text, $3::text, 202, $4::jsonb WHERE $1::text IS NOT NULL
          ON CONFLICT (scope, key) DO NOTHING
          RETURNING 1
        ), earlier AS (
          SELECT request_hash, response FROM idempotency_keys WHERE $1::text IS NOT NULL AND scope = $1::text AND key = $2::text
        ), grievance AS (
          INSERT INTO grievances (id, tracking_code, channel, received_at, division_code, language, description, anonymous,
            complainant_name, complainant_phone, phone_hash, consent_to_contact, address, latitude, longitude, hints,
            external_reference, status, status_changed_at)
          SELECT $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 'received', $8
          WHERE $1::text IS NULL OR EXISTS (SELECT 1 FROM claim)
          RETURNING 1
        ), events AS (
          INSERT INTO ${outbox.schema}.outbox (${events.columns}) SELECT * FROM ${events.rows} WHERE EXISTS (SELECT 1 FROM grievance)
        )
        SELECT EXISTS (SELECT 1 FROM grievance) AS recorded, (SELECT request_hash FROM earlier) AS earlier_hash, (SELECT response FROM earlier) AS earlier_response`,
      values,
    });
    const row = rows[0]!;
    if (row.recorded) return { recorded: true };
    return { recorded: false, earlier: row.earlier_hash === null ? undefined : { requestHash: row.earlier_hash, response: row.earlier_response! } };
  } catch (err) {
    // The statement is its own transaction: a taken code rolled all of it back, the claim included.
    if ((err as { code?: string; constraint?: string }).code === "23505" && (err as { constraint?: string }).constraint === "grievances_tracking_code_key") {
      return { recorded: false, trackingCodeTaken: true };
    }
    throw err;
  }
}

/** The stored claim of an idempotency key (after `insertGrievance` waited for a concurrent request). */
export async function findClaim(pool: Pool, scope: string, key: string): Promise<{ requestHash: string; response: CreateGrievanceResponse }> {
  const { rows } = await pool.query<{ request_hash: string; response: CreateGrievanceResponse }>("SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2", [scope, key]);
  return { requestHash: rows[0]!.request_hash, response: rows[0]!.response };
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

/** A grievance as staff see it, its personal fields opened (the erased marker once the person's key is destroyed). */
export async function findGrievance(pool: Pool, keyring: Keyring, id: string): Promise<GrievanceDetail | undefined> {
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
    description: await keyring.open("description", g.description),
    complainant: g.anonymous
      ? { anonymous: true }
      : {
          anonymous: false,
          name: await keyring.open("complainant.name", g.complainant_name!),
          phone: await keyring.open("complainant.phone", g.complainant_phone!),
          consentToContact: g.consent_to_contact,
        },
    location: {
      divisionCode: g.division_code,
      ...(g.address ? { address: await keyring.open("location.address", g.address) } : {}),
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

/** What a complainant may see of the grievance with this tracking code, and its id (for the access log, never shown). */
export async function findTrackingStatus(pool: Pool, trackingCode: string): Promise<{ grievanceId: string; status: TrackingStatus } | undefined> {
  const { rows } = await pool.query<Pick<GrievanceRow, "id" | "tracking_code" | "status" | "received_at" | "status_changed_at" | "handling_level">>(
    "SELECT id, tracking_code, status, received_at, status_changed_at, handling_level FROM grievances WHERE tracking_code = $1",
    [trackingCode],
  );
  const g = rows[0];
  if (!g) return undefined;
  return {
    grievanceId: g.id,
    status: {
      trackingCode: g.tracking_code,
      status: g.status,
      receivedAt: g.received_at.toISOString(),
      updatedAt: g.status_changed_at.toISOString(),
      handlingLevel: g.handling_level,
    },
  };
}

/**
 * A caller's earlier grievances by the keyed hash of their phone (newest first, at most `limit`),
 * limited to a division prefix when one is given: ids, codes, dates, status and category only.
 */
export async function findCallerHistory(pool: Pool, phoneHash: string, divisionPrefix: string | undefined, limit = 20): Promise<CallerHistory["grievances"]> {
  const { rows } = await pool.query<{ id: string; tracking_code: string; received_at: Date; status: GrievanceDetail["status"]; category: string | null }>(
    `SELECT id, tracking_code, received_at, status, hints->>'category' AS category FROM grievances
      WHERE phone_hash = $1 AND ($2::text IS NULL OR starts_with(division_code, $2::text))
      ORDER BY received_at DESC LIMIT $3`,
    [phoneHash, divisionPrefix ?? null, limit],
  );
  return rows.map((r) => ({ id: r.id, trackingCode: r.tracking_code, receivedAt: r.received_at.toISOString(), status: r.status, category: r.category as CallerHistory["grievances"][number]["category"] }));
}
