// The mediation decisions of the case lifecycle, state by state: parties, mediator, sessions,
// agreements and obligations, follow-up, referral, decline and withdraw.
import { describe, expect, it } from "vitest";
import { decide, evolve, initialState, type Actor, type CaseCommand, type CaseEvent, type CaseState, type Decision, type OpenedCase } from "../src/domain/case-lifecycle";
import { mediationDeadlines } from "../src/domain/mediation/dispute";
import { dueDatesByUrgency, followUpDueAt } from "../src/domain/mediation/policy";
import { defaultDeadlinePolicy } from "../src/domain/deadlines";
import type { TeamRef } from "../src/domain/routing";

const T0 = new Date("2026-03-01T08:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const DAY = 24 * 60;

const team: TeamRef = { id: "community-1", level: "community" };
const system: Actor = { id: "triage", role: "system" };
const zhang: Actor = { id: "cw-zhang", role: "caseworker" };
const other: Actor = { id: "cw-other", role: "caseworker" };
const dueFrom = (m: number) => dueDatesByUrgency(at(m), defaultDeadlinePolicy);

function apply(state: CaseState, command: CaseCommand, actor: Actor, minute: number): { state: OpenedCase; events: CaseEvent[] } {
  const decision = decide(command, state, { now: at(minute), actor });
  if (!decision.ok) throw new Error(`${command.type} refused: ${decision.refusal.message}`);
  let s = state;
  for (const e of decision.events) s = evolve(s, e);
  return { state: s as OpenedCase, events: decision.events };
}

function walk(steps: [CaseCommand, Actor][], from: CaseState = initialState, start = 0): OpenedCase {
  let s = from;
  steps.forEach(([c, a], i) => (s = apply(s, c, a, start + i).state));
  return s as OpenedCase;
}

const accepted = walk([
  [{ type: "open", caseId: "7d1f6f0e-5a43-4b8e-9c1a-2f0d3e4b5c6d", grievanceId: "0b9e3c52-8f4a-4d21-a3b7-5e6f7a8b9c0d", trackingCode: "GH7K2Q9X", divisionCode: "440402001001", language: "zh", receivedAt: T0 }, system],
  [{ type: "triage", category: "neighbour", urgency: "P3", signals: [], rulesetVersion: "r1" }, system],
  [{ type: "assign", team, caseworkerId: zhang.id, dueDates: { acknowledgeBy: at(DAY), resolveBy: at(15 * DAY) }, reason: "routed" }, system],
  [{ type: "accept" }, zhang],
]);
const withParty = walk([[{ type: "addParty", partyId: "party-1", role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", consentToContact: true }, zhang]], accepted, 10);
const withMediator = walk([[{ type: "assignMediator", mediatorId: "med-li", reason: "most local" }, zhang]], withParty, 20);
const scheduled = walk([[{ type: "scheduleSession", sessionId: "session-1", at: at(2 * DAY), durationMinutes: 90, place: "community office", invitedPartyIds: ["party-1"] }, zhang]], withMediator, 30);
const record = (result: "agreement" | "adjourned", danger: "none" | "threat" = "none"): CaseCommand => ({
  type: "recordSession", sessionId: "session-1", complainantAttended: true, attendedPartyIds: ["party-1"], result, danger, dueDatesFrom: dueFrom(2 * DAY + 100),
});
const heldWithAgreement = walk([[record("agreement"), zhang]], scheduled, 2 * DAY + 100);
const agreement: CaseCommand = {
  type: "recordAgreement", agreementId: "agreement-1", sessionId: "session-1", terms: "No noise after 22:00; 500 yuan for the ceiling.", signedOn: "2026-03-03",
  obligations: [
    { obligationId: "agreement-1.1", owedBy: "party-1", what: "quiet after 22:00", dueBy: "2026-03-03" },
    { obligationId: "agreement-1.2", owedBy: "party-1", what: "pay 500 yuan", dueBy: "2026-03-10" },
  ],
};
const agreed = walk([[agreement, zhang]], heldWithAgreement, 2 * DAY + 110);
const resolved = walk([[{ type: "resolve", outcome: "mediated_agreement", summary: "agreement signed", followUpAt: at(10 * DAY) }, zhang]], agreed, 2 * DAY + 120);

const refusalOf = (d: Decision) => (d.ok ? undefined : d.refusal);

describe("mediation: parties and mediator", () => {
  it("records a respondent with their contact data on the case", () => {
    expect(withParty.dispute?.parties).toEqual([{ partyId: "party-1", role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", language: null, consentToContact: true }]);
  });

  it("refuses a second party with the same id, naming partyId", () => {
    const d = decide({ type: "addParty", partyId: "party-1", role: "landlord", kind: "organisation", name: "X", consentToContact: false }, withParty, { now: at(50), actor: zhang });
    expect(refusalOf(d)).toMatchObject({ code: "invalid_command", field: "partyId" });
  });

  it("lets only the assignee, the team's supervisor or an admin add a party", () => {
    const d = decide({ type: "addParty", partyId: "party-2", role: "landlord", kind: "organisation", name: "X", consentToContact: false }, withParty, { now: at(50), actor: other });
    expect(refusalOf(d)?.code).toBe("not_permitted");
  });

  it("gives the case a mediator", () => {
    expect(withMediator.dispute?.mediatorId).toBe("med-li");
  });
});

describe("mediation: sessions", () => {
  it("refuses a session before the case has a mediator", () => {
    const d = decide({ type: "scheduleSession", sessionId: "session-1", at: at(DAY), durationMinutes: 60, place: "office", invitedPartyIds: [] }, withParty, { now: at(40), actor: zhang });
    expect(refusalOf(d)).toMatchObject({ code: "invalid_state" });
  });

  it("refuses a session in the past, naming at", () => {
    const d = decide({ type: "scheduleSession", sessionId: "session-1", at: at(10), durationMinutes: 60, place: "office", invitedPartyIds: [] }, withMediator, { now: at(40), actor: zhang });
    expect(refusalOf(d)).toMatchObject({ code: "invalid_command", field: "at" });
  });

  it("refuses to invite someone who is not a party, naming the invitation", () => {
    const d = decide({ type: "scheduleSession", sessionId: "session-1", at: at(DAY), durationMinutes: 60, place: "office", invitedPartyIds: ["party-1", "party-9"] }, withMediator, { now: at(40), actor: zhang });
    expect(refusalOf(d)).toMatchObject({ code: "invalid_command", field: "invitedPartyIds.1" });
  });

  it("puts a case with a scheduled session in mediation, with the case's mediator", () => {
    expect(scheduled.status).toBe("in_mediation");
    expect(scheduled.dispute?.sessions[0]).toMatchObject({ sessionId: "session-1", mediatorId: "med-li", status: "scheduled", invitedPartyIds: ["party-1"] });
  });

  it("moves and cancels a scheduled session, and refuses to move it into the past", () => {
    expect(walk([[{ type: "rescheduleSession", sessionId: "session-1", at: at(3 * DAY) }, zhang]], scheduled, 40).dispute?.sessions[0]).toMatchObject({ at: at(3 * DAY), place: "community office" });
    expect(walk([[{ type: "cancelSession", sessionId: "session-1", reason: "respondent ill" }, zhang]], scheduled, 40).dispute?.sessions[0]?.status).toBe("cancelled");
    expect(refusalOf(decide({ type: "rescheduleSession", sessionId: "session-1", at: at(1) }, scheduled, { now: at(40), actor: zhang }))).toMatchObject({ field: "at" });
  });

  it("records an adjourned session, and refuses to record it twice", () => {
    const adjourned = walk([[record("adjourned"), zhang]], scheduled, 2 * DAY + 100);
    expect(adjourned.dispute?.sessions[0]).toMatchObject({ status: "held", result: "adjourned", danger: "none" });
    expect(adjourned.classification?.urgency).toBe("P3");
    expect(refusalOf(decide(record("agreement"), adjourned, { now: at(2 * DAY + 101), actor: zhang }))?.code).toBe("invalid_state");
  });

  it("raises the case to P1, tightens its deadlines and alerts the supervisor when a threat is recorded at a session", () => {
    const { state, events } = apply(scheduled, record("adjourned", "threat"), zhang, 2 * DAY + 100);
    const raised = events.find((e) => e.type === "case.urgency_raised");
    expect(raised).toMatchObject({ fromUrgency: "P3", urgency: "P1", alertSupervisor: true });
    expect(state.classification?.urgency).toBe("P1");
    expect(state.dueDates!.resolveBy.getTime()).toBe(at(2 * DAY + 100 + DAY).getTime());
  });
});

describe("mediation: agreements and obligations", () => {
  it("refuses an agreement without a held session, naming sessionId", () => {
    expect(refusalOf(decide(agreement, scheduled, { now: at(2 * DAY + 110), actor: zhang }))).toMatchObject({ code: "invalid_command", field: "sessionId" });
  });

  it("refuses an agreement on a session that was adjourned", () => {
    const adjourned = walk([[record("adjourned"), zhang]], scheduled, 2 * DAY + 100);
    expect(refusalOf(decide(agreement, adjourned, { now: at(2 * DAY + 110), actor: zhang }))).toMatchObject({ field: "sessionId" });
  });

  it("refuses an obligation due before the signing date, naming it", () => {
    const early = { ...agreement, obligations: [agreement.type === "recordAgreement" ? agreement.obligations[0]! : never(), { obligationId: "agreement-1.2", owedBy: "party-1", what: "pay", dueBy: "2026-03-02" }] } as CaseCommand;
    expect(refusalOf(decide(early, heldWithAgreement, { now: at(2 * DAY + 110), actor: zhang }))).toMatchObject({ code: "invalid_command", field: "obligations.1.dueBy" });
  });

  it("refuses an obligation owed by someone who is not a party", () => {
    const stranger = { ...agreement, obligations: [{ obligationId: "agreement-1.1", owedBy: "party-7", what: "x", dueBy: "2026-03-05" }] } as CaseCommand;
    expect(refusalOf(decide(stranger, heldWithAgreement, { now: at(2 * DAY + 110), actor: zhang }))).toMatchObject({ field: "obligations.0.owedBy" });
    // The complainant is no party: case.agreement_recorded.v1 could not carry them as the ower, so the decision refuses it up front.
    const ownSide = { ...agreement, obligations: [{ obligationId: "agreement-1.1", owedBy: "complainant", what: "x", dueBy: "2026-03-05" }] } as CaseCommand;
    expect(refusalOf(decide(ownSide, heldWithAgreement, { now: at(2 * DAY + 110), actor: zhang }))).toMatchObject({ code: "invalid_command", field: "obligations.0.owedBy" });
  });

  it("records the agreement with its obligations open", () => {
    expect(agreed.dispute?.agreements[0]?.obligations.map((o) => o.status)).toEqual(["open", "open"]);
  });

  it("sends an agreement to court for judicial confirmation as a referral, without leaving mediation", () => {
    const jc = { ...agreement, judicialConfirmation: { court: "Xiangzhou People's Court", referralId: "referral-1", acknowledgeBy: at(20 * DAY) } } as CaseCommand;
    const s = walk([[jc, zhang]], heldWithAgreement, 2 * DAY + 110);
    expect(s.status).toBe("in_mediation");
    expect(s.dispute?.referrals).toMatchObject([{ referralId: "referral-1", to: { kind: "court" }, purpose: "judicial_confirmation", acknowledgedAt: null }]);
  });

  it("resolves at the community level and schedules the follow-up visit", () => {
    expect(resolved.status).toBe("resolved");
    expect(resolved.dispute?.resolutionLevel).toBe("community");
    expect(resolved.dispute?.followUp).toMatchObject({ dueAt: at(10 * DAY), recordedAt: null });
  });

  it("reopens a resolved case to its caseworker and mediator and raises its urgency when an obligation is broken", () => {
    const { state, events } = apply(resolved, { type: "markObligation", agreementId: "agreement-1", obligationId: "agreement-1.1", status: "broken", dueDatesFrom: dueFrom(9 * DAY) }, zhang, 9 * DAY);
    expect(events.map((e) => e.type)).toEqual(["case.obligation_marked", "case.reopened", "case.urgency_raised"]);
    expect(state).toMatchObject({ status: "assigned", caseworkerId: zhang.id, classification: { urgency: "P2" } });
    expect(state.dispute).toMatchObject({ mediatorId: "med-li", followUp: null });
  });

  it("gives a case that comes back long after resolution due dates counted from now, not its old ones", () => {
    const late = 40 * DAY;
    const { state } = apply(resolved, { type: "markObligation", agreementId: "agreement-1", obligationId: "agreement-1.2", status: "broken", dueDatesFrom: dueFrom(late) }, zhang, late);
    expect(state.dueDates!.resolveBy.getTime()).toBe(dueFrom(late).P2.resolveBy.getTime());
  });

  it("marks a fulfilled obligation without reopening, and refuses to mark it again", () => {
    const { state, events } = apply(resolved, { type: "markObligation", agreementId: "agreement-1", obligationId: "agreement-1.2", status: "fulfilled", dueDatesFrom: dueFrom(9 * DAY) }, zhang, 9 * DAY);
    expect(events.map((e) => e.type)).toEqual(["case.obligation_marked"]);
    expect(state.status).toBe("resolved");
    expect(refusalOf(decide({ type: "markObligation", agreementId: "agreement-1", obligationId: "agreement-1.2", status: "broken", dueDatesFrom: dueFrom(9 * DAY) }, state, { now: at(9 * DAY + 1), actor: zhang }))?.code).toBe("invalid_state");
  });
});

describe("mediation: follow-up visit", () => {
  it("is due 3 days after resolution for P1/P2 and 7 for the rest", () => {
    expect(followUpDueAt("P2", "family", T0)).toEqual(at(3 * DAY));
    expect(followUpDueAt("P3", "neighbour", T0)).toEqual(at(7 * DAY));
  });

  it("refuses a follow-up on a case that is still open", () => {
    expect(refusalOf(decide({ type: "recordFollowUp", reached: true, satisfaction: "satisfied", dueDatesFrom: dueFrom(50) }, agreed, { now: at(50), actor: zhang }))?.code).toBe("invalid_state");
  });

  it("wants the satisfaction of a complainant who was reached, naming it", () => {
    expect(refusalOf(decide({ type: "recordFollowUp", reached: true, dueDatesFrom: dueFrom(8 * DAY) }, resolved, { now: at(8 * DAY), actor: zhang }))).toMatchObject({ field: "satisfaction" });
  });

  it("records a satisfied complainant and leaves the case resolved", () => {
    const s = walk([[{ type: "recordFollowUp", reached: true, satisfaction: "satisfied", dueDatesFrom: dueFrom(8 * DAY) }, zhang]], resolved, 8 * DAY);
    expect(s.status).toBe("resolved");
    expect(s.dispute?.followUp).toMatchObject({ reached: true, satisfaction: "satisfied", recordedAt: at(8 * DAY) });
  });

  it("reopens the case when the complainant is not satisfied", () => {
    const { state, events } = apply(resolved, { type: "recordFollowUp", reached: true, satisfaction: "not_satisfied", dueDatesFrom: dueFrom(8 * DAY) }, zhang, 8 * DAY);
    expect(events.map((e) => e.type)).toEqual(["case.follow_up_recorded", "case.reopened"]);
    expect(state.status).toBe("assigned");
  });

  it("counts an overdue follow-up once as a missed deadline", () => {
    expect(mediationDeadlines({ status: resolved.status, dispute: resolved.dispute! })).toContainEqual({ deadline: "follow_up", ref: null, dueAt: at(10 * DAY) });
    const breach: CaseCommand = { type: "recordMediationBreach", deadline: "follow_up", dueAt: at(10 * DAY) };
    expect(refusalOf(decide(breach, resolved, { now: at(9 * DAY), actor: system }))?.code).toBe("invalid_command");
    const missed = walk([[breach, system]], resolved, 11 * DAY);
    expect(refusalOf(decide(breach, missed, { now: at(11 * DAY + 1), actor: system }))?.code).toBe("invalid_state");
  });
});

describe("mediation: referral, decline, withdraw", () => {
  const referral: CaseCommand = { type: "refer", referralId: "referral-1", to: { kind: "labour_arbitration", name: "Xiangzhou labour arbitration committee" }, reason: "wages owed by a company", acknowledgeBy: at(6 * DAY) };
  const referred = walk([[referral, zhang]], accepted, 10);

  it("hands the case over and waits for the acknowledgement", () => {
    expect(referred.status).toBe("referred");
    expect(mediationDeadlines({ status: referred.status, dispute: referred.dispute! })).toEqual([{ deadline: "referral_acknowledgement", ref: "referral-1", dueAt: at(6 * DAY) }]);
  });

  it("resolves a handed-over case as referred when the body acknowledges it", () => {
    const { state, events } = apply(referred, { type: "acknowledgeReferral", referralId: "referral-1", reference: "LA-2026-118" }, zhang, 2 * DAY);
    expect(events.map((e) => e.type)).toEqual(["case.referral_acknowledged", "case.resolved"]);
    expect(state).toMatchObject({ status: "resolved", resolution: { outcome: "referred_to_agency" }, dispute: { resolutionLevel: "referred" } });
  });

  it("refuses to refer a case nobody has accepted yet", () => {
    const assigned = walk([[{ type: "open", caseId: "7d1f6f0e-5a43-4b8e-9c1a-2f0d3e4b5c6e", grievanceId: "0b9e3c52-8f4a-4d21-a3b7-5e6f7a8b9c0e", trackingCode: "GH7K2Q9Y", divisionCode: "440402001001", language: "zh", receivedAt: T0 }, system]]);
    expect(refusalOf(decide(referral, assigned, { now: at(5), actor: system }))?.code).toBe("not_permitted");
    expect(refusalOf(decide(referral, assigned, { now: at(5), actor: { id: "admin", role: "admin" } }))?.code).toBe("invalid_state");
  });

  it("declines a grievance outside the remit, closing it with where to go", () => {
    const { state, events } = apply(accepted, { type: "decline", reason: "a criminal matter", goTo: { kind: "police", name: "Xiangzhou police station" } }, zhang, 10);
    expect(events.map((e) => e.type)).toEqual(["case.declined", "case.closed"]);
    expect(state).toMatchObject({ status: "closed", resolution: null, dispute: { closure: { kind: "declined", reason: "a criminal matter" } } });
  });

  it("lets the complainant withdraw at any open state but not after resolution", () => {
    for (const open of [accepted, scheduled, referred]) expect(walk([[{ type: "withdraw", reason: "settled between us" }, zhang]], open, 3 * DAY).status).toBe("closed");
    expect(refusalOf(decide({ type: "withdraw", reason: "x" }, resolved, { now: at(3 * DAY), actor: zhang }))?.code).toBe("invalid_state");
  });

  it("closes a resolved case with the reason", () => {
    expect(walk([[{ type: "close", reason: "settlement holds" }, zhang]], resolved, 12 * DAY).dispute?.closure).toEqual({ kind: "closed", reason: "settlement holds" });
  });
});

function never(): never {
  throw new Error("unreachable");
}
