// personal_data.erased -> the case keeps what makes it countable (division, category, urgency,
// status, dates) and loses the description and the caller's hash (no repeat link to it any more).
import { erasedMarker, type BatchHandler } from "@grievance-hub/kit";
import type { PersonalDataErasedV1 } from "@grievance-hub/schema";

export const onPersonalDataErased: BatchHandler = async (client, messages) => {
  const ids = messages.map((m) => (m.event.data as PersonalDataErasedV1).grievanceId);
  await client.query("UPDATE cases SET description = $2, phone_hash = NULL WHERE grievance_id = ANY($1::uuid[])", [ids, erasedMarker]);
};
