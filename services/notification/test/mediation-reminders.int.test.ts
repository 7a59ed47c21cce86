// Mediation through notification over real Kafka and Postgres: a day before a session the
// mediator and each invited party who consented get an SMS (a party who did not, none) — a party
// from case.party_added.v2 at the phone opened from its sealed value, one from v1 at its phone
// as it came; a v2 reminder's place is opened for the party's SMS only and kept sealed — and danger
// at a session sends the team's supervisor the P1 alert.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyEncryptionKeys, Keyring, type Pool } from "@grievance-hub/kit";
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
  it("reminds the mediator and the consenting parties of tomorrow's session by SMS, and not the party who did not consent", async () => {
    const c = aCase();
    const party = (partyId: string, phone: string, consentToContact: boolean): EventData<"case.party_added.v1"> => ({
      caseId: c.caseId, grievanceId: c.grievanceId, occurredAt: c.occurredAt, actor: { id: "cw-chen", role: "caseworker" },
      partyId, role: "respondent", kind: "person", name: "Wang Fang", phone, language: "zh", consentToContact,
    });
    // As triage publishes it now: the name and phone sealed with the case's person's key.
    const seal = await new Keyring(h.db as unknown as Pool, keyEncryptionKeys(h.config)).sealerFor(`grievance:${c.grievanceId}`);
    await h.publish("case.party_added.v2", { ...party("party-1", "", true), name: seal("name", "Wang Fang"), phone: seal("phone", "+8613900139000") });
    await h.publish("case.party_added.v1", party("party-2", "+8613800138888", false));
    await h.publish("case.party_added.v1", party("party-3", "+8613500135000", true));
    const at = new Date(Date.now() + 20 * 3600_000).toISOString();
    await h.publish("case.session_reminder_due.v1", { ...c, sessionId: "session-1", mediatorId: "med-li", at, place: "社区调解室", invitedPartyIds: ["party-1", "party-2", "party-3"] });
    const sent = await eventually(async () => (sms.received.length >= 3 ? sms.received : undefined), 30_000, "three SMS");
    expect(sent.map((m) => m.to).sort()).toEqual(["+8613500135000", "+8613700137000", "+8613900139000"]);
    // Kept sealed: the phone is nowhere in notification's tables.
    const { rows: kept } = await h.db.query("SELECT phone FROM parties WHERE grievance_id = $1 AND party_id = 'party-1'", [c.grievanceId]);
    expect(kept[0].phone).toMatch(/^ghs1\./);
    expect(sent.find((m) => m.to === "+8613900139000")!.text).toContain("社区调解室");
    expect(sent.find((m) => m.to === "+8613900139000")!.text).not.toContain(c.trackingCode);
    expect(sent.find((m) => m.to === "+8613700137000")!.text).toContain(c.trackingCode);
    const { rows } = await h.db.query("SELECT recipient_kind, recipient_id FROM deliveries WHERE template = 'session.reminder_party'");
    expect(rows.map((r) => r.recipient_id).sort()).toEqual([`${c.grievanceId}:party-1`, `${c.grievanceId}:party-3`]);
  });

  it("keeps a v2 reminder's place sealed: the party's SMS names it, the mediator's does not, and no table holds it in clear", async () => {
    const c = aCase();
    const seal = await new Keyring(h.db as unknown as Pool, keyEncryptionKeys(h.config)).sealerFor(`grievance:${c.grievanceId}`);
    const place = "Flat 9, Wexmoor Court (the respondent's home)";
    await h.publish("case.party_added.v2", {
      caseId: c.caseId, grievanceId: c.grievanceId, occurredAt: c.occurredAt, actor: { id: "cw-chen", role: "caseworker" },
      partyId: "party-1", role: "respondent", kind: "person", name: seal("name", "Li Wei"), phone: seal("phone", "+8613911112222"), language: "en", consentToContact: true,
    });
    const before = sms.received.length;
    const at = new Date(Date.now() + 20 * 3600_000).toISOString();
    await h.publish("case.session_reminder_due.v2", { ...c, sessionId: "session-1", mediatorId: "med-li", at, place: seal("place", place), invitedPartyIds: ["party-1"] });
    const sent = await eventually(async () => (sms.received.length >= before + 2 ? sms.received.slice(before) : undefined), 30_000, "two SMS");
    expect(sent.find((m) => m.to === "+8613911112222")!.text).toContain(place);
    expect(sent.find((m) => m.to === "+8613700137000")!.text).not.toContain("Wexmoor");
    const { rows } = await h.db.query("SELECT template, variables::text, subject, body, html FROM deliveries WHERE grievance_id = $1", [c.grievanceId]);
    // The mediator by SMS and on their feed, the party by SMS.
    expect(rows.map((r) => r.template).sort()).toEqual(["session.reminder", "session.reminder", "session.reminder_party"]);
    expect(JSON.stringify(rows)).not.toContain("Wexmoor");
    const party = rows.find((r) => r.template === "session.reminder_party")!;
    for (const field of ["subject", "body", "html"] as const) expect(party[field]).toMatch(/^ghs1\./);
    const feed = await h.db.query("SELECT subject, body, facts::text FROM feed WHERE facts::text LIKE $1", [`%${c.trackingCode}%`]);
    expect(JSON.stringify(feed.rows)).not.toContain("Wexmoor");
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
