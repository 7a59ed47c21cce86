import { describe, expect, it } from "vitest";
import type { CaseView, Me } from "../web/src/api";
import { availableActions } from "../web/src/features/case/actions";
import { actionInputs, bodyOf, labelKey } from "../web/src/features/case/action-forms";
import { caseChanges } from "../web/src/features/case/conflict";
import { highlightEvidence } from "../web/src/features/case/highlight";
import { timelineLabel } from "../web/src/features/case/timeline";

const chen: Me = { sub: "cw-chen", name: "Chen", role: "caseworker", team: "lianhua" };
const supervisor: Me = { sub: "sup-1", name: "Li", role: "supervisor", team: "lianhua" };
const otherSupervisor: Me = { sub: "sup-2", name: "Wu", role: "supervisor", team: "xinhua" };

function caseView(over: Partial<CaseView> = {}): CaseView {
  return {
    caseId: "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b", trackingCode: "ABCDE-FGHJK", status: "assigned", category: "neighbour", urgency: "P3",
    divisionCode: "440402001001", teamId: "lianhua", caseworkerId: "cw-chen", acknowledgeBy: "2026-12-05T12:00:00Z", resolveBy: "2026-12-20T00:00:00Z",
    receivedAt: "2026-12-05T08:00:00Z", version: 4, grievanceId: "7f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b", language: "zh", description: "text",
    signals: [], rulesetVersion: "r1", team: { id: "lianhua", level: "community" }, acknowledgedAt: null, mediation: null, resolution: null,
    dispute: { parties: [], mediatorId: null, sessions: [], agreements: [], referrals: [], followUp: null, closure: null, resolutionLevel: null },
    breached: { acknowledge: false, resolve: false }, repeatCount: 0, links: [],
    timeline: [{ type: "case.opened", actor: { id: "intake", role: "system" }, at: "2026-12-05T08:00:00Z", facts: {} }],
    ...over,
  };
}
const session = (status: "scheduled" | "held") => ({ sessionId: `s-${status}`, mediatorId: "m", at: "2026-12-06T08:00:00Z", durationMinutes: 90, place: "hall", invitedPartyIds: [], status, result: null, danger: null });

describe("the actions a case page offers", () => {
  it("offers the assigned caseworker accept, and the actions before acceptance, but not resolving", () => {
    expect(availableActions(caseView(), chen)).toEqual(["accept", "notes", "escalate", "request-reassignment", "parties", "decline", "withdraw"]);
  });

  it("offers the working actions once accepted, and the mediation records only when there is a session to record", () => {
    expect(availableActions(caseView({ status: "accepted" }), chen)).toEqual(["notes", "mediation", "resolve", "escalate", "request-reassignment", "parties", "sessions", "refer", "decline", "withdraw"]);
    const mediating = caseView({ status: "in_mediation", dispute: { ...caseView().dispute, sessions: [session("scheduled"), session("held")] } });
    expect(availableActions(mediating, chen)).toEqual(["notes", "mediation", "resolve", "escalate", "request-reassignment", "parties", "sessions", "reschedule-session", "cancel-session", "record-session", "agreement", "refer", "withdraw"]);
  });

  it("offers the follow-up visit on a resolved case only while it is due and not recorded", () => {
    const due = { dueAt: "2026-12-10T00:00:00Z", recordedAt: null, reached: null, satisfaction: null };
    expect(availableActions(caseView({ status: "resolved", dispute: { ...caseView().dispute, followUp: due } }), chen)).toContain("follow-up");
    expect(availableActions(caseView({ status: "resolved", dispute: { ...caseView().dispute, followUp: { ...due, recordedAt: "2026-12-10T01:00:00Z", reached: true, satisfaction: "satisfied" } } }), chen)).not.toContain("follow-up");
  });

  it("offers nothing to a caseworker who does not hold the case, and the team's actions (not accept or asking for reassignment) to its supervisor", () => {
    expect(availableActions(caseView({ caseworkerId: "cw-wu" }), chen)).toEqual([]);
    expect(availableActions(caseView(), supervisor)).toEqual(["notes", "escalate", "parties", "decline", "withdraw"]);
    expect(availableActions(caseView(), otherSupervisor)).toEqual([]);
  });

  it("offers only notes and parties on a resolved case without a follow-up, and nothing on a closed one", () => {
    expect(availableActions(caseView({ status: "resolved" }), chen)).toEqual(["notes", "parties"]);
    expect(availableActions(caseView({ status: "closed" }), chen)).toEqual([]);
  });
});

describe("the body an action form sends", () => {
  it("nests paths, turns local times into instants, and leaves out optional inputs left empty", () => {
    const local = "2026-12-06T09:30";
    expect(bodyOf(actionInputs.mediation, { at: local, place: " " })).toEqual({ at: new Date(local).toISOString() });
    expect(bodyOf(actionInputs.agreement, { sessionId: "s1", terms: "pay", signedOn: "2026-12-06", "obligations.0.owedBy": "p1", "obligations.0.what": "500元", "obligations.0.dueBy": "2026-12-30" }))
      .toEqual({ sessionId: "s1", terms: "pay", signedOn: "2026-12-06", obligations: [{ owedBy: "p1", what: "500元", dueBy: "2026-12-30" }] });
    expect(bodyOf(actionInputs.refer, { "to.kind": "court", "to.name": "区法院", reason: "诉讼" })).toEqual({ to: { kind: "court", name: "区法院" }, reason: "诉讼" });
    expect(bodyOf(actionInputs["follow-up"], { reached: true, satisfaction: "", note: "" })).toEqual({ reached: true });
  });

  it("sends a required input left empty as empty, so triage names the field", () => {
    expect(bodyOf(actionInputs.resolve, { outcome: "", summary: "" })).toEqual({ outcome: "", summary: "" });
    expect(bodyOf(actionInputs.sessions, { at: "", durationMinutes: "90", place: "hall", invitedPartyIds: ["p1"] })).toEqual({ at: "", durationMinutes: 90, place: "hall", invitedPartyIds: ["p1"] });
  });

  it("labels list items by their field, without the index", () => {
    expect(labelKey("obligations.0.owedBy")).toBe("field.obligations.owedBy");
    expect(labelKey("to.kind")).toBe("field.to.kind");
  });
});

describe("the evidence marked in a grievance", () => {
  it("marks every occurrence of each signal's matched words, merging overlaps", () => {
    const pieces = highlightEvidence("他说要杀了我，还拿着刀。刀很长", [{ rule: "threat", matched: "杀了我" }, { rule: "weapon", matched: "刀" }, { rule: "weapon-held", matched: "拿着刀" }]);
    expect(pieces).toEqual([
      { text: "他说要", rules: [] },
      { text: "杀了我", rules: ["threat"] },
      { text: "，还", rules: [] },
      { text: "拿着", rules: ["weapon-held"] },
      { text: "刀", rules: ["weapon", "weapon-held"] },
      { text: "。", rules: [] },
      { text: "刀", rules: ["weapon"] },
      { text: "很长", rules: [] },
    ]);
  });

  it("leaves the text whole when nothing matched", () => {
    expect(highlightEvidence("楼上装修", [{ rule: "r", matched: "" }])).toEqual([{ text: "楼上装修", rules: [] }]);
  });
});

describe("what changed under a stale view", () => {
  it("names the changed fields and the timeline entries not seen before", () => {
    const before = caseView();
    const note = { type: "case.note_added", actor: { id: "cw-chen", role: "caseworker" }, at: "2026-12-05T09:00:00Z", facts: { text: "called" } };
    const accepted = { type: "case.accepted", actor: { id: "cw-chen", role: "caseworker" }, at: "2026-12-05T09:01:00Z", facts: {} };
    const after = caseView({ status: "accepted", version: 6, timeline: [...before.timeline, note, accepted] });
    expect(caseChanges(before, after)).toEqual({ fields: [{ field: "status", before: "assigned", after: "accepted" }], newEntries: [note, accepted] });
    expect(caseChanges(before, before)).toEqual({ fields: [], newEntries: [] });
  });
});

describe("timeline labels", () => {
  it("labels event types from the catalogue, versioned or not, and an unknown one as another entry", () => {
    expect(timelineLabel("case.mediation_scheduled")).toBe("timeline.case.mediation_scheduled");
    expect(timelineLabel("case.accepted.v1")).toBe("timeline.case.accepted");
    expect(timelineLabel("case.something_new")).toBe("timeline.other");
  });
});
