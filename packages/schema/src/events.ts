// The event contract: every event type once, as zod, with its topic and version.
// Services produce and consume only through `eventTypes`; the CloudEvents envelope
// is applied by the runtime kit.
import { z } from "zod";
import { Category, Channel, DivisionCode, Language, ResolutionOutcome, Urgency } from "./domain";
import { Topics, type TopicName } from "./topics";

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
export const CaseResolvedV1 = CaseFact.extend({ ...CaseFacts.shape, outcome: ResolutionOutcome, summary: z.string() });
export const CaseEscalatedV1 = CaseFact.extend({ ...CaseFacts.shape, fromTeam: TeamRef, toTeam: TeamRef, reason: z.string() });
export const CaseReassignedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef, fromCaseworkerId: z.string(), toCaseworkerId: z.string(), ...Due, reason: z.string() });
/** A person settled the case's category (category is the new one); the case is rerouted by the events that follow. */
export const CaseRecategorisedV1 = CaseFact.extend({ ...CaseFacts.shape, fromCategory: Category, reason: z.string().min(1) });
export const CaseReopenedV1 = CaseFact.extend({ ...CaseFacts.shape, team: TeamRef, caseworkerId: z.string(), ...Due, reason: z.string() });
export const CaseClosedV1 = CaseFact;
export const CaseDeadlineBreachedV1 = CaseFact.extend({ ...CaseFacts.shape, deadline: z.enum(["acknowledge", "resolve"]), dueAt: Timestamp, team: TeamRef.nullable(), caseworkerId: z.string().nullable() });
export const CaseDeadlineApproachingV1 = CaseFact.extend({ ...CaseFacts.shape, deadline: z.enum(["acknowledge", "resolve"]), dueAt: Timestamp, team: TeamRef.nullable(), caseworkerId: z.string().nullable() });

export interface EventType<S extends z.ZodType = z.ZodType> {
  type: string;
  topic: TopicName;
  data: S;
  /** The grievance the event is about: the Kafka key and the CloudEvents subject. */
  subjectOf: (data: z.infer<S>) => string;
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
  }),
  "case.opened.v1": eventType({
    type: "case.opened.v1",
    topic: Topics.casesInternal,
    data: CaseOpenedV1,
    subjectOf: (d) => d.grievanceId,
  }),
  ...caseEventTypes({
    "grievance.triaged.v1": GrievanceTriagedV1,
    "grievance.linked.v1": GrievanceLinkedV1,
    "case.assigned.v1": CaseAssignedV1,
    "case.queued.v1": CaseQueuedV1,
    "case.accepted.v1": CaseAcceptedV1,
    "case.note_added.v1": CaseNoteAddedV1,
    "case.mediation_scheduled.v1": CaseMediationScheduledV1,
    "case.resolved.v1": CaseResolvedV1,
    "case.escalated.v1": CaseEscalatedV1,
    "case.reassigned.v1": CaseReassignedV1,
    "case.recategorised.v1": CaseRecategorisedV1,
    "case.reopened.v1": CaseReopenedV1,
    "case.closed.v1": CaseClosedV1,
    "case.deadline_breached.v1": CaseDeadlineBreachedV1,
    "case.deadline_approaching.v1": CaseDeadlineApproachingV1,
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
