// The public counterparts of the internal events: the same facts without personal data
// (no names, phone numbers, addresses, exact coordinates, tracking codes, staff ids or
// free text). Each public schema lists what may leave; `project` parses the internal data
// through it, so anything not listed is dropped.
import { z } from "zod";
import { Topics, type TopicName } from "./topics";
import {
  CaseAcceptedV1, CaseAssignedV1, CaseClosedV1, CaseDeadlineApproachingV1, CaseDeadlineBreachedV1, CaseEscalatedV1,
  CaseMediationScheduledV1, CaseNoteAddedV1, CaseOpenedV1, CaseQueuedV1, CaseReassignedV1, CaseRecategorisedV1, CaseReopenedV1, CaseResolvedV1,
  GrievanceLinkedV1, GrievanceReceivedV1, GrievanceTriagedV1, type EventData, type EventTypeName,
} from "./events";

const PublicActor = z.object({ role: z.enum(["caseworker", "supervisor", "admin", "system"]) });

/** About 1 km: enough for a map of where disputes arise, not enough to find a door. */
const roundCoordinate = (v: number) => Math.round(v * 100) / 100;

export const PublicGrievanceReceivedV1 = GrievanceReceivedV1.pick({ grievanceId: true, channel: true, receivedAt: true, divisionCode: true, language: true, hints: true }).extend({
  anonymous: z.boolean(),
  /** rounded to two decimals (about 1 km) */
  approximateLocation: z.object({ lat: z.number(), lon: z.number() }).optional(),
});

const withoutPersonal = <S extends z.ZodObject>(schema: S, drop: string[]) =>
  (schema.omit(Object.fromEntries(drop.map((k) => [k, true])) as never) as unknown as z.ZodObject).extend({ actor: PublicActor });

export const publicSchemas = {
  "grievance.received.v1": PublicGrievanceReceivedV1,
  "case.opened.v1": CaseOpenedV1.omit({ trackingCode: true }),
  "grievance.triaged.v1": withoutPersonal(GrievanceTriagedV1, ["trackingCode", "signals"]).extend({
    /** which rules fired; the words they matched stay internal */
    signals: z.array(z.object({ rule: z.string(), level: z.enum(["P1", "P2", "P3", "P4"]).optional() })),
  }),
  "grievance.linked.v1": withoutPersonal(GrievanceLinkedV1, []),
  "case.assigned.v1": withoutPersonal(CaseAssignedV1, ["trackingCode", "caseworkerId", "reason"]),
  "case.queued.v1": withoutPersonal(CaseQueuedV1, ["trackingCode", "reason"]),
  "case.accepted.v1": withoutPersonal(CaseAcceptedV1, ["caseworkerId"]),
  "case.note_added.v1": withoutPersonal(CaseNoteAddedV1, ["text"]),
  "case.mediation_scheduled.v1": withoutPersonal(CaseMediationScheduledV1, ["place"]),
  "case.resolved.v1": withoutPersonal(CaseResolvedV1, ["trackingCode", "summary"]),
  "case.escalated.v1": withoutPersonal(CaseEscalatedV1, ["trackingCode", "reason"]),
  "case.reassigned.v1": withoutPersonal(CaseReassignedV1, ["trackingCode", "fromCaseworkerId", "toCaseworkerId", "reason"]),
  "case.recategorised.v1": withoutPersonal(CaseRecategorisedV1, ["trackingCode", "reason"]),
  "case.reopened.v1": withoutPersonal(CaseReopenedV1, ["trackingCode", "caseworkerId", "reason"]),
  "case.closed.v1": withoutPersonal(CaseClosedV1, []),
  "case.deadline_breached.v1": withoutPersonal(CaseDeadlineBreachedV1, ["trackingCode", "caseworkerId"]),
  "case.deadline_approaching.v1": withoutPersonal(CaseDeadlineApproachingV1, ["trackingCode", "caseworkerId"]),
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
  return publicSchemas[type].parse(input) as Record<string, unknown>;
}
