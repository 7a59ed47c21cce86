// Turns an operator's request into the grievance.received fact, or says which field is wrong.
import type { CreateGrievanceRequest, GrievanceReceivedV1 } from "@grievance-hub/schema";
import { invalidPhone, normalisePhone, phoneHash } from "./phone";

export type RecordRefusal = { field: string; message: string; code?: string };

/** A v1 request, or an Open311 one mapped to the same shape with its own channel. */
export type GrievanceInput = Omit<CreateGrievanceRequest, "channel"> & { channel: GrievanceReceivedV1["channel"] };

export function toReceivedEvent(
  body: GrievanceInput,
  ids: { grievanceId: string; trackingCode: string; receivedAt: Date },
  keys: { phoneHashKey: string; defaultPhoneRegion: string },
): { ok: true; event: GrievanceReceivedV1 } | { ok: false; refusal: RecordRefusal } {
  let complainant: GrievanceReceivedV1["complainant"] = { anonymous: true };
  if (body.complainant) {
    const phone = normalisePhone(body.complainant.phone, keys.defaultPhoneRegion);
    if (!phone) return { ok: false, refusal: invalidPhone("complainant.phone") };
    complainant = {
      anonymous: false,
      name: body.complainant.name,
      phone,
      phoneHash: phoneHash(phone, keys.phoneHashKey),
      language: body.complainant.language,
      consentToContact: body.complainant.consentToContact,
    };
  }
  const event: GrievanceReceivedV1 = {
    grievanceId: ids.grievanceId,
    trackingCode: ids.trackingCode,
    channel: body.channel,
    receivedAt: ids.receivedAt.toISOString(),
    divisionCode: body.location.divisionCode,
    language: body.complainant?.language ?? body.language ?? "zh",
    description: body.description,
    complainant,
    location: body.location,
    ...(body.hints ? { hints: body.hints } : {}),
    ...(body.externalReference ? { externalReference: body.externalReference } : {}),
  };
  return { ok: true, event };
}
