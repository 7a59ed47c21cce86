// The event contract: every event type once, as zod, with its topic and version.
// Services produce and consume only through `eventTypes`; the CloudEvents envelope
// is applied by the runtime kit.
import { z } from "zod";
import { Category, Channel, DivisionCode, Language, PartyRole, ReceivingBodyKind, ResolutionLevel, ResolutionOutcome, Satisfaction, SessionDanger, SessionResult, Urgency } from "./domain";
import { Topics, type TopicName } from "./topics";
import { partitionKeyFor } from "./keys";

const Id = z.uuid();
const Timestamp = z.iso.datetime({ offset: true });

export const Complainant = z.discriminatedUnion("anonymous", [
  z.object({
    anonymous: z.literal(false),
    name: z.string().min(1).max(200),
    /** E.164 */
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/),
    /** keyed hash of the normalised phone, so triage recognises a repeat caller without the number */
    phoneHash: z.string().min(16),
    language: Language,
    consentToContact: z.boolean(),
  }),
  z.object({ anonymous: z.literal(true) }),
]);
export type Complainant = z.infer<typeof Complainant>;

export const GrievanceReceivedV1 = z.object({
  grievanceId: Id,
  trackingCode: z.string().min(6).max(16),
  channel: Channel,
  receivedAt: Timestamp,
  divisionCode: DivisionCode,
  language: Language,
  description: z.string().min(1).max(10_000),
  complainant: Complainant,
  location: z.object({
    divisionCode: DivisionCode,
    address: z.string().max(500).optional(),
    coordinates: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  }),
  hints: z.object({ category: Category.optional(), urgency: Urgency.optional() }).optional(),
  externalReference: z.string().max(200).optional(),
});
export type GrievanceReceivedV1 = z.infer<typeof GrievanceReceivedV1>;

/**
 * A personal field sealed with the person's data key (AES-256-GCM, `ghs1.<key id>.<base64url>`):
 * readable by a service holding the keyring until the key is destroyed, by nobody after.
 */
export const Sealed = z.string().regex(/^ghs1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+$/, "a sealed value").max(20_000);

/**
 * grievance.received.v1 with its personal fields sealed (the description, the complainant's name
 * and phone, the address and the exact coordinates, sealed as "lat,lon"), so the log keeps nothing
 * readable once the person's key is destroyed. `approximateCoordinates` (rounded to about 1 km)
 * stays in clear for maps and routing. Consumers still read v1 for entries written before it.
 */
export const GrievanceReceivedV2 = GrievanceReceivedV1.extend({
  description: Sealed,
  complainant: z.discriminatedUnion("anonymous", [
    Complainant.options[0].extend({ name: Sealed, phone: Sealed }),
    Complainant.options[1],
  ]),
  location: z.object({
    divisionCode: DivisionCode,
    address: Sealed.optional(),
    coordinates: Sealed.optional(),
    /** rounded to two decimals (about 1 km) */
    approximateCoordinates: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  }),
});
export type GrievanceReceivedV2 = z.infer<typeof GrievanceReceivedV2>;

/** About 1 km: enough for a map of where disputes arise, not enough to find a door. */
export const roundCoordinate = (v: number) => Math.round(v * 100) / 100;

/** Whose data key seals a grievance's personal fields: the caller's (all their grievances share it), else the grievance's own. */
export function dataSubjectOf(g: Pick<GrievanceReceivedV1, "grievanceId" | "complainant">): string {
  return g.complainant.anonymous ? `grievance:${g.grievanceId}` : `phone:${g.complainant.phoneHash}`;
}

type SealField = (field: string, value: string) => string;
type OpenField = (field: string, value: string) => Promise<string>;

/** The v2 form of a received grievance, each personal field sealed by `seal` under the field's name. */
export function sealGrievanceReceived(g: GrievanceReceivedV1, seal: SealField): GrievanceReceivedV2 {
  const { coordinates, address } = g.location;
  return {
    ...g,
    description: seal("description", g.description),
    complainant: g.complainant.anonymous ? g.complainant : { ...g.complainant, name: seal("complainant.name", g.complainant.name), phone: seal("complainant.phone", g.complainant.phone) },
    location: {
      divisionCode: g.location.divisionCode,
      ...(address !== undefined ? { address: seal("location.address", address) } : {}),
      ...(coordinates ? { coordinates: seal("location.coordinates", `${coordinates.lat},${coordinates.lon}`), approximateCoordinates: { lat: roundCoordinate(coordinates.lat), lon: roundCoordinate(coordinates.lon) } } : {}),
    },
  };
}

/**
 * The v1 view of a v2 grievance, its fields opened by `open`. A field whose key was destroyed
 * opens as the erased marker (the coordinates then fall back to the approximate ones).
 */
export async function openGrievanceReceived(g: GrievanceReceivedV2, open: OpenField): Promise<GrievanceReceivedV1> {
  const { coordinates, address, approximateCoordinates } = g.location;
  const exact = coordinates === undefined ? undefined : (await open("location.coordinates", coordinates)).split(",").map(Number);
  const opened = exact?.length === 2 && exact.every(Number.isFinite) ? { lat: exact[0]!, lon: exact[1]! } : approximateCoordinates;
  return {
    ...g,
    description: await open("description", g.description),
    complainant: g.complainant.anonymous
      ? g.complainant
      : { ...g.complainant, name: await open("complainant.name", g.complainant.name), phone: await open("complainant.phone", g.complainant.phone) },
    location: {
      divisionCode: g.location.divisionCode,
      ...(address !== undefined ? { address: await open("location.address", address) } : {}),
      ...(opened ? { coordinates: opened } : {}),
    },
  };
}

/**
 * A person's personal data was erased (an admin's request or the retention policy): their data
 * key is destroyed, so every value sealed under it is unreadable wherever it is, and each service
 * replaces what it holds of this grievance with a marker. One event per grievance of the person,
 * keyed by its district so it follows that grievance's own events. The grievance stays countable.
 */
export const PersonalDataErasedV1 = z.object({
  erasureId: Id,
  /** whose data key was destroyed (`phone:<keyed hash>` or `grievance:<id>`): services forget it from their key caches at once */
  dataSubject: z.string().min(1),
  grievanceId: Id,
  divisionCode: DivisionCode,
  erasedAt: Timestamp,
});
export type PersonalDataErasedV1 = z.infer<typeof PersonalDataErasedV1>;

export const CaseOpenedV1 = z.object({
  caseId: Id,
  grievanceId: Id,
  trackingCode: z.string(),
  divisionCode: DivisionCode,
  openedAt: Timestamp,
  status: z.literal("received"),
  /** null until the classifier has run; classification arrives in grievance.triaged.v1 */
  classification: z.null(),
});
export type CaseOpenedV1 = z.infer<typeof CaseOpenedV1>;

const TeamRef = z.object({ id: z.string().min(1), level: z.enum(["community", "street", "district"]) });
const Actor = z.object({ id: z.string().min(1), role: z.enum(["caseworker", "supervisor", "admin", "system"]) });

/** Facts every case event carries: which case and grievance, who did it, when. */
const CaseFact = z.object({
  caseId: Id,
  grievanceId: Id,
  occurredAt: Timestamp,
  actor: Actor,
});

/** Facts of a case that anyone may know (no personal data): what notification and subscribers route on. */
const CaseFacts = z.object({
  trackingCode: z.string(),
  divisionCode: DivisionCode,
  category: Category,
  urgency: Urgency,
});

export const RiskSignal = z.object({
  /** id of the rule that fired */
  rule: z.string().min(1),
  /** the urgency the rule points to, for urgency rules */
  level: Urgency.optional(),
  /** the words of the description that matched */
  matched: z.string(),
});
export type RiskSignal = z.infer<typeof RiskSignal>;

export const GrievanceTriagedV1 = CaseFact.extend({
  category: Category,
  urgency: Urgency,
  signals: z.array(RiskSignal),
  rulesetVersion: z.string().min(1),
  /** The category model's version, when a model decided the category (beside the ruleset version). */
  modelVersion: z.string().min(1).optional(),
  /** The category model's calibrated confidence in the category (0-1). */
  confidence: z.number().min(0).max(1).optional(),
  trackingCode: z.string(),
  divisionCode: DivisionCode,
});
/**
 * grievance.triaged.v1 with the words each signal matched sealed with the person's data key, as
 * the description is: they are the caller's words. "[erased]" when the person was erased before
 * the grievance was triaged (a replay).
 */
export const GrievanceTriagedV2 = GrievanceTriagedV1.extend({
  signals: z.array(RiskSignal.extend({ matched: z.string().regex(/^(ghs1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+|\[erased\])$/, "a sealed value or [erased]").max(20_000) })),
});
export type GrievanceTriagedV2 = z.infer<typeof GrievanceTriagedV2>;
export const GrievanceLinkedV1 = CaseFact.extend({
  /** repeat: same complainant, same matter, open case; related: another complainant, similar matter nearby */
  kind: z.enum(["repeat", "related"]),
  /** the grievance that was linked to the case (caseId/grievanceId name the case's first grievance) */
  linkedGrievanceId: Id,
  repeatCount: z.number().int().min(0),
  similarity: z.number().min(0).max(1).optional(),
  urgency: Urgency,
});
const Due = { acknowledgeBy: Timestamp, resolveBy: Timestamp };
export const CaseAssignedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef, caseworkerId: z.string().min(1), ...Due, reason: z.string(), alertSupervisor: z.boolean() });
export const CaseQueuedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef.nullable(), reason: z.string(), alertSupervisor: z.boolean() });
export const CaseAcceptedV1 = CaseFact.extend({ caseworkerId: z.string().min(1) });
export const CaseNoteAddedV1 = CaseFact.extend({ text: z.string().min(1).max(10_000) });
export const CaseMediationScheduledV1 = CaseFact.extend({ at: Timestamp, place: z.string().nullable() });
export const CaseResolvedV1 = CaseFact.extend({ ...CaseFacts.shape, outcome: ResolutionOutcome, summary: z.string(), level: ResolutionLevel.optional() });
export const CaseEscalatedV1 = CaseFact.extend({ ...CaseFacts.shape, fromTeam: TeamRef, toTeam: TeamRef, reason: z.string() });
/** The caseworker holding the case asks the team's supervisor to give it to someone else (the supervisor reassigns). */
export const CaseReassignmentRequestedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef, caseworkerId: z.string().min(1), reason: z.string().min(1) });
export const CaseReassignedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef, fromCaseworkerId: z.string(), toCaseworkerId: z.string(), ...Due, reason: z.string() });
/** A person settled the case's category (category is the new one); the case is rerouted by the events that follow. */
export const CaseRecategorisedV1 = CaseFact.extend({ ...CaseFacts.shape, fromCategory: Category, reason: z.string().min(1) });
export const CaseReopenedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef, caseworkerId: z.string(), ...Due, reason: z.string() });
/** closure and reason are absent on cases closed before they were recorded. */
export const CaseClosedV1 = CaseFact.extend({ closure: z.enum(["closed", "declined", "withdrawn"]).optional(), reason: z.string().optional() });
/** Ids triage gives within a case: party-1, session-2, agreement-1, agreement-1.2 (its second obligation), referral-1. */
const LocalId = z.string().regex(/^[a-z]+-\d{1,6}(\.\d{1,6})?$/);
/** follow_up, referral_acknowledgement and obligation name what they are about in `ref` (the obligation or referral id). */
const DeadlineName = z.enum(["acknowledge", "resolve", "follow_up", "referral_acknowledgement", "obligation"]);
export const CaseDeadlineBreachedV1 = CaseFact.extend({ ...CaseFacts.shape, deadline: DeadlineName, dueAt: Timestamp, team: TeamRef.nullable(), caseworkerId: z.string().nullable(), ref: z.string().optional() });
export const CaseDeadlineApproachingV1 = CaseFact.extend({ ...CaseFacts.shape, deadline: DeadlineName, dueAt: Timestamp, team: TeamRef.nullable(), caseworkerId: z.string().nullable() });

// ---- mediation: parties, mediators, sessions, agreements, follow-ups, referrals -------------

const CalendarDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** E.164 */
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/);
const ReceivingBody = z.object({ kind: ReceivingBodyKind, name: z.string().min(1).max(200) });

/** A party's contact data is personal: internal topic only. */
export const CasePartyAddedV1 = CaseFact.extend({
  partyId: LocalId,
  role: PartyRole,
  kind: z.enum(["person", "organisation"]),
  name: z.string().min(1).max(200),
  phone: Phone.nullable(),
  language: Language.nullable(),
  consentToContact: z.boolean(),
});
/** A mediator's id is the directory's (as a caseworker's is): staff ids never leave on the public topic. */
const MediatorId = z.string().min(1).max(100);
export const CaseMediatorAssignedV1 = CaseFact.extend({ ...CaseFacts.shape, mediatorId: MediatorId, reason: z.string() });
export const CaseSessionScheduledV1 = CaseFact.extend({
  ...CaseFacts.shape,
  sessionId: LocalId,
  mediatorId: MediatorId,
  at: Timestamp,
  durationMinutes: z.number().int().min(15).max(480),
  place: z.string(),
  invitedPartyIds: z.array(LocalId),
});
/**
 * A session is a day away: the mediator and the invited parties are reminded. The parties'
 * contact is what notification keeps from case.party_added.v1; this names only who is invited.
 */
export const CaseSessionReminderDueV1 = CaseFact.extend({
  ...CaseFacts.shape,
  sessionId: LocalId,
  mediatorId: MediatorId,
  at: Timestamp,
  place: z.string(),
  invitedPartyIds: z.array(LocalId),
});
export const CaseSessionRescheduledV1 = CaseFact.extend({ sessionId: LocalId, at: Timestamp, place: z.string() });
export const CaseSessionCancelledV1 = CaseFact.extend({ sessionId: LocalId, reason: z.string() });
export const CaseSessionHeldV1 = CaseFact.extend({
  sessionId: LocalId,
  complainantAttended: z.boolean(),
  attendedPartyIds: z.array(LocalId),
  result: SessionResult,
  danger: SessionDanger,
  note: z.string().nullable(),
});
/** The case's urgency went up (danger at a session, a broken obligation); its deadlines tightened to the new urgency's. */
export const CaseUrgencyRaisedV1 = CaseFact.extend({
  ...CaseFacts.shape,
  fromUrgency: Urgency,
  reason: z.string(),
  team: TeamRef.nullable(),
  caseworkerId: z.string().nullable(),
  acknowledgeBy: Timestamp,
  resolveBy: Timestamp,
  alertSupervisor: z.boolean(),
});
export const Obligation = z.object({ obligationId: LocalId, owedBy: LocalId, what: z.string().min(1).max(2000), dueBy: CalendarDate });
export const CaseAgreementRecordedV1 = CaseFact.extend({
  agreementId: LocalId,
  sessionId: LocalId,
  terms: z.string().min(1).max(10_000),
  signedOn: CalendarDate,
  obligations: z.array(Obligation),
  judicialConfirmation: z.boolean(),
});
export const CaseObligationMarkedV1 = CaseFact.extend({ agreementId: LocalId, obligationId: LocalId, status: z.enum(["fulfilled", "broken"]), note: z.string().nullable() });
export const CaseFollowUpScheduledV1 = CaseFact.extend({ dueAt: Timestamp });
export const CaseFollowUpRecordedV1 = CaseFact.extend({ reached: z.boolean(), satisfaction: Satisfaction.nullable(), note: z.string().nullable() });
export const CaseReferredV1 = CaseFact.extend({
  ...CaseFacts.shape,
  referralId: LocalId,
  to: ReceivingBody,
  /** handover: the case waits for the body; judicial_confirmation: an agreement goes to the court to be confirmed */
  purpose: z.enum(["handover", "judicial_confirmation"]),
  reason: z.string(),
  acknowledgeBy: Timestamp,
});
export const CaseReferralAcknowledgedV1 = CaseFact.extend({ referralId: LocalId, reference: z.string().nullable() });
export const CaseDeclinedV1 = CaseFact.extend({ ...CaseFacts.shape, reason: z.string(), goTo: ReceivingBody.nullable() });
export const CaseWithdrawnV1 = CaseFact.extend({ ...CaseFacts.shape, reason: z.string() });

// ---- v2 of the events carrying what staff record about people: those fields sealed with the
// case's person's data key (as grievance.received.v2 seals the grievance), so the log keeps
// nothing readable once the key is destroyed. Consumers still read v1 for events written before.

/** A sealed value, or the erased marker where the person was erased before the value was recorded. */
const SealedText = z.string().regex(/^(ghs1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+|\[erased\])$/, "a sealed value or [erased]").max(60_000);
export const CasePartyAddedV2 = CasePartyAddedV1.extend({ name: SealedText, phone: SealedText.nullable() });
export const CaseNoteAddedV2 = CaseNoteAddedV1.extend({ text: SealedText });
export const CaseSessionHeldV2 = CaseSessionHeldV1.extend({ note: SealedText.nullable() });
export const CaseAgreementRecordedV2 = CaseAgreementRecordedV1.extend({ terms: SealedText, obligations: z.array(Obligation.extend({ what: SealedText })) });
export const CaseObligationMarkedV2 = CaseObligationMarkedV1.extend({ note: SealedText.nullable() });
export const CaseFollowUpRecordedV2 = CaseFollowUpRecordedV1.extend({ note: SealedText.nullable() });

// ---- v2 of the events carrying what staff type about a case in their own words — a reason, a
// resolution's summary, a session's place, the name of the body a case goes to — sealed the same
// way. Triage publishes v2 when it sealed them (every staff action); an event the system makes
// on its own (an overdue escalation, the routing on arrival) carries only the system's words and stays v1.
const SealedBody = z.object({ kind: ReceivingBodyKind, name: SealedText });
export const CaseAssignedV2 = CaseAssignedV1.extend({ reason: SealedText });
export const CaseMediationScheduledV2 = CaseMediationScheduledV1.extend({ place: SealedText.nullable() });
export const CaseResolvedV2 = CaseResolvedV1.extend({ summary: SealedText });
export const CaseEscalatedV2 = CaseEscalatedV1.extend({ reason: SealedText });
export const CaseReassignmentRequestedV2 = CaseReassignmentRequestedV1.extend({ reason: SealedText });
export const CaseReassignedV2 = CaseReassignedV1.extend({ reason: SealedText });
export const CaseRecategorisedV2 = CaseRecategorisedV1.extend({ reason: SealedText });
export const CaseReopenedV2 = CaseReopenedV1.extend({ reason: SealedText });
export const CaseClosedV2 = CaseClosedV1.extend({ reason: SealedText.optional() });
export const CaseSessionScheduledV2 = CaseSessionScheduledV1.extend({ place: SealedText });
export const CaseSessionReminderDueV2 = CaseSessionReminderDueV1.extend({ place: SealedText });
export const CaseSessionRescheduledV2 = CaseSessionRescheduledV1.extend({ place: SealedText });
export const CaseSessionCancelledV2 = CaseSessionCancelledV1.extend({ reason: SealedText });
export const CaseReferredV2 = CaseReferredV1.extend({ to: SealedBody, reason: SealedText });
export const CaseDeclinedV2 = CaseDeclinedV1.extend({ reason: SealedText, goTo: SealedBody.nullable() });
export const CaseWithdrawnV2 = CaseWithdrawnV1.extend({ reason: SealedText });

/** One division's figures for one month, by the month its grievances were received: counts and shares, nothing about anyone. */
export const DivisionStatistics = z.object({
  divisionPrefix: z.string().regex(/^\d{0,12}$/),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
  received: z.number().int().min(0),
  resolved: z.number().int().min(0),
  resolvedAtCommunityLevel: z.number().int().min(0),
  /** share of mediated cases (a session held) that reached an agreement */
  mediationSuccessRate: z.number().min(0).max(1).nullable(),
  /** share of agreements followed up whose obligations none was broken */
  agreementsHoldingAtFollowUp: z.number().min(0).max(1).nullable(),
  /** share of follow-ups where the complainant was reached and satisfied */
  satisfaction: z.number().min(0).max(1).nullable(),
  /** share of cases another grievance of the same caller joined */
  repeatRate: z.number().min(0).max(1).nullable(),
  medianDaysToResolution: z.number().min(0).nullable(),
});
/** Published once a day (UTC) per team area, for the month so far. */
export const StatisticsPublishedV1 = DivisionStatistics.extend({ day: CalendarDate, publishedAt: Timestamp });

export interface EventType<S extends z.ZodType = z.ZodType> {
  type: string;
  topic: TopicName;
  data: S;
  /** The grievance the event is about: the CloudEvents subject. */
  subjectOf: (data: z.infer<S>) => string;
  /** The Kafka key, when the data names it (else the producer gives it, or the subject is used). */
  keyOf?: (data: z.infer<S>) => string;
}

function eventType<S extends z.ZodType>(def: EventType<S>): EventType<S> {
  return def;
}

export const eventTypes = {
  "grievance.received.v1": eventType({
    type: "grievance.received.v1",
    topic: Topics.grievancesInternal,
    data: GrievanceReceivedV1,
    subjectOf: (d) => d.grievanceId,
    keyOf: (d) => partitionKeyFor(d.divisionCode),
  }),
  "grievance.received.v2": eventType({
    type: "grievance.received.v2",
    topic: Topics.grievancesInternal,
    data: GrievanceReceivedV2,
    subjectOf: (d) => d.grievanceId,
    keyOf: (d) => partitionKeyFor(d.divisionCode),
  }),
  "personal_data.erased.v1": eventType({
    type: "personal_data.erased.v1",
    topic: Topics.grievancesInternal,
    data: PersonalDataErasedV1,
    subjectOf: (d) => d.grievanceId,
    keyOf: (d) => partitionKeyFor(d.divisionCode),
  }),
  "case.opened.v1": eventType({
    type: "case.opened.v1",
    topic: Topics.casesInternal,
    data: CaseOpenedV1,
    subjectOf: (d) => d.grievanceId,
  }),
  "statistics.published.v1": eventType({
    type: "statistics.published.v1",
    topic: Topics.casesInternal,
    data: StatisticsPublishedV1,
    subjectOf: (d) => `statistics:${d.divisionPrefix}`,
  }),
  ...caseEventTypes({
    "grievance.triaged.v1": GrievanceTriagedV1,
    "grievance.triaged.v2": GrievanceTriagedV2,
    "grievance.linked.v1": GrievanceLinkedV1,
    "case.assigned.v1": CaseAssignedV1,
    "case.assigned.v2": CaseAssignedV2,
    "case.queued.v1": CaseQueuedV1,
    "case.accepted.v1": CaseAcceptedV1,
    "case.note_added.v1": CaseNoteAddedV1,
    "case.note_added.v2": CaseNoteAddedV2,
    "case.mediation_scheduled.v1": CaseMediationScheduledV1,
    "case.mediation_scheduled.v2": CaseMediationScheduledV2,
    "case.resolved.v1": CaseResolvedV1,
    "case.resolved.v2": CaseResolvedV2,
    "case.escalated.v1": CaseEscalatedV1,
    "case.escalated.v2": CaseEscalatedV2,
    "case.reassigned.v1": CaseReassignedV1,
    "case.reassigned.v2": CaseReassignedV2,
    "case.reassignment_requested.v1": CaseReassignmentRequestedV1,
    "case.reassignment_requested.v2": CaseReassignmentRequestedV2,
    "case.recategorised.v1": CaseRecategorisedV1,
    "case.recategorised.v2": CaseRecategorisedV2,
    "case.reopened.v1": CaseReopenedV1,
    "case.reopened.v2": CaseReopenedV2,
    "case.closed.v1": CaseClosedV1,
    "case.closed.v2": CaseClosedV2,
    "case.deadline_breached.v1": CaseDeadlineBreachedV1,
    "case.deadline_approaching.v1": CaseDeadlineApproachingV1,
    "case.party_added.v1": CasePartyAddedV1,
    "case.party_added.v2": CasePartyAddedV2,
    "case.mediator_assigned.v1": CaseMediatorAssignedV1,
    "case.session_scheduled.v1": CaseSessionScheduledV1,
    "case.session_scheduled.v2": CaseSessionScheduledV2,
    "case.session_rescheduled.v1": CaseSessionRescheduledV1,
    "case.session_rescheduled.v2": CaseSessionRescheduledV2,
    "case.session_reminder_due.v1": CaseSessionReminderDueV1,
    "case.session_reminder_due.v2": CaseSessionReminderDueV2,
    "case.session_cancelled.v1": CaseSessionCancelledV1,
    "case.session_cancelled.v2": CaseSessionCancelledV2,
    "case.session_held.v1": CaseSessionHeldV1,
    "case.session_held.v2": CaseSessionHeldV2,
    "case.urgency_raised.v1": CaseUrgencyRaisedV1,
    "case.agreement_recorded.v1": CaseAgreementRecordedV1,
    "case.agreement_recorded.v2": CaseAgreementRecordedV2,
    "case.obligation_marked.v1": CaseObligationMarkedV1,
    "case.obligation_marked.v2": CaseObligationMarkedV2,
    "case.follow_up_scheduled.v1": CaseFollowUpScheduledV1,
    "case.follow_up_recorded.v1": CaseFollowUpRecordedV1,
    "case.follow_up_recorded.v2": CaseFollowUpRecordedV2,
    "case.referred.v1": CaseReferredV1,
    "case.referred.v2": CaseReferredV2,
    "case.referral_acknowledged.v1": CaseReferralAcknowledgedV1,
    "case.declined.v1": CaseDeclinedV1,
    "case.declined.v2": CaseDeclinedV2,
    "case.withdrawn.v1": CaseWithdrawnV1,
    "case.withdrawn.v2": CaseWithdrawnV2,
  }),
} as const;

/** Every triage event lives on the cases topic, keyed by the case's first grievance. */
function caseEventTypes<M extends Record<string, z.ZodType<{ grievanceId: string }>>>(schemas: M): { [K in keyof M]: EventType<M[K]> } {
  return Object.fromEntries(
    Object.entries(schemas).map(([type, data]) => [type, { type, topic: Topics.casesInternal, data, subjectOf: (d: { grievanceId: string }) => d.grievanceId }]),
  ) as unknown as { [K in keyof M]: EventType<M[K]> };
}

export type EventTypeName = keyof typeof eventTypes;
export type EventData<T extends EventTypeName> = z.infer<(typeof eventTypes)[T]["data"]>;

export function isEventTypeName(type: string): type is EventTypeName {
  return Object.prototype.hasOwnProperty.call(eventTypes, type);
}
