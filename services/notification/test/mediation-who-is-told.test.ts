// Who is told of mediation: the mediator and consenting parties a day before a session, the
// team's supervisor when danger at a session makes a case P1.
import { describe, expect, it } from "vitest";
import type { EventData } from "@grievance-hub/schema";
import { partyContactOf, whoIsTold } from "../src/domain/who-is-told";

const links = { caseUrl: (id: string) => `https://hub.example.org/cases/${id}`, statusUrl: "https://hotline.example.org/s" };
const base = {
  caseId: "7d1f6f0e-5a43-4b8e-9c1a-2f0d3e4b5c6d", grievanceId: "0b9e3c52-8f4a-4d21-a3b7-5e6f7a8b9c0d", occurredAt: "2026-03-01T08:00:00Z",
  actor: { id: "cw-zhang", role: "caseworker" as const }, trackingCode: "7KQ2M-X9PTR", divisionCode: "440402001001", category: "neighbour" as const, urgency: "P1" as const,
};
const raised: EventData<"case.urgency_raised.v1"> = {
  ...base, fromUrgency: "P3", reason: "threat recorded at mediation session session-1", team: { id: "xiangzhou-community", level: "community" }, caseworkerId: "cw-zhang",
  acknowledgeBy: "2026-03-01T08:15:00Z", resolveBy: "2026-03-02T08:00:00Z", alertSupervisor: true,
};

describe("who is told of mediation", () => {
  it("alerts the team's supervisor with the P1 alert when danger at a session raises the case to P1", () => {
    expect(whoIsTold({ type: "case.urgency_raised.v1", data: raised }, links)).toEqual([
      { recipient: { kind: "team_supervisor", id: "xiangzhou-community" }, template: "grievance.p1_alert", variables: expect.objectContaining({ trackingCode: "7KQ2M-X9PTR", dueBy: "2026-03-01T08:15:00Z" }) },
    ]);
  });

  it("tells nobody when a broken obligation raises a case short of P1", () => {
    expect(whoIsTold({ type: "case.urgency_raised.v1", data: { ...raised, urgency: "P2", alertSupervisor: false } }, links)).toEqual([]);
  });

  it("reminds the mediator and each invited party of a session, the parties with when and where only", () => {
    const due: EventData<"case.session_reminder_due.v1"> = { ...base, urgency: "P3", sessionId: "session-1", mediatorId: "med-li", at: "2026-03-02T09:30:00+08:00", place: "community office", invitedPartyIds: ["party-1", "party-2"] };
    const messages = whoIsTold({ type: "case.session_reminder_due.v1", data: due }, links);
    expect(messages).toEqual([
      // The mediator is told when; the place, which staff typed, stays on the case page.
      { recipient: { kind: "caseworker", id: "med-li" }, template: "session.reminder", variables: expect.objectContaining({ trackingCode: "7KQ2M-X9PTR", at: due.at }) },
      { recipient: { kind: "party", id: `${base.grievanceId}:party-1` }, template: "session.reminder_party", variables: { at: due.at, place: "community office" } },
      { recipient: { kind: "party", id: `${base.grievanceId}:party-2` }, template: "session.reminder_party", variables: { at: due.at, place: "community office" } },
    ]);
    expect(messages[0]!.variables).not.toHaveProperty("place");
  });

  it("keeps a party's phone only when they consented", () => {
    const added: EventData<"case.party_added.v1"> = { ...base, partyId: "party-1", role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", language: null, consentToContact: false };
    expect(partyContactOf(added)).toMatchObject({ consent: false, phone: null, language: "zh" });
    expect(partyContactOf({ ...added, consentToContact: true })).toMatchObject({ consent: true, phone: "+8613900139000" });
  });
});
