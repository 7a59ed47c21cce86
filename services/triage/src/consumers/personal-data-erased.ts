// personal_data.erased -> the case keeps what makes it countable (division, category, urgency,
// status, dates) and loses the description, its signature and the caller's hash (no repeat link to it any more).
import { erasedMarker, type BatchHandler, type Keyring } from "@grievance-hub/kit";
import type { PersonalDataErasedV1 } from "@grievance-hub/schema";

export const onPersonalDataErased = (keyring: Keyring): BatchHandler => async (client, messages) => {
  const erased = messages.map((m) => m.event.data as PersonalDataErasedV1);
  // Not only after the TTL: a key this replica still caches would open what arrives next.
  keyring.forget(erased.map((e) => e.dataSubject));
  const ids = erased.map((e) => e.grievanceId);
  await client.query("UPDATE cases SET description = $2, description_signature = NULL, phone_hash = NULL WHERE grievance_id = ANY($1::uuid[])", [ids, erasedMarker]);
};
