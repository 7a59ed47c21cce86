// The event contract: every event type once, as zod, with its topic and version.
// Services produce and consume only through `eventTypes`; the CloudEvents envelope
// is applied by the runtime kit.
import { z } from "zod";
import { Category, Channel, DivisionCode, Language, Urgency } from "./domain";
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
} as const;

export type EventTypeName = keyof typeof eventTypes;
export type EventData<T extends EventTypeName> = z.infer<(typeof eventTypes)[T]["data"]>;

export function isEventTypeName(type: string): type is EventTypeName {
  return Object.prototype.hasOwnProperty.call(eventTypes, type);
}
