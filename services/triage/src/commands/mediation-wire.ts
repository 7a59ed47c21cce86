// The mediation events of the case decider <-> their contract events (see wire.ts for the rest).
// What staff record about people (a party's name and phone, notes, terms, what an obligation
// asks) is sealed before the decider sees it, what staff type in their own words (reasons, places,
// a body's name) as the decider's events leave it (see seal-command.ts); both go out in the v2 events.
import type { EventData } from "@grievance-hub/schema";
import type { OpenedCase } from "../domain/case-lifecycle";
import type { MediationEvent } from "../domain/mediation/dispute";
import { sealedOr, type WireEvent } from "./wire";

const iso = (d: Date) => d.toISOString();

type Base = { caseId: string; grievanceId: string; occurredAt: string; actor: MediationEvent["actor"] };
type Facts = Pick<EventData<"case.assigned.v1">, "trackingCode" | "divisionCode" | "category" | "urgency">;

export function mediationToWire(event: MediationEvent, after: OpenedCase, base: Base, facts: Facts): WireEvent {
  switch (event.type) {
    case "case.party_added":
      return { type: "case.party_added.v2", data: { ...base, partyId: event.partyId, role: event.role, kind: event.kind, name: event.name, phone: event.phone, language: event.language, consentToContact: event.consentToContact } };
    case "case.mediator_assigned":
      return { type: "case.mediator_assigned.v1", data: { ...base, ...facts, mediatorId: event.mediatorId, reason: event.reason } };
    case "case.session_scheduled":
      return { type: sealedOr(event.place, "case.session_scheduled.v2", "case.session_scheduled.v1"), data: { ...base, ...facts, sessionId: event.sessionId, mediatorId: event.mediatorId, at: iso(event.at), durationMinutes: event.durationMinutes, place: event.place, invitedPartyIds: event.invitedPartyIds } };
    case "case.session_rescheduled":
      return { type: sealedOr(event.place, "case.session_rescheduled.v2", "case.session_rescheduled.v1"), data: { ...base, sessionId: event.sessionId, at: iso(event.at), place: event.place } };
    case "case.session_cancelled":
      return { type: sealedOr(event.reason, "case.session_cancelled.v2", "case.session_cancelled.v1"), data: { ...base, sessionId: event.sessionId, reason: event.reason } };
    case "case.session_held":
      return { type: "case.session_held.v2", data: { ...base, sessionId: event.sessionId, complainantAttended: event.complainantAttended, attendedPartyIds: event.attendedPartyIds, result: event.result, danger: event.danger, note: event.note } };
    case "case.urgency_raised":
      return {
        type: "case.urgency_raised.v1",
        data: { ...base, ...facts, urgency: event.urgency, fromUrgency: event.fromUrgency, reason: event.reason, team: after.team, caseworkerId: after.caseworkerId, acknowledgeBy: iso(event.dueDates.acknowledgeBy), resolveBy: iso(event.dueDates.resolveBy), alertSupervisor: event.alertSupervisor },
      };
    case "case.agreement_recorded":
      return { type: "case.agreement_recorded.v2", data: { ...base, agreementId: event.agreementId, sessionId: event.sessionId, terms: event.terms, signedOn: event.signedOn, obligations: event.obligations, judicialConfirmation: event.judicialConfirmation } };
    case "case.obligation_marked":
      return { type: "case.obligation_marked.v2", data: { ...base, agreementId: event.agreementId, obligationId: event.obligationId, status: event.status, note: event.note } };
    case "case.follow_up_scheduled":
      return { type: "case.follow_up_scheduled.v1", data: { ...base, dueAt: iso(event.dueAt) } };
    case "case.follow_up_recorded":
      return { type: "case.follow_up_recorded.v2", data: { ...base, reached: event.reached, satisfaction: event.satisfaction, note: event.note } };
    case "case.referred":
      return { type: sealedOr(event.reason, "case.referred.v2", "case.referred.v1"), data: { ...base, ...facts, referralId: event.referralId, to: event.to, purpose: event.purpose, reason: event.reason, acknowledgeBy: iso(event.acknowledgeBy) } };
    case "case.referral_acknowledged":
      return { type: "case.referral_acknowledged.v1", data: { ...base, referralId: event.referralId, reference: event.reference } };
    case "case.declined":
      return { type: sealedOr(event.reason, "case.declined.v2", "case.declined.v1"), data: { ...base, ...facts, reason: event.reason, goTo: event.goTo } };
    case "case.withdrawn":
      return { type: sealedOr(event.reason, "case.withdrawn.v2", "case.withdrawn.v1"), data: { ...base, ...facts, reason: event.reason } };
    case "case.mediation_deadline_breached":
      return {
        type: "case.deadline_breached.v1",
        data: { ...base, ...facts, deadline: event.deadline, dueAt: iso(event.dueAt), team: event.team, caseworkerId: after.caseworkerId, ...(event.ref ? { ref: event.ref } : {}) },
      };
  }
}

/** A mediation contract event back into the decider's event, for rebuilding; undefined for other types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function mediationFromWire(type: string, d: Record<string, any>): MediationEvent | undefined {
  const date = (v: unknown) => new Date(v as string);
  const meta = { occurredAt: date(d.occurredAt), actor: d.actor };
  switch (type) {
    case "case.party_added.v1":
    case "case.party_added.v2":
      return { type: "case.party_added", ...meta, partyId: d.partyId, role: d.role, kind: d.kind, name: d.name, phone: d.phone, language: d.language, consentToContact: d.consentToContact };
    case "case.mediator_assigned.v1":
      return { type: "case.mediator_assigned", ...meta, mediatorId: d.mediatorId, reason: d.reason };
    case "case.session_scheduled.v1":
    case "case.session_scheduled.v2":
      return { type: "case.session_scheduled", ...meta, sessionId: d.sessionId, mediatorId: d.mediatorId, at: date(d.at), durationMinutes: d.durationMinutes, place: d.place, invitedPartyIds: d.invitedPartyIds };
    case "case.session_rescheduled.v1":
    case "case.session_rescheduled.v2":
      return { type: "case.session_rescheduled", ...meta, sessionId: d.sessionId, at: date(d.at), place: d.place };
    case "case.session_cancelled.v1":
    case "case.session_cancelled.v2":
      return { type: "case.session_cancelled", ...meta, sessionId: d.sessionId, reason: d.reason };
    case "case.session_held.v1":
    case "case.session_held.v2":
      return { type: "case.session_held", ...meta, sessionId: d.sessionId, complainantAttended: d.complainantAttended, attendedPartyIds: d.attendedPartyIds, result: d.result, danger: d.danger, note: d.note };
    case "case.urgency_raised.v1":
      return { type: "case.urgency_raised", ...meta, fromUrgency: d.fromUrgency, urgency: d.urgency, reason: d.reason, dueDates: { acknowledgeBy: date(d.acknowledgeBy), resolveBy: date(d.resolveBy) }, alertSupervisor: d.alertSupervisor };
    case "case.agreement_recorded.v1":
    case "case.agreement_recorded.v2":
      return { type: "case.agreement_recorded", ...meta, agreementId: d.agreementId, sessionId: d.sessionId, terms: d.terms, signedOn: d.signedOn, obligations: d.obligations, judicialConfirmation: d.judicialConfirmation };
    case "case.obligation_marked.v1":
    case "case.obligation_marked.v2":
      return { type: "case.obligation_marked", ...meta, agreementId: d.agreementId, obligationId: d.obligationId, status: d.status, note: d.note };
    case "case.follow_up_scheduled.v1":
      return { type: "case.follow_up_scheduled", ...meta, dueAt: date(d.dueAt) };
    case "case.follow_up_recorded.v1":
    case "case.follow_up_recorded.v2":
      return { type: "case.follow_up_recorded", ...meta, reached: d.reached, satisfaction: d.satisfaction, note: d.note };
    case "case.referred.v1":
    case "case.referred.v2":
      return { type: "case.referred", ...meta, referralId: d.referralId, to: d.to, purpose: d.purpose, reason: d.reason, acknowledgeBy: date(d.acknowledgeBy) };
    case "case.referral_acknowledged.v1":
      return { type: "case.referral_acknowledged", ...meta, referralId: d.referralId, reference: d.reference };
    case "case.declined.v1":
    case "case.declined.v2":
      return { type: "case.declined", ...meta, reason: d.reason, goTo: d.goTo };
    case "case.withdrawn.v1":
    case "case.withdrawn.v2":
      return { type: "case.withdrawn", ...meta, reason: d.reason };
    case "case.deadline_breached.v1":
      return { type: "case.mediation_deadline_breached", ...meta, deadline: d.deadline, ref: d.ref ?? null, dueAt: date(d.dueAt), team: d.team };
    default:
      return undefined;
  }
}
