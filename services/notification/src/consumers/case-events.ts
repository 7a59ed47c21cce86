// Case events -> the deliveries they make due. Channels (webhook, email, SMS, live feed)
// that carry them out are not wired yet: rows stay `pending`.
import type { EventHandler } from "@grievance-hub/kit";
import type { CaseOpenedV1 } from "@grievance-hub/schema";

export const onCaseOpened: EventHandler = async (client, event) => {
  const c = event.data as CaseOpenedV1;
  // Until routing exists, the division's supervisors' live feed is told of every new case.
  await client.query(
    `INSERT INTO deliveries (event_id, event_type, grievance_id, recipient_kind, recipient_id, channel, status)
     VALUES ($1, $2, $3, 'supervisor', $4, 'feed', 'pending')
     ON CONFLICT (event_id, recipient_kind, recipient_id, channel) DO NOTHING`,
    [event.id, event.type, c.grievanceId, `division:${c.divisionCode}`],
  );
};
