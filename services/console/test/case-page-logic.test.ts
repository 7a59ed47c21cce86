import { describe, expect, it } from "vitest";
import type { CaseView, Me } from "../web/src/api";
import { availableActions, caseActions } from "../web/src/features/case/actions";
import en from "../web/src/i18n/en.json";
import zh from "../web/src/i18n/zh-CN.json";
import { actionInputs, bodyOf, choiceOf, errorsAt, labelKey, withRows } from "../web/src/features/case/action-forms";
import { caseChanges } from "../web/src/features/case/conflict";
import { highlightEvidence, signalWords } from "../web/src/features/case/highlight";
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
type Dispute = CaseView["dispute"];
const withDispute = (status: CaseView["status"], dispute: Partial<Dispute>) => caseView({ status, dispute: { ...caseView().dispute, ...dispute } });
const agreement = (...statuses: ("open" | "fulfilled" | "broken")[]): Dispute["agreements"][number] => ({
  agreementId: "agreement-1", sessionId: "s-held", terms: "pay", signedOn: "2026-12-06",
  obligations: statuses.map((status, i) => ({ obligationId: `agreement-1.${i + 1}`, owedBy: "party-1", what: `thing ${i + 1}`, dueBy: "2026-12-30", status })),
});
const referral = (acknowledgedAt: string | null): Dispute["referrals"][number] => ({ referralId: "referral-1", to: { kind: "court", name: "区法院" }, purpose: "handover", acknowledgeBy: "2026-12-08T00:00:00Z", acknowledgedAt });
const session = (status: "scheduled" | "held") => ({ sessionId: `s-${status}`, mediatorId: "m", at: "2026-12-06T08:00:00Z", durationMinutes: 90, place: "hall", invitedPartyIds: [], status, result: null, danger: null });

describe("the actions a case page offers", () => {
  it("offers the assigned caseworker accept, and the actions before acceptance, but not resolving", () => {
    expect(availableActions(caseView(), chen)).toEqual(["accept", "notes", "escalate", "request-reassignment", "recategorise", "parties", "mediator", "decline", "withdraw"]);
  });

  it("offers the working actions once accepted, and the mediation records only when there is a session to record", () => {
    expect(availableActions(caseView({ status: "accepted" }), chen)).toEqual(["notes", "mediation", "resolve", "escalate", "request-reassignment", "recategorise", "parties", "mediator", "sessions", "refer", "decline", "withdraw"]);
    const mediating = caseView({ status: "in_mediation", dispute: { ...caseView().dispute, sessions: [session("scheduled"), session("held")] } });
    expect(availableActions(mediating, chen)).toEqual(["notes", "mediation", "resolve", "escalate", "request-reassignment", "recategorise", "parties", "sessions", "reschedule-session", "cancel-session", "record-session", "agreement", "refer", "withdraw"]);
  });

  it("offers the follow-up visit on a resolved case only while it is due and not recorded", () => {
    const due = { dueAt: "2026-12-10T00:00:00Z", recordedAt: null, reached: null, satisfaction: null };
    expect(availableActions(caseView({ status: "resolved", dispute: { ...caseView().dispute, followUp: due } }), chen)).toContain("follow-up");
    expect(availableActions(caseView({ status: "resolved", dispute: { ...caseView().dispute, followUp: { ...due, recordedAt: "2026-12-10T01:00:00Z", reached: true, satisfaction: "satisfied" } } }), chen)).not.toContain("follow-up");
  });

  it("offers nothing to a caseworker who does not hold the case, and the team's actions (not accept or asking for reassignment) to its supervisor", () => {
    expect(availableActions(caseView({ caseworkerId: "cw-wu" }), chen)).toEqual([]);
    expect(availableActions(caseView(), supervisor)).toEqual(["notes", "escalate", "recategorise", "parties", "mediator", "decline", "withdraw"]);
    expect(availableActions(caseView(), otherSupervisor)).toEqual([]);
  });

  it("offers only notes and parties on a resolved case without a follow-up, and nothing on a closed one", () => {
    expect(availableActions(caseView({ status: "resolved" }), chen)).toEqual(["notes", "parties"]);
    expect(availableActions(caseView({ status: "closed" }), chen)).toEqual([]);
  });

  it("offers assigning a mediator from assignment until mediation ends, but not while a session is scheduled with the current one", () => {
    for (const status of ["assigned", "accepted", "in_mediation"] as const) expect(availableActions(caseView({ status }), chen), status).toContain("mediator");
    for (const status of ["queued", "referred", "resolved", "closed"] as const) expect(availableActions(caseView({ status }), supervisor), status).not.toContain("mediator");
    expect(availableActions(withDispute("in_mediation", { mediatorId: "med-1", sessions: [session("held")] }), chen)).toContain("mediator");
    expect(availableActions(withDispute("in_mediation", { mediatorId: "med-1", sessions: [session("scheduled")] }), chen)).not.toContain("mediator");
  });

  it("offers marking an obligation in mediation and after, while some obligation of an agreement is still open", () => {
    for (const status of ["in_mediation", "resolved", "closed"] as const) {
      expect(availableActions(withDispute(status, { agreements: [agreement("fulfilled", "open")] }), chen), status).toContain("obligation");
      expect(availableActions(withDispute(status, { agreements: [agreement("fulfilled", "broken")] }), chen), status).not.toContain("obligation");
    }
    expect(availableActions(withDispute("accepted", { agreements: [agreement("open")] }), chen)).not.toContain("obligation");
    expect(availableActions(withDispute("resolved", { agreements: [agreement("open")] }), supervisor)).toContain("obligation");
  });

  it("offers acknowledging a referral while one is unacknowledged, on a referred case and after", () => {
    for (const status of ["referred", "in_mediation", "resolved", "closed"] as const) {
      expect(availableActions(withDispute(status, { referrals: [referral(null)] }), chen), status).toContain("acknowledge-referral");
      expect(availableActions(withDispute(status, { referrals: [referral("2026-12-06T00:00:00Z")] }), chen), status).not.toContain("acknowledge-referral");
    }
    expect(availableActions(withDispute("accepted", { referrals: [referral(null)] }), chen)).not.toContain("acknowledge-referral");
  });

  it("offers recategorising from the team queue until mediation ends, to the caseworker and the team's supervisor", () => {
    expect(availableActions(caseView({ status: "queued", caseworkerId: null }), supervisor)).toContain("recategorise");
    for (const status of ["assigned", "accepted", "in_mediation"] as const) expect(availableActions(caseView({ status }), chen), status).toContain("recategorise");
    for (const status of ["referred", "resolved", "closed"] as const) expect(availableActions(caseView({ status }), supervisor), status).not.toContain("recategorise");
    expect(availableActions(caseView(), otherSupervisor)).not.toContain("recategorise");
  });
});

describe("the body an action form sends", () => {
  it("nests paths, turns local times into instants, and leaves out optional inputs left empty", () => {
    const local = "2026-12-06T09:30";
    expect(bodyOf(actionInputs.mediation, { at: local, place: " " })).toEqual({ at: new Date(local).toISOString() });
    expect(bodyOf(withRows(actionInputs.agreement, [0]), { sessionId: "s1", terms: "pay", signedOn: "2026-12-06", "obligations.0.owedBy": "p1", "obligations.0.what": "500元", "obligations.0.dueBy": "2026-12-30" }))
      .toEqual({ sessionId: "s1", terms: "pay", signedOn: "2026-12-06", obligations: [{ owedBy: "p1", what: "500元", dueBy: "2026-12-30" }] });
    expect(bodyOf(actionInputs.refer, { "to.kind": "court", "to.name": "区法院", reason: "诉讼" })).toEqual({ to: { kind: "court", name: "区法院" }, reason: "诉讼" });
    expect(bodyOf(actionInputs["follow-up"], { reached: true, satisfaction: "", note: "" })).toEqual({ reached: true });
  });

  it("sends a required input left empty as empty, so triage names the field", () => {
    expect(bodyOf(actionInputs.resolve, { outcome: "", summary: "" })).toEqual({ outcome: "", summary: "" });
    expect(bodyOf(actionInputs.sessions, { at: "", durationMinutes: "90", place: "hall", invitedPartyIds: ["p1"] })).toEqual({ at: "", durationMinutes: 90, place: "hall", invitedPartyIds: ["p1"] });
  });

  it("sends an agreement's obligations as a list without holes: rows removed or left empty are left out", () => {
    const inputs = withRows(actionInputs.agreement, [0, 2, 3, 5]);
    const values = {
      sessionId: "s1", terms: "pay", signedOn: "2026-12-06",
      "obligations.0.owedBy": "party-1", "obligations.0.what": " 500元 ", "obligations.0.dueBy": "2026-12-30",
      "obligations.1.owedBy": "party-1", "obligations.1.what": "removed", "obligations.1.dueBy": "2026-12-30",
      "obligations.2.owedBy": "", "obligations.2.what": "", "obligations.2.dueBy": "",
      "obligations.3.owedBy": "party-2", "obligations.3.what": "撤诉", "obligations.3.dueBy": "",
      "obligations.5.owedBy": "party-1", "obligations.5.what": "道歉", "obligations.5.dueBy": "2026-12-10",
    };
    expect(bodyOf(inputs, values)).toEqual({
      sessionId: "s1", terms: "pay", signedOn: "2026-12-06",
      obligations: [
        { owedBy: "party-1", what: "500元", dueBy: "2026-12-30" },
        { owedBy: "party-2", what: "撤诉", dueBy: "" },
        { owedBy: "party-1", what: "道歉", dueBy: "2026-12-10" },
      ],
    });
    // Triage names fields by the body's indexes; each lands on the row it came from.
    expect(errorsAt(inputs, values, [
      { field: "body.obligations.1.dueBy", message: "Invalid ISO date" },
      { field: "obligations.2.dueBy", message: "an obligation cannot fall due before the agreement was signed" },
      { field: "obligations.2.dueBy", message: "a second word on it" },
      { field: "terms", message: "too long" },
      { field: "obligations.3.what", message: "no such row" },
    ])).toEqual({
      "obligations.3.dueBy": "Invalid ISO date",
      "obligations.5.dueBy": "an obligation cannot fall due before the agreement was signed",
      terms: "too long",
    });
  });

  it("sends the first obligation row when every row is empty, so triage names its fields", () => {
    const inputs = withRows(actionInputs.agreement, [1, 4]);
    const values = { sessionId: "s1", terms: "pay", signedOn: "2026-12-06", "obligations.1.owedBy": "", "obligations.1.what": "", "obligations.1.dueBy": "", "obligations.4.owedBy": "", "obligations.4.what": "", "obligations.4.dueBy": "" };
    expect(bodyOf(inputs, values)).toEqual({ sessionId: "s1", terms: "pay", signedOn: "2026-12-06", obligations: [{ owedBy: "", what: "", dueBy: "" }] });
    expect(errorsAt(inputs, values, [{ field: "body.obligations.0.what", message: "Too small" }])).toEqual({ "obligations.1.what": "Too small" });
  });

  it("turns the choice of an open obligation into its agreement and its id, and triage's errors on either back onto the choice", () => {
    const values = { obligation: choiceOf("agreement-2", "agreement-2.1"), status: "fulfilled", note: "" };
    expect(bodyOf(actionInputs.obligation, values)).toEqual({ agreementId: "agreement-2", obligationId: "agreement-2.1", status: "fulfilled" });
    expect(bodyOf(actionInputs.obligation, { obligation: "", status: "broken", note: "只付了一半" })).toEqual({ agreementId: "", obligationId: "", status: "broken", note: "只付了一半" });
    expect(errorsAt(actionInputs.obligation, values, [{ field: "body.obligationId", message: "no obligation" }, { field: "status", message: "Invalid option" }]))
      .toEqual({ obligation: "no obligation", status: "Invalid option" });
  });

  it("assigns the automatic mediator when no id is typed, and names one when it is; acknowledges and recategorises with their fields", () => {
    expect(bodyOf(actionInputs.mediator, { mediatorId: "  " })).toEqual({});
    expect(bodyOf(actionInputs.mediator, { mediatorId: " med-li " })).toEqual({ mediatorId: "med-li" });
    expect(bodyOf(actionInputs["acknowledge-referral"], { referralId: "referral-1", reference: "" })).toEqual({ referralId: "referral-1" });
    expect(bodyOf(actionInputs.recategorise, { category: "labour", reason: "欠薪" })).toEqual({ category: "labour", reason: "欠薪" });
  });

  it("labels every action, its outcome, its inputs and its options in both languages", () => {
    for (const [name, catalogue] of [["en", en], ["zh-CN", zh]] as const) {
      const keys: string[] = caseActions.flatMap((a) => [`action.${a}`, `done.${a}`]);
      for (const { path, hint, options } of Object.values(actionInputs).flat()) {
        keys.push(labelKey(path), ...(hint ? [hint] : []));
        const list = path.includes(".#.") ? path.split(".#.")[0] : undefined;
        if (list) keys.push(`field.${list}`, `form.addRow.${list}`, `form.removeRow.${list}`);
        if (typeof options === "object") keys.push(...options.enum.map((v) => `${options.labelPrefix}.${v}`));
      }
      expect(keys.filter((k) => !(k in catalogue)), name).toEqual([]);
    }
  });

  it("labels list items by their field, without the index", () => {
    expect(labelKey("obligations.0.owedBy")).toBe("field.obligations.owedBy");
    expect(labelKey("obligations.#.owedBy")).toBe("field.obligations.owedBy");
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

  it("shows a signal's words, or says the model read the whole text when no single danger word carried it", () => {
    expect(signalWords("害怕", (key) => zh[key])).toBe("«害怕»");
    expect(signalWords("", (key) => zh[key])).toBe("整段文字，没有单独的危险词");
    expect(signalWords(" ", (key) => en[key])).toBe("the whole text, no single danger word");
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
