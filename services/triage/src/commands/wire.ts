// Domain events of the case decider -> the versioned events of the contract. The wire
// events carry the case's public facts (tracking code, division, category, urgency) so
// that subscribers and notification need no lookup.
import { erasedMarker, isSealed } from "@grievance-hub/kit";
import type { EventData, EventTypeName } from "@grievance-hub/schema";
import type { CaseEvent, OpenedCase } from "../domain/case-lifecycle";
import { mediationFromWire, mediationToWire } from "./mediation-wire";

export type WireEvent = { [T in EventTypeName]: { type: T; data: EventData<T> } }[EventTypeName];

const iso = (d: Date) => d.toISOString();

/**
 * The v2 type when the field staff may type in is sealed (every staff action seals it, see
 * seal-command.ts `sealEvent`), else v1: an event the system made on its own carries the system's words.
 */
export function sealedOr<V2 extends EventTypeName, V1 extends EventTypeName>(value: string | null | undefined, v2: V2, v1: V1): V2 | V1 {
  return typeof value === "string" && (isSealed(value) || value === erasedMarker) ? v2 : v1;
}

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
        // The signals' matched words arrive sealed (the consumer seals them with the person's key).
        type: "grievance.triaged.v2",
        data: {
          ...base, category: event.category, urgency: event.urgency, signals: event.signals as EventData<"grievance.triaged.v2">["signals"], rulesetVersion: event.rulesetVersion,
          ...(event.modelVersion === undefined ? {} : { modelVersion: event.modelVersion }),
          ...(event.confidence === undefined ? {} : { confidence: event.confidence }),
          trackingCode: after.trackingCode, divisionCode: after.divisionCode,
        },
      };
    case "case.assigned":
      return { type: sealedOr(event.reason, "case.assigned.v2", "case.assigned.v1"), data: { ...base, ...facts, team: event.team, caseworkerId: event.caseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), reason: event.reason, alertSupervisor: extra.alertSupervisor ?? false } };
    case "case.queued":
      return { type: "case.queued.v1", data: { ...base, ...facts, team: event.team, reason: event.reason, alertSupervisor: extra.alertSupervisor ?? false } };
    case "case.accepted":
      return { type: "case.accepted.v1", data: { ...base, caseworkerId: event.caseworkerId } };
    case "case.note_added":
      return { type: "case.note_added.v2", data: { ...base, text: event.text } };
    case "case.mediation_scheduled":
      return { type: sealedOr(event.place, "case.mediation_scheduled.v2", "case.mediation_scheduled.v1"), data: { ...base, at: iso(event.at), place: event.place } };
    case "case.resolved":
      return { type: sealedOr(event.summary, "case.resolved.v2", "case.resolved.v1"), data: { ...base, ...facts, outcome: event.outcome, summary: event.summary, ...(event.level ? { level: event.level } : {}) } };
    case "case.escalated":
      return { type: sealedOr(event.reason, "case.escalated.v2", "case.escalated.v1"), data: { ...base, ...facts, fromTeam: event.fromTeam, toTeam: event.toTeam, reason: event.reason } };
    case "case.reassigned":
      return { type: sealedOr(event.reason, "case.reassigned.v2", "case.reassigned.v1"), data: { ...base, ...facts, team: event.team, fromCaseworkerId: event.fromCaseworkerId, toCaseworkerId: event.toCaseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), reason: event.reason } };
    case "case.reassignment_requested":
      return { type: sealedOr(event.reason, "case.reassignment_requested.v2", "case.reassignment_requested.v1"), data: { ...base, ...facts, team: event.team, caseworkerId: event.caseworkerId, reason: event.reason } };
    case "case.recategorised":
      return { type: sealedOr(event.reason, "case.recategorised.v2", "case.recategorised.v1"), data: { ...base, ...facts, category: event.category, fromCategory: event.fromCategory, reason: event.reason } };
    case "case.reopened":
      return { type: sealedOr(event.reason, "case.reopened.v2", "case.reopened.v1"), data: { ...base, ...facts, team: event.team, caseworkerId: event.caseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), reason: event.reason } };
    case "case.closed":
      return { type: sealedOr(event.reason, "case.closed.v2", "case.closed.v1"), data: { ...base, ...(event.closure ? { closure: event.closure } : {}), ...(event.reason ? { reason: event.reason } : {}) } };
    case "case.deadline_breached":
      return { type: "case.deadline_breached.v1", data: { ...base, ...facts, deadline: event.deadline, dueAt: iso(event.dueAt), team: event.team, caseworkerId: after.caseworkerId } };
    default:
      return mediationToWire(event, after, base, facts);
  }
}

/** A contract event back into the decider's event, for rebuilding the projection from the topic. */
export function fromWire(type: string, data: Record<string, unknown>): CaseEvent | undefined {
  // The data was validated against the contract schema of its type when it was decoded.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const d = data as Record<string, any>;
  const date = (v: unknown) => new Date(v as string);
  const meta = { occurredAt: date(d.occurredAt), actor: d.actor };
  const dueDates = () => ({ acknowledgeBy: date(d.acknowledgeBy), resolveBy: date(d.resolveBy) });
  switch (type) {
    case "grievance.triaged.v1":
    case "grievance.triaged.v2":
      return {
        type: "grievance.triaged", ...meta, category: d.category, urgency: d.urgency, signals: d.signals, rulesetVersion: d.rulesetVersion,
        ...(d.modelVersion === undefined ? {} : { modelVersion: d.modelVersion }),
        ...(d.confidence === undefined ? {} : { confidence: d.confidence }),
      };
    case "case.assigned.v1":
    case "case.assigned.v2":
      return { type: "case.assigned", ...meta, team: d.team, caseworkerId: d.caseworkerId, dueDates: dueDates(), reason: d.reason };
    case "case.queued.v1":
      return { type: "case.queued", ...meta, team: d.team, reason: d.reason };
    case "case.accepted.v1":
      return { type: "case.accepted", ...meta, caseworkerId: d.caseworkerId };
    case "case.note_added.v1":
    case "case.note_added.v2":
      return { type: "case.note_added", ...meta, text: d.text };
    case "case.mediation_scheduled.v1":
    case "case.mediation_scheduled.v2":
      return { type: "case.mediation_scheduled", ...meta, at: date(d.at), place: d.place };
    case "case.resolved.v1":
    case "case.resolved.v2":
      return { type: "case.resolved", ...meta, outcome: d.outcome, summary: d.summary, ...(d.level ? { level: d.level } : {}) };
    case "case.escalated.v1":
    case "case.escalated.v2":
      return { type: "case.escalated", ...meta, fromTeam: d.fromTeam, toTeam: d.toTeam, reason: d.reason };
    case "case.reassigned.v1":
    case "case.reassigned.v2":
      return { type: "case.reassigned", ...meta, team: d.team, fromCaseworkerId: d.fromCaseworkerId, toCaseworkerId: d.toCaseworkerId, dueDates: dueDates(), reason: d.reason };
    case "case.reassignment_requested.v1":
    case "case.reassignment_requested.v2":
      return { type: "case.reassignment_requested", ...meta, team: d.team, caseworkerId: d.caseworkerId, reason: d.reason };
    case "case.recategorised.v1":
    case "case.recategorised.v2":
      return { type: "case.recategorised", ...meta, fromCategory: d.fromCategory, category: d.category, reason: d.reason };
    case "case.reopened.v1":
    case "case.reopened.v2":
      return { type: "case.reopened", ...meta, team: d.team, caseworkerId: d.caseworkerId, dueDates: dueDates(), reason: d.reason };
    case "case.closed.v1":
    case "case.closed.v2":
      return { type: "case.closed", ...meta, ...(d.closure ? { closure: d.closure, reason: d.reason ?? null } : {}) };
    case "case.deadline_breached.v1":
      if (d.deadline !== "acknowledge" && d.deadline !== "resolve") return mediationFromWire(type, d);
      return { type: "case.deadline_breached", ...meta, deadline: d.deadline, dueAt: date(d.dueAt), team: d.team };
    default:
      // case.opened needs the grievance's language and is rebuilt from both topics; of the rest only mediation's change case state.
      return mediationFromWire(type, d);
  }
}
