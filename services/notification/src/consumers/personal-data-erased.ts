// personal_data.erased -> the complainant's and the parties' phone numbers of the grievance are
// dropped, and so is where its deliveries went; what was sent when stays in the delivery log.
import { erasedMarker, type BatchHandler, type Keyring } from "@grievance-hub/kit";
import type { PersonalDataErasedV1 } from "@grievance-hub/schema";

export const onPersonalDataErased = (keyring: Keyring): BatchHandler => async (client, messages) => {
  const erased = messages.map((m) => m.event.data as PersonalDataErasedV1);
  // Not only after the TTL: a key this replica still caches would open what arrives next.
  keyring.forget(erased.map((e) => e.dataSubject));
  const ids = erased.map((e) => e.grievanceId);
  await client.query("UPDATE complainants SET phone = NULL WHERE grievance_id = ANY($1::uuid[])", [ids]);
  await client.query("UPDATE parties SET phone = NULL WHERE grievance_id = ANY($1::uuid[])", [ids]);
  await client.query("UPDATE deliveries SET destination = $2 WHERE grievance_id = ANY($1::uuid[]) AND destination IS NOT NULL", [ids, erasedMarker]);
};
