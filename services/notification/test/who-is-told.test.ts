import { describe, expect, it } from "vitest";
import type { EventData, EventTypeName } from "@grievance-hub/schema";
import { contactOf, mayBeTold, whoIsTold, type Message } from "../src/domain/who-is-told";

const links = { caseUrl: (id: string) => `https://hub.example.org/cases/${id}`, statusUrl: "https://hotline.example.org/track" };
const caseId = "5b0c8f2e-3c41-4f7a-9d3e-0a7c1f6e2b90";
const grievanceId = "0b9c1e52-7d4a-4c61-8f3e-2a5b6c7d8e9f";
const fact = { caseId, grievanceId, occurredAt: "2025-03-01T10:00:00+08:00", actor: { id: "triage", role: "system" as const } };
const facts = { trackingCode: "TAERX-6MFTA", divisionCode: "440402001001", category: "neighbour" as const, urgency: "P3" as const };
const team = { id: "team-xz-community", level: "community" as const };
const due = { acknowledgeBy: "2025-03-02T10:00:00+08:00", resolveBy: "2025-03-10T10:00:00+08:00" };
const staff = { ...facts, caseUrl: `https://hub.example.org/cases/${caseId}` };

function told<T extends EventTypeName>(type: T, data: EventData<T>): { to: string; template: string; variables: Record<string, unknown> }[] {
  return whoIsTold({ type, data }, links).map((m: Message) => ({ to: `${m.recipient.kind}:${m.recipient.id}`, template: m.template, variables: m.variables as Record<string, unknown> }));
}

const received = (complainant: EventData<"grievance.received.v1">["complainant"]): EventData<"grievance.received.v1"> => ({
  grievanceId, trackingCode: "TAERX-6MFTA", channel: "phone", receivedAt: "2025-03-01T09:00:00+08:00", divisionCode: "440402001001", language: "zh",
  description: "邻居装修噪音", complainant, location: { divisionCode: "440402001001" },
});
const person = { anonymous: false as const, name: "Li Wei", phone: "+8613800138000", phoneHash: "a".repeat(64), language: "en" as const, consentToContact: true };

describe("who is told what", () => {
  it("tells the caseworker of an assignment, with the acknowledge-by deadline and a link", () => {
    expect(told("case.assigned.v1", { ...fact, ...facts, team, caseworkerId: "cw-7", ...due, reason: "nearest", alertSupervisor: false })).toEqual([
      { to: "caseworker:cw-7", template: "case.assigned", variables: { ...staff, dueBy: due.acknowledgeBy } },
    ]);
  });

  it("alerts the team's supervisor of a P1 on arrival, besides the caseworker", () => {
    const p1 = told("case.assigned.v1", { ...fact, ...facts, urgency: "P1", team, caseworkerId: "cw-7", ...due, reason: "nearest", alertSupervisor: true });
    expect(p1.map((m) => [m.to, m.template])).toEqual([["caseworker:cw-7", "case.assigned"], ["team_supervisor:team-xz-community", "grievance.p1_alert"]]);
    expect(p1[1]!.variables).not.toHaveProperty("urgency");
  });

  it("tells the caseworker a case was reassigned to them, not the one it was taken from", () => {
    expect(told("case.reassigned.v1", { ...fact, ...facts, team, fromCaseworkerId: "cw-1", toCaseworkerId: "cw-2", ...due, reason: "leave" }).map((m) => m.to)).toEqual(["caseworker:cw-2"]);
  });

  it("tells the supervisor of a case left in the team queue, and nobody when there is no team", () => {
    expect(told("case.queued.v1", { ...fact, ...facts, team, reason: "no caseworker free", alertSupervisor: false })).toEqual([
      { to: "team_supervisor:team-xz-community", template: "case.queued", variables: staff },
    ]);
    expect(told("case.queued.v1", { ...fact, ...facts, team: null, reason: "no team", alertSupervisor: false })).toEqual([]);
  });

  it("tells the supervisor of the team a case was escalated to", () => {
    const up = { id: "team-xz-street", level: "street" as const };
    expect(told("case.escalated.v1", { ...fact, ...facts, fromTeam: team, toTeam: up, reason: "breach" }).map((m) => m.to)).toEqual(["team_supervisor:team-xz-street"]);
  });

  it("tells the team's supervisor that the caseworker asks for the case to be reassigned, without the reason", () => {
    expect(told("case.reassignment_requested.v1", { ...fact, ...facts, team, caseworkerId: "cw-7", reason: "the respondent is my cousin" })).toEqual([
      { to: "team_supervisor:team-xz-community", template: "case.reassignment_requested", variables: staff },
    ]);
  });

  it("reminds the caseworker of a near deadline, or the supervisor when nobody holds the case", () => {
    const near = { ...fact, ...facts, deadline: "resolve" as const, dueAt: due.resolveBy, team };
    expect(told("case.deadline_approaching.v1", { ...near, caseworkerId: "cw-7" })).toEqual([{ to: "caseworker:cw-7", template: "case.deadline_near", variables: { ...staff, dueBy: due.resolveBy } }]);
    expect(told("case.deadline_approaching.v1", { ...near, caseworkerId: null }).map((m) => m.to)).toEqual(["team_supervisor:team-xz-community"]);
  });

  it("tells both the caseworker and the supervisor of a breach", () => {
    const breach = { ...fact, ...facts, deadline: "acknowledge" as const, dueAt: due.acknowledgeBy, team, caseworkerId: "cw-7" };
    expect(told("case.deadline_breached.v1", breach).map((m) => [m.to, m.template])).toEqual([
      ["caseworker:cw-7", "case.deadline_breached"],
      ["team_supervisor:team-xz-community", "case.deadline_breached"],
    ]);
  });

  it("gives the complainant a receipt with the tracking code only with consent, never when anonymous", () => {
    expect(told("grievance.received.v1", received(person))).toEqual([
      { to: `complainant:${grievanceId}`, template: "grievance.received", variables: { trackingCode: "TAERX-6MFTA", statusUrl: links.statusUrl } },
    ]);
    expect(told("grievance.received.v1", received({ ...person, consentToContact: false }))).toEqual([]);
    expect(told("grievance.received.v1", received({ anonymous: true }))).toEqual([]);
    const withCode = whoIsTold({ type: "grievance.received.v1", data: received(person) }, { ...links, statusUrl: "https://hub.example.org/track/{code}" });
    expect(withCode.map((m) => m.variables)).toEqual([{ trackingCode: "TAERX-6MFTA", statusUrl: "https://hub.example.org/track/TAERX-6MFTA" }]);
  });

  it("tells the complainant the outcome, and nothing of the caseworker", () => {
    const [m] = told("case.resolved.v1", { ...fact, ...facts, outcome: "mediated_agreement", summary: "Both sides signed an agreement with cw-7." });
    expect(m).toEqual({ to: `complainant:${grievanceId}`, template: "case.resolved", variables: { trackingCode: "TAERX-6MFTA", outcome: "mediated_agreement", statusUrl: links.statusUrl } });
  });

  it.each(["case.accepted.v1", "case.note_added.v1", "case.closed.v1", "grievance.triaged.v1", "grievance.triaged.v2"] as const)("tells nobody of %s", (type) => {
    expect(whoIsTold({ type, data: { ...fact, caseworkerId: "cw-7", text: "note" } as never }, links)).toEqual([]);
  });
});

describe("the complainant's contact", () => {
  it("keeps the phone only of a consenting, named complainant, with their language", () => {
    expect(contactOf(received(person))).toEqual({ grievanceId, trackingCode: "TAERX-6MFTA", anonymous: false, consent: true, language: "en", phone: "+8613800138000" });
    expect(contactOf(received({ ...person, consentToContact: false })).phone).toBeNull();
    expect(contactOf(received({ anonymous: true }))).toMatchObject({ anonymous: true, phone: null, language: "zh" });
  });

  it("may be told only with consent, a phone and a name", () => {
    expect(mayBeTold(contactOf(received(person)))).toBe(true);
    expect(mayBeTold(contactOf(received({ ...person, consentToContact: false })))).toBe(false);
    expect(mayBeTold(contactOf(received({ anonymous: true })))).toBe(false);
  });
});
