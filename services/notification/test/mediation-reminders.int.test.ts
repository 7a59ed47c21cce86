// Mediation through notification over real Kafka and Postgres: a day before a session the
// mediator and each invited party who consented get an SMS (a party who did not, none), and
// danger at a session sends the team's supervisor the P1 alert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventData } from "@grievance-hub/schema";
import { aCase, eventually, fastDelivery, setRecipient, startHarness, startSmsGateway, type Harness } from "./harness";

const SMS_TOKEN = "gw-token-med";
let h: Harness;
let sms: Awaited<ReturnType<typeof startSmsGateway>>;

beforeAll(async () => {
  sms = await startSmsGateway(SMS_TOKEN);
  h = await startHarness({ ...fastDelivery, SMS_GATEWAY_URL: sms.url, SMS_GATEWAY_TOKEN: SMS_TOKEN, CASE_URL_BASE: "https://hub.example.org/cases/", STATUS_URL: "https://hotline.example.org/track" });
  await setRecipient(h, "caseworker", "med-li", { language: "zh", channels: { sms: "+8613700137000", feed: true } });
  await setRecipient(h, "team_supervisor", "team-community-1", { language: "en", channels: { sms: "+8613600136000", feed: false } });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await sms?.close();
});

describe("mediation reminders and alerts", () => {
  it("reminds the mediator and the consenting party of tomorrow's session by SMS, and not the party who did not consent", async () => {
    const c = aCase();
    const party = (partyId: string, phone: string, consentToContact: boolean): EventData<"case.party_added.v1"> => ({
      caseId: c.caseId, grievanceId: c.grievanceId, occurredAt: c.occurredAt, actor: { id: "cw-chen", role: "caseworker" },
      partyId, role: "respondent", kind: "person", name: "Wang Fang", phone, language: "zh", consentToContact,
    });
    await h.publish("case.party_added.v1", party("party-1", "+8613900139000", true));
    await h.publish("case.party_added.v1", party("party-2", "+8613800138888", false));
    const at = new Date(Date.now() + 20 * 3600_000).toISOString();
    await h.publish("case.session_reminder_due.v1", { ...c, sessionId: "session-1", mediatorId: "med-li", at, place: "社区调解室", invitedPartyIds: ["party-1", "party-2"] });
    const sent = await eventually(async () => (sms.received.length >= 2 ? sms.received : undefined), 30_000, "two SMS");
    expect(sent.map((m) => m.to).sort()).toEqual(["+8613700137000", "+8613900139000"]);
    expect(sent.find((m) => m.to === "+8613900139000")!.text).toContain("社区调解室");
    expect(sent.find((m) => m.to === "+8613900139000")!.text).not.toContain(c.trackingCode);
    expect(sent.find((m) => m.to === "+8613700137000")!.text).toContain(c.trackingCode);
    const { rows } = await h.db.query("SELECT recipient_kind, recipient_id FROM deliveries WHERE template = 'session.reminder_party'");
    expect(rows).toEqual([{ recipient_kind: "party", recipient_id: `${c.grievanceId}:party-1` }]);
  });

  it("sends the team's supervisor the P1 alert when danger at a session raises the case to P1", async () => {
    const c = aCase();
    await h.publish("case.urgency_raised.v1", {
      ...c, urgency: "P1", fromUrgency: "P3", reason: "threat recorded at mediation session session-1", team: { id: "team-community-1", level: "community" }, caseworkerId: "cw-chen",
      acknowledgeBy: new Date(Date.now() + 15 * 60_000).toISOString(), resolveBy: new Date(Date.now() + 86_400_000).toISOString(), alertSupervisor: true,
    });
    const alert = await eventually(async () => sms.received.find((m) => m.to === "+8613600136000"), 30_000, "the supervisor's alert");
    expect(alert.text).toContain(c.trackingCode);
    const { rows } = await h.db.query("SELECT template FROM deliveries WHERE grievance_id = $1", [c.grievanceId]);
    expect(rows).toEqual([{ template: "grievance.p1_alert" }]);
  });
});
