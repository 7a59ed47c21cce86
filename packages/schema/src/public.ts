// The public counterparts of the internal events: the same facts without personal data
// (no names, phone numbers, addresses, exact coordinates, tracking codes, staff ids or
// free text). Each public schema lists what may leave; `project` parses the internal data
// through it, so anything not listed is dropped.
import { z } from "zod";
import { Topics, type TopicName } from "./topics";
import {
  CaseAcceptedV1, CaseAssignedV1, CaseClosedV1, CaseDeadlineApproachingV1, CaseDeadlineBreachedV1, CaseEscalatedV1,
  CaseMediationScheduledV1, CaseNoteAddedV1, CaseOpenedV1, CaseQueuedV1, CaseReassignedV1, CaseReassignmentRequestedV1, CaseRecategorisedV1, CaseReopenedV1, CaseResolvedV1,
  GrievanceLinkedV1, GrievanceReceivedV1, PersonalDataErasedV1, GrievanceTriagedV1, GrievanceTriagedV2, roundCoordinate, type EventData, type EventTypeName,
  CaseAgreementRecordedV1, CaseDeclinedV1, CaseFollowUpRecordedV1, CaseFollowUpScheduledV1, CaseMediatorAssignedV1, CaseObligationMarkedV1,
  CasePartyAddedV1, CaseReferralAcknowledgedV1, CaseReferredV1, CaseSessionCancelledV1, CaseSessionHeldV1, CaseSessionRescheduledV1,
  CaseSessionReminderDueV1, CaseSessionScheduledV1, CaseUrgencyRaisedV1, CaseWithdrawnV1, StatisticsPublishedV1,
  CaseAgreementRecordedV2, CaseFollowUpRecordedV2, CaseNoteAddedV2, CaseObligationMarkedV2, CasePartyAddedV2, CaseSessionHeldV2,
  CaseAssignedV2, CaseClosedV2, CaseDeclinedV2, CaseEscalatedV2, CaseMediationScheduledV2, CaseReassignedV2, CaseReassignmentRequestedV2,
  CaseRecategorisedV2, CaseReferredV2, CaseReopenedV2, CaseResolvedV2, CaseSessionCancelledV2, CaseSessionReminderDueV2,
  CaseSessionRescheduledV2, CaseSessionScheduledV2, CaseWithdrawnV2,
} from "./events";

const PublicActor = z.object({ role: z.enum(["caseworker", "supervisor", "admin", "system"]) });


export const PublicGrievanceReceivedV1 = GrievanceReceivedV1.pick({ grievanceId: true, channel: true, receivedAt: true, divisionCode: true, language: true, hints: true }).extend({
  anonymous: z.boolean(),
  /** rounded to two decimals (about 1 km) */
  approximateLocation: z.object({ lat: z.number(), lon: z.number() }).optional(),
});

const withoutPersonal = <S extends z.ZodObject>(schema: S, drop: string[]) =>
  (schema.omit(Object.fromEntries(drop.map((k) => [k, true])) as never) as unknown as z.ZodObject).extend({ actor: PublicActor });

export const publicSchemas = {
  "grievance.received.v1": PublicGrievanceReceivedV1,
  // The same public facts as v1: nothing sealed leaves.
  "grievance.received.v2": PublicGrievanceReceivedV1,
  // Carries no personal data: subscribers holding copies of this grievance's data drop them.
  "personal_data.erased.v1": PersonalDataErasedV1.omit({ dataSubject: true }),
  "case.opened.v1": CaseOpenedV1.omit({ trackingCode: true }),
  "grievance.triaged.v1": withoutPersonal(GrievanceTriagedV1, ["trackingCode", "signals"]).extend({
    /** which rules fired; the words they matched stay internal */
    signals: z.array(z.object({ rule: z.string(), level: z.enum(["P1", "P2", "P3", "P4"]).optional() })),
  }),
  // The same public facts as v1: the sealed words stay internal.
  "grievance.triaged.v2": withoutPersonal(GrievanceTriagedV2, ["trackingCode", "signals"]).extend({
    signals: z.array(z.object({ rule: z.string(), level: z.enum(["P1", "P2", "P3", "P4"]).optional() })),
  }),
  "grievance.linked.v1": withoutPersonal(GrievanceLinkedV1, []),
  "case.assigned.v1": withoutPersonal(CaseAssignedV1, ["trackingCode", "caseworkerId", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.assigned.v2": withoutPersonal(CaseAssignedV2, ["trackingCode", "caseworkerId", "reason"]),
  "case.queued.v1": withoutPersonal(CaseQueuedV1, ["trackingCode", "reason"]),
  "case.accepted.v1": withoutPersonal(CaseAcceptedV1, ["caseworkerId"]),
  "case.note_added.v1": withoutPersonal(CaseNoteAddedV1, ["text"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.note_added.v2": withoutPersonal(CaseNoteAddedV2, ["text"]),
  "case.mediation_scheduled.v1": withoutPersonal(CaseMediationScheduledV1, ["place"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.mediation_scheduled.v2": withoutPersonal(CaseMediationScheduledV2, ["place"]),
  "case.resolved.v1": withoutPersonal(CaseResolvedV1, ["trackingCode", "summary"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.resolved.v2": withoutPersonal(CaseResolvedV2, ["trackingCode", "summary"]),
  "case.escalated.v1": withoutPersonal(CaseEscalatedV1, ["trackingCode", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.escalated.v2": withoutPersonal(CaseEscalatedV2, ["trackingCode", "reason"]),
  "case.reassigned.v1": withoutPersonal(CaseReassignedV1, ["trackingCode", "fromCaseworkerId", "toCaseworkerId", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.reassigned.v2": withoutPersonal(CaseReassignedV2, ["trackingCode", "fromCaseworkerId", "toCaseworkerId", "reason"]),
  "case.reassignment_requested.v1": withoutPersonal(CaseReassignmentRequestedV1, ["trackingCode", "caseworkerId", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.reassignment_requested.v2": withoutPersonal(CaseReassignmentRequestedV2, ["trackingCode", "caseworkerId", "reason"]),
  "case.recategorised.v1": withoutPersonal(CaseRecategorisedV1, ["trackingCode", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.recategorised.v2": withoutPersonal(CaseRecategorisedV2, ["trackingCode", "reason"]),
  "case.reopened.v1": withoutPersonal(CaseReopenedV1, ["trackingCode", "caseworkerId", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.reopened.v2": withoutPersonal(CaseReopenedV2, ["trackingCode", "caseworkerId", "reason"]),
  "case.closed.v1": withoutPersonal(CaseClosedV1, ["reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.closed.v2": withoutPersonal(CaseClosedV2, ["reason"]),
  // ref (which obligation or referral) stays internal: the published type had no such field and took any value there.
  "case.deadline_breached.v1": withoutPersonal(CaseDeadlineBreachedV1, ["trackingCode", "caseworkerId", "ref"]),
  "case.deadline_approaching.v1": withoutPersonal(CaseDeadlineApproachingV1, ["trackingCode", "caseworkerId"]),
  // Mediation: who the parties are, what they said and agreed stays internal; that it happened, when and with what result is public.
  "case.party_added.v1": withoutPersonal(CasePartyAddedV1, ["name", "phone", "language", "consentToContact"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.party_added.v2": withoutPersonal(CasePartyAddedV2, ["name", "phone", "language", "consentToContact"]),
  "case.mediator_assigned.v1": withoutPersonal(CaseMediatorAssignedV1, ["trackingCode", "mediatorId", "reason"]),
  "case.session_scheduled.v1": withoutPersonal(CaseSessionScheduledV1, ["trackingCode", "mediatorId", "place", "invitedPartyIds"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.session_scheduled.v2": withoutPersonal(CaseSessionScheduledV2, ["trackingCode", "mediatorId", "place", "invitedPartyIds"]),
  "case.session_rescheduled.v1": withoutPersonal(CaseSessionRescheduledV1, ["place"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.session_rescheduled.v2": withoutPersonal(CaseSessionRescheduledV2, ["place"]),
  "case.session_reminder_due.v1": withoutPersonal(CaseSessionReminderDueV1, ["trackingCode", "mediatorId", "place", "invitedPartyIds"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.session_reminder_due.v2": withoutPersonal(CaseSessionReminderDueV2, ["trackingCode", "mediatorId", "place", "invitedPartyIds"]),
  "case.session_cancelled.v1": withoutPersonal(CaseSessionCancelledV1, ["reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.session_cancelled.v2": withoutPersonal(CaseSessionCancelledV2, ["reason"]),
  "case.session_held.v1": withoutPersonal(CaseSessionHeldV1, ["complainantAttended", "attendedPartyIds", "note"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.session_held.v2": withoutPersonal(CaseSessionHeldV2, ["complainantAttended", "attendedPartyIds", "note"]),
  "case.urgency_raised.v1": withoutPersonal(CaseUrgencyRaisedV1, ["trackingCode", "caseworkerId", "reason"]),
  "case.agreement_recorded.v1": withoutPersonal(CaseAgreementRecordedV1, ["terms", "obligations"]).extend({
    /** when each obligation falls due; who owes what stays internal */
    obligations: z.array(CaseAgreementRecordedV1.shape.obligations.element.pick({ obligationId: true, dueBy: true })),
  }),
  // The same public facts as v1: the sealed fields stay internal.
  "case.agreement_recorded.v2": withoutPersonal(CaseAgreementRecordedV2, ["terms", "obligations"]).extend({
    obligations: z.array(CaseAgreementRecordedV2.shape.obligations.element.pick({ obligationId: true, dueBy: true })),
  }),
  "case.obligation_marked.v1": withoutPersonal(CaseObligationMarkedV1, ["note"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.obligation_marked.v2": withoutPersonal(CaseObligationMarkedV2, ["note"]),
  "case.follow_up_scheduled.v1": withoutPersonal(CaseFollowUpScheduledV1, []),
  "case.follow_up_recorded.v1": withoutPersonal(CaseFollowUpRecordedV1, ["note"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.follow_up_recorded.v2": withoutPersonal(CaseFollowUpRecordedV2, ["note"]),
  // The kind of body only: a body's name may be a person's (a lawyer, an official).
  "case.referred.v1": withoutPersonal(CaseReferredV1, ["trackingCode", "reason", "to"]).extend({ to: CaseReferredV1.shape.to.pick({ kind: true }) }),
  // The same public facts as v1: the sealed fields stay internal.
  "case.referred.v2": withoutPersonal(CaseReferredV2, ["trackingCode", "reason", "to"]).extend({ to: CaseReferredV2.shape.to.pick({ kind: true }) }),
  "case.referral_acknowledged.v1": withoutPersonal(CaseReferralAcknowledgedV1, ["reference"]),
  "case.declined.v1": withoutPersonal(CaseDeclinedV1, ["trackingCode", "reason", "goTo"]).extend({ goTo: CaseDeclinedV1.shape.goTo.unwrap().pick({ kind: true }).nullable() }),
  // The same public facts as v1: the sealed fields stay internal.
  "case.declined.v2": withoutPersonal(CaseDeclinedV2, ["trackingCode", "reason", "goTo"]).extend({ goTo: CaseDeclinedV2.shape.goTo.unwrap().pick({ kind: true }).nullable() }),
  "case.withdrawn.v1": withoutPersonal(CaseWithdrawnV1, ["trackingCode", "reason"]),
  // The same public facts as v1: the sealed fields stay internal.
  "case.withdrawn.v2": withoutPersonal(CaseWithdrawnV2, ["trackingCode", "reason"]),
  "statistics.published.v1": StatisticsPublishedV1,
} satisfies Record<EventTypeName, z.ZodObject>;

export const publicTopicOf: Record<TopicName, TopicName | undefined> = {
  [Topics.grievancesInternal]: Topics.grievancesPublic,
  [Topics.casesInternal]: Topics.casesPublic,
  [Topics.grievancesPublic]: undefined,
  [Topics.casesPublic]: undefined,
  [Topics.deadLetterTriage]: undefined,
  [Topics.deadLetterNotification]: undefined,
  [Topics.deadLetterIntake]: undefined,
};

/** The public data of an internal event: only what its public schema lists. */
export function toPublicData<T extends EventTypeName>(type: T, data: EventData<T>): Record<string, unknown> {
  const input: Record<string, unknown> = { ...data };
  if (type === "grievance.received.v1") {
    const g = data as EventData<"grievance.received.v1">;
    input.anonymous = g.complainant.anonymous;
    if (g.location.coordinates) input.approximateLocation = { lat: roundCoordinate(g.location.coordinates.lat), lon: roundCoordinate(g.location.coordinates.lon) };
  }
  if (type === "grievance.received.v2") {
    const g = data as EventData<"grievance.received.v2">;
    input.anonymous = g.complainant.anonymous;
    if (g.location.approximateCoordinates) input.approximateLocation = g.location.approximateCoordinates;
  }
  return publicSchemas[type].parse(input) as Record<string, unknown>;
}
