// The statistics projection's facts about one case, derived from its state alone, and the
// dashboard's window of days.
import { describe, expect, it } from "vitest";
import { decide, evolve, initialState, type Actor, type CaseCommand, type CaseState, type OpenedCase } from "../src/domain/case-lifecycle";
import { defaultDeadlinePolicy } from "../src/domain/deadlines";
import { dueDatesByUrgency } from "../src/domain/mediation/policy";
import type { TeamRef } from "../src/domain/routing";
import { caseStatistics } from "../src/domain/statistics";
import { dashboardWindow } from "../src/http/mediation";

const T0 = new Date("2026-03-01T08:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const DAY = 24 * 60;
const team: TeamRef = { id: "community-1", level: "community" };
const system: Actor = { id: "triage", role: "system" };
const zhang: Actor = { id: "cw-zhang", role: "caseworker" };
const dueFrom = (m: number) => dueDatesByUrgency(at(m), defaultDeadlinePolicy);

function walk(steps: [CaseCommand, Actor, number][], from: CaseState = initialState): OpenedCase {
  let s = from;
  for (const [command, actor, minute] of steps) {
    const decision = decide(command, s, { now: at(minute), actor });
    if (!decision.ok) throw new Error(`${command.type} refused: ${decision.refusal.message}`);
    for (const e of decision.events) s = evolve(s, e);
  }
  return s as OpenedCase;
}

const assigned = walk([
  [{ type: "open", caseId: "7d1f6f0e-5a43-4b8e-9c1a-2f0d3e4b5c6d", grievanceId: "0b9e3c52-8f4a-4d21-a3b7-5e6f7a8b9c0d", trackingCode: "GH7K2Q9X", divisionCode: "440402001001", language: "zh", receivedAt: T0 }, system, 0],
  [{ type: "triage", category: "neighbour", urgency: "P3", signals: [{ rule: "p2.group", matched: "全村", level: "P2" }], rulesetVersion: "r1" }, system, 0],
  [{ type: "assign", team, caseworkerId: zhang.id, dueDates: { acknowledgeBy: at(DAY), resolveBy: at(15 * DAY) }, reason: "routed" }, system, 1],
]);
const accepted = walk([[{ type: "accept" }, zhang, 30]], assigned);
const agreedAndResolved = walk(
  [
    [{ type: "addParty", partyId: "party-1", role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", consentToContact: true }, zhang, 40],
    [{ type: "assignMediator", mediatorId: "med-li", reason: "most local" }, zhang, 50],
    [{ type: "scheduleSession", sessionId: "session-1", at: at(2 * DAY), durationMinutes: 90, place: "community office", invitedPartyIds: ["party-1"] }, zhang, 60],
    [{ type: "recordSession", sessionId: "session-1", complainantAttended: true, attendedPartyIds: ["party-1"], result: "agreement", danger: "none", dueDatesFrom: dueFrom(2 * DAY + 100) }, zhang, 2 * DAY + 100],
    [{ type: "recordAgreement", agreementId: "agreement-1", sessionId: "session-1", terms: "No noise after 22:00.", signedOn: "2026-03-03", obligations: [{ obligationId: "agreement-1.1", owedBy: "party-1", what: "quiet after 22:00", dueBy: "2026-03-03" }] }, zhang, 2 * DAY + 110],
    [{ type: "resolve", outcome: "mediated_agreement", summary: "agreement signed", followUpAt: at(10 * DAY) }, zhang, 2 * DAY + 120],
  ],
  accepted,
);

describe("caseStatistics", () => {
  it("gives an untouched case its division, classification and running deadlines, and nothing about anyone", () => {
    const f = caseStatistics(assigned);
    expect(f).toEqual({
      caseId: assigned.caseId, divisionCode: "440402001001", category: "neighbour", urgency: "P3", receivedAt: T0, acceptedAt: null, resolvedAt: null,
      resolutionLevel: null, outcome: null, mediated: false, agreed: false, followedUp: false, holding: false, reached: false, satisfaction: null,
      groupDispute: true, acknowledgeDueAt: at(DAY), acknowledgeOutcome: "open", resolveDueAt: at(15 * DAY), resolveOutcome: "open",
    });
    expect(JSON.stringify(caseStatistics(agreedAndResolved))).not.toMatch(/Wang|139|noise/);
  });

  it("counts a case as a group dispute when triage found similar grievances from other callers nearby, not only by the ruleset's words", () => {
    const similar = walk([
      [{ type: "open", caseId: "8e2f7a1b-6b54-4c9f-8d2b-3f1e4c5d6e7f", grievanceId: "1c0f4d63-9a5b-4e32-b4c8-6f7a8b9c0d1e", trackingCode: "GH7K2Q9Y", divisionCode: "440402001001", language: "zh", receivedAt: T0 }, system, 0],
      [{ type: "triage", category: "neighbour", urgency: "P2", signals: [{ rule: "p2.group-dispute", matched: "similar to 3 other grievance(s)", level: "P2" }], rulesetVersion: "r1" }, system, 0],
    ]);
    const alone = walk([
      [{ type: "open", caseId: "9f3a8b2c-7c65-4daf-9e3c-4a2f5d6e7f80", grievanceId: "2d1a5e74-ab6c-4f43-85d9-7a8b9c0d1e2f", trackingCode: "GH7K2Q9Z", divisionCode: "440402001001", language: "zh", receivedAt: T0 }, system, 0],
      [{ type: "triage", category: "neighbour", urgency: "P3", signals: [], rulesetVersion: "r1" }, system, 0],
    ]);
    expect(caseStatistics(similar).groupDispute).toBe(true);
    expect(caseStatistics(alone).groupDispute).toBe(false);
  });

  it("counts the acceptance as first contact and the acknowledge deadline as met", () => {
    expect(caseStatistics(accepted)).toMatchObject({ acceptedAt: at(30), acknowledgeOutcome: "met", resolveOutcome: "open" });
  });

  it("records a mediated agreement, its resolution level and the resolve deadline met", () => {
    expect(caseStatistics(agreedAndResolved)).toMatchObject({
      mediated: true, agreed: true, resolvedAt: at(2 * DAY + 120), resolutionLevel: "community", outcome: "mediated_agreement", resolveOutcome: "met", followedUp: false,
    });
  });

  it("holds the agreement at follow-up until an obligation is broken, and records satisfaction", () => {
    const followed = walk([[{ type: "recordFollowUp", reached: true, satisfaction: "satisfied", dueDatesFrom: dueFrom(8 * DAY) }, zhang, 8 * DAY]], agreedAndResolved);
    expect(caseStatistics(followed)).toMatchObject({ followedUp: true, holding: true, reached: true, satisfaction: "satisfied" });
    const d = followed.dispute!;
    const broken = { ...followed, dispute: { ...d, agreements: d.agreements.map((a) => ({ ...a, obligations: a.obligations.map((o) => ({ ...o, status: "broken" as const })) })) } };
    expect(caseStatistics(broken)).toMatchObject({ followedUp: true, holding: false });
  });

  it("counts a breach as breached, and a late settlement as breached even before the breach is recorded", () => {
    const breached = walk([[{ type: "recordBreach", deadline: "acknowledge", dueAt: at(DAY) }, system, DAY + 1]], assigned);
    expect(caseStatistics(breached).acknowledgeOutcome).toBe("breached");
    expect(caseStatistics(walk([[{ type: "accept" }, zhang, DAY + 5]], assigned)).acknowledgeOutcome).toBe("breached");
  });

  it("voids the deadlines of a case no longer owed an answer, and has none without due dates", () => {
    const withdrawn = walk([[{ type: "withdraw", reason: "settled between themselves" }, zhang, 40]], accepted);
    expect(caseStatistics(withdrawn)).toMatchObject({ acknowledgeOutcome: "met", resolveOutcome: "void" });
    const unassigned = { ...assigned, dueDates: null };
    expect(caseStatistics(unassigned)).toMatchObject({ acknowledgeDueAt: null, acknowledgeOutcome: null, resolveDueAt: null, resolveOutcome: null });
  });
});

describe("dashboardWindow", () => {
  const now = new Date("2026-12-05T06:30:00Z");
  it("defaults to the last 30 days ending today (UTC)", () => {
    expect(dashboardWindow(undefined, undefined, now)).toEqual({ from: "2026-11-06", to: "2026-12-05" });
    expect(dashboardWindow(undefined, "2026-02-28", now)).toEqual({ from: "2026-01-30", to: "2026-02-28" });
  });
  it("takes at most 92 days and refuses an end before the start, naming the field", () => {
    expect(dashboardWindow("2026-01-01", "2026-04-02", now)).toEqual({ from: "2026-01-01", to: "2026-04-02" });
    expect(dashboardWindow("2026-01-01", "2026-04-03", now)).toMatchObject({ field: "from" });
    expect(dashboardWindow("2026-02-02", "2026-02-01", now)).toMatchObject({ field: "to" });
  });
});
