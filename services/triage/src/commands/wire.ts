// Domain events of the case decider -> the versioned events of the contract. The wire
// events carry the case's public facts (tracking code, division, category, urgency) so
// that subscribers and notification need no lookup.
import type { EventData, EventTypeName } from "@grievance-hub/schema";
import type { CaseEvent, OpenedCase } from "../domain/case-lifecycle";

export type WireEvent = { [T in EventTypeName]: { type: T; data: EventData<T> } }[EventTypeName];

const iso = (d: Date) => d.toISOString();

export function toWire(event: CaseEvent, after: OpenedCase, extra: { alertSupervisor?: boolean } = {}): WireEvent {
  const base = { caseId: after.caseId, grievanceId: after.grievanceId, occurredAt: iso(event.occurredAt), actor: event.actor };
  const facts = {
    trackingCode: after.trackingCode,
    divisionCode: after.divisionCode,
    category: after.classification?.category ?? "other",
    urgency: after.classification?.urgency ?? "P3",
  };
  switch (event.type) {
    case "case.opened":
      return {
        type: "case.opened.v1",
        data: { caseId: after.caseId, grievanceId: after.grievanceId, trackingCode: after.trackingCode, divisionCode: after.divisionCode, openedAt: iso(event.occurredAt), status: "received", classification: null },
      };
    case "grievance.triaged":
      return {
        type: "grievance.triaged.v1",
        data: { ...base, category: event.category, urgency: event.urgency, signals: event.signals, rulesetVersion: event.rulesetVersion, trackingCode: after.trackingCode, divisionCode: after.divisionCode },
      };
    case "case.assigned":
      return { type: "case.assigned.v1", data: { ...base, ...facts, team: event.team, caseworkerId: event.caseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), reason: event.reason, alertSupervisor: extra.alertSupervisor ?? false } };
    case "case.queued":
      return { type: "case.queued.v1", data: { ...base, ...facts, team: event.team, reason: event.reason, alertSupervisor: extra.alertSupervisor ?? false } };
    case "case.accepted":
      return { type: "case.accepted.v1", data: { ...base, caseworkerId: event.caseworkerId } };
    case "case.note_added":
      return { type: "case.note_added.v1", data: { ...base, text: event.text } };
    case "case.mediation_scheduled":
      return { type: "case.mediation_scheduled.v1", data: { ...base, at: iso(event.at), place: event.place } };
    case "case.resolved":
      return { type: "case.resolved.v1", data: { ...base, ...facts, outcome: event.outcome, summary: event.summary } };
    case "case.escalated":
      return { type: "case.escalated.v1", data: { ...base, ...facts, fromTeam: event.fromTeam, toTeam: event.toTeam, reason: event.reason } };
    case "case.reassigned":
      return { type: "case.reassigned.v1", data: { ...base, ...facts, team: event.team, fromCaseworkerId: event.fromCaseworkerId, toCaseworkerId: event.toCaseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), reason: event.reason } };
    case "case.reopened":
      return { type: "case.reopened.v1", data: { ...base, ...facts, team: event.team, caseworkerId: event.caseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), reason: event.reason } };
    case "case.closed":
      return { type: "case.closed.v1", data: base };
    case "case.deadline_breached":
      return { type: "case.deadline_breached.v1", data: { ...base, ...facts, deadline: event.deadline, dueAt: iso(event.dueAt), team: event.team, caseworkerId: after.caseworkerId } };
  }
}
