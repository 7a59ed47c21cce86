// The published contract, generated from the zod schemas: a JSON Schema per event type
// (internal and public), an AsyncAPI 3 document of the event topics, and the snapshot each
// type gets when it is first published. Pure: `generateContract` returns file contents.
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import YAML from "yaml";
import { eventTypes, publicSchemas, publicTopicOf, topicSpecs, Topics, type EventTypeName, type TopicName } from "../src/index";

export type JsonSchema = { [keyword: string]: unknown };

/** Every topic name gets this prefix in a deployment (KAFKA_TOPIC_PREFIX); the addresses in the document use it. */
export const defaultTopicPrefix = "gh.";

/** What each event says, for the schemas' and messages' descriptions (a new type must say it too). */
const meaning = {
  "grievance.received.v1": "A hotline operator recorded a grievance: where it arose, what happened and who complained (or that the caller stayed anonymous).",
  "personal_data.erased.v1": "A person's personal data was erased (on request or by the retention policy): their data key is destroyed and every service replaced what it held of this grievance with a marker; the grievance stays countable.",
  "grievance.received.v2": "A hotline operator recorded a grievance: as v1, with the personal fields (description, complainant's name and phone, address, exact coordinates) sealed with the person's data key.",
  "case.opened.v1": "Triage opened a case for a grievance; its classification follows in grievance.triaged.v1.",
  "grievance.triaged.v1": "The classifier decided the grievance's category and urgency (P1 immediate danger .. P4 enquiry), with the rules that fired and the ruleset version.",
  "grievance.triaged.v2": "As grievance.triaged.v1, with the words each signal matched sealed with the person's data key (they are the caller's words); triage publishes v2, subscribers still read v1 for events written before.",
  "grievance.linked.v1": "A grievance was linked to an open case: a repeat by the same complainant about the same matter, or a related grievance nearby.",
  "case.assigned.v1": "The case was routed to a team and a caseworker, with the times by which it must be acknowledged and resolved.",
  "case.assigned.v2": "As case.assigned.v1, with the reason sealed with the case's person's data key (a supervisor assigning by hand gives one in their own words). Triage publishes v2 for staff's assignments; routing on arrival, whose reason is the system's, stays v1.",
  "case.queued.v1": "No caseworker could take the case: it waits in a team's queue (or no team covers it) for a supervisor.",
  "case.accepted.v1": "The assigned caseworker accepted the case.",
  "case.note_added.v1": "Progress on the case was recorded.",
  "case.note_added.v2": "As case.note_added.v1, with the note's text sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.mediation_scheduled.v1": "A mediation session was scheduled.",
  "case.mediation_scheduled.v2": "As case.mediation_scheduled.v1, with the place sealed with the case's person's data key (it may be someone's home). Triage publishes v2; v1 is read for events written before.",
  "case.resolved.v1": "The case was resolved, with its outcome.",
  "case.resolved.v2": "As case.resolved.v1, with the summary sealed with the case's person's data key. Triage publishes v2 for staff's resolutions; a resolution the system records stays v1.",
  "case.escalated.v1": "The case moved up a level, to another team.",
  "case.escalated.v2": "As case.escalated.v1, with the reason sealed with the case's person's data key. Triage publishes v2 when staff escalate; an overdue case escalated by the scheduler, whose reason is the system's, stays v1.",
  "case.reassigned.v1": "The case was given to another caseworker of the team.",
  "case.reassigned.v2": "As case.reassigned.v1, with the reason sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.reassignment_requested.v1": "The caseworker holding the case asked the team's supervisor to give it to someone else, with a reason.",
  "case.reassignment_requested.v2": "As case.reassignment_requested.v1, with the reason sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.recategorised.v1": "A person settled the case's category (a triager at the desk, its caseworker or a supervisor), with a reason; the case is rerouted by the events that follow.",
  "case.recategorised.v2": "As case.recategorised.v1, with the reason sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.reopened.v1": "A resolved case was reopened.",
  "case.reopened.v2": "As case.reopened.v1, with the reason sealed with the case's person's data key. Triage publishes v2 when staff reopen; a reopening the system decides (a broken obligation, an unhappy follow-up) stays v1.",
  "case.closed.v1": "The case was closed (closed after resolution, declined or withdrawn, with the reason).",
  "case.closed.v2": "As case.closed.v1, with the reason sealed with the case's person's data key. Triage publishes v2 when staff give a reason; v1 is read for events written before.",
  "case.deadline_breached.v1": "The case was not acknowledged or resolved in time, or a follow-up, referral acknowledgement or obligation is overdue.",
  "case.deadline_approaching.v1": "The case's acknowledge or resolve deadline is near.",
  "case.party_added.v1": "Another party to the dispute (respondent, family member, employer, landlord…) was recorded on the case.",
  "case.party_added.v2": "As case.party_added.v1, with the party's name and phone sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.mediator_assigned.v1": "A people's mediator was given the case.",
  "case.session_scheduled.v1": "A mediation session was scheduled with the case's mediator.",
  "case.session_scheduled.v2": "As case.session_scheduled.v1, with the place sealed with the case's person's data key (it may be someone's home). Triage publishes v2; v1 is read for events written before.",
  "case.session_rescheduled.v1": "A mediation session was moved.",
  "case.session_rescheduled.v2": "As case.session_rescheduled.v1, with the place sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.session_reminder_due.v1": "A mediation session is a day away: the mediator and the invited parties who consented are reminded.",
  "case.session_reminder_due.v2": "As case.session_reminder_due.v1, with the place sealed as the session recorded it; v1 for a session scheduled before places were sealed.",
  "case.session_cancelled.v1": "A mediation session was cancelled.",
  "case.session_cancelled.v2": "As case.session_cancelled.v1, with the reason sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.session_held.v1": "A mediation session took place: who came, its result, any danger seen.",
  "case.session_held.v2": "As case.session_held.v1, with the session's note sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.urgency_raised.v1": "The case became more urgent (danger at a session, a broken obligation); its deadlines tightened.",
  "case.agreement_recorded.v1": "A mediated agreement was signed, each obligation with who owes it and by when.",
  "case.agreement_recorded.v2": "As case.agreement_recorded.v1, with the terms and what each obligation asks sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.obligation_marked.v1": "An obligation of an agreement was found fulfilled or broken.",
  "case.obligation_marked.v2": "As case.obligation_marked.v1, with the note sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.follow_up_scheduled.v1": "A follow-up visit to the complainant is due after resolution.",
  "case.follow_up_recorded.v1": "The follow-up visit was made: whether the complainant was reached and how satisfied they are.",
  "case.follow_up_recorded.v2": "As case.follow_up_recorded.v1, with the note sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.referred.v1": "The case was handed to another body (or an agreement sent to court for judicial confirmation), awaiting its acknowledgement.",
  "case.referred.v2": "As case.referred.v1, with the reason and the receiving body's name (which may be a person's: a lawyer, an official) sealed with the case's person's data key. Triage publishes v2 for staff's referrals; v1 is read for events written before.",
  "case.referral_acknowledged.v1": "The receiving body acknowledged a referral.",
  "case.declined.v1": "The grievance is outside the hotline's remit and was not accepted, with where to go instead.",
  "case.declined.v2": "As case.declined.v1, with the reason and the name of the body to go to sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "case.withdrawn.v1": "The complainant withdrew the grievance.",
  "case.withdrawn.v2": "As case.withdrawn.v1, with the reason sealed with the case's person's data key. Triage publishes v2; v1 is read for events written before.",
  "statistics.published.v1": "A team area's figures for the month so far (received, resolved at community level, mediation success, agreements holding, satisfaction, repeats, median days to resolution), once a day.",
} satisfies Record<EventTypeName, string>;

/** The service that writes each internal topic; a public topic is written by the same service, through the same outbox. */
const producerOf: Partial<Record<TopicName, string>> = {
  [Topics.grievancesInternal]: "intake",
  [Topics.casesInternal]: "triage",
};

export const eventTypeNames = Object.keys(eventTypes) as EventTypeName[];

export type Audience = "internal" | "public";

export interface EventSchemas {
  internal: JsonSchema;
  public: JsonSchema;
}

/** The snapshot of a type as first published; the compatibility gate compares every later schema with it. */
export interface PublishedSnapshot extends EventSchemas {
  type: string;
  /** Set by hand when the type is deliberately retired and no longer produced: why and since when. */
  retired?: string;
}

function topicOf(type: EventTypeName, audience: Audience): TopicName {
  const internal = eventTypes[type].topic;
  if (audience === "internal") return internal;
  const publicTopic = publicTopicOf[internal];
  if (!publicTopic) throw new Error(`${type}: topic ${internal} has no public counterpart`);
  return publicTopic;
}

function producerOfTopic(topic: TopicName): string {
  const internal = (Object.keys(publicTopicOf) as TopicName[]).find((t) => publicTopicOf[t] === topic) ?? topic;
  const producer = producerOf[internal];
  if (!producer) throw new Error(`no producing service is known for topic ${topic}`);
  return producer;
}

/**
 * zod's JSON Schema of a data schema. zod objects drop keys they do not know instead of
 * refusing them, so the schemas stay open (no `additionalProperties: false`): a subscriber
 * validating with a published schema keeps accepting events that gained an optional field.
 */
function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "output",
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type === "object" && !(def as { catchall?: unknown }).catchall) delete jsonSchema.additionalProperties;
    },
  }) as JsonSchema;
}

function propertyNames(schema: JsonSchema): string[] {
  return Object.keys((schema.properties ?? {}) as Record<string, unknown>);
}

export function eventSchemas(type: EventTypeName): EventSchemas {
  const internal = toJsonSchema(eventTypes[type].data);
  const pub = toJsonSchema(publicSchemas[type]);
  const kept = new Set(propertyNames(pub));
  const leftOut = propertyNames(internal).filter((p) => !kept.has(p));
  const internalTopic = topicOf(type, "internal");
  const publicTopic = topicOf(type, "public");
  const describe = (audience: Audience, schema: JsonSchema, about: string): JsonSchema => {
    const { $schema, ...rest } = schema;
    return {
      $schema,
      $id: schemaId(type, audience),
      title: `${type} (${audience})`,
      description: `${meaning[type]} ${about}`,
      ...rest,
    };
  };
  return {
    internal: describe("internal", internal, `On topic ${internalTopic}, for Grievance Hub's own services: carries personal data.`),
    public: describe(
      "public",
      pub,
      `On topic ${publicTopic}, for any subscriber: free of personal data${leftOut.length ? ` (the internal event's ${leftOut.join(", ")} stay internal)` : ""}.`,
    ),
  };
}

export function schemaId(type: string, audience: Audience): string {
  return `urn:grievance-hub:event:${audience}:${type}`;
}

export function schemaPath(type: string, audience: Audience): string {
  return `json-schema/${audience}/${type}.json`;
}

export function snapshotPath(type: string): string {
  return `published/${type}.json`;
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The CloudEvents 1.0 Kafka binary-mode headers every event carries, as the kit's envelope writes them. */
const cloudEventsKafkaHeaders: JsonSchema = {
  type: "object",
  description: "CloudEvents 1.0 attributes in Kafka binary mode (the message value is the event's data, JSON), plus W3C trace context.",
  required: ["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject", "content-type"],
  properties: {
    ce_id: { type: "string", format: "uuid", description: "Event id. An internal event and its public counterpart carry the same id; a redelivered event carries it again, so deduplicate on it." },
    ce_source: { type: "string", description: "The producing service, /grievance-hub/<service>." },
    ce_type: { type: "string", description: "The event type with its version, e.g. grievance.received.v1." },
    ce_specversion: { type: "string", const: "1.0" },
    ce_time: { type: "string", format: "date-time", description: "When the event was produced." },
    ce_subject: { type: "string", format: "uuid", description: "The grievance the event is about (the case's first grievance)." },
    "content-type": { type: "string", const: "application/json" },
    ce_datacontenttype: { type: "string", const: "application/json", description: "Written by the CloudEvents SDK besides content-type." },
    traceparent: { type: "string", pattern: "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", description: "W3C trace context of the request that caused the event, when there was one." },
    ce_traceparent: { type: "string", pattern: "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", description: "The same trace context as the CloudEvents distributed-tracing extension." },
  },
};

/** The JSON Schema as an AsyncAPI Schema Object: the draft-2020-12 identifiers belong to the standalone files. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

function channelId(topic: TopicName): string {
  return (Object.keys(Topics) as (keyof typeof Topics)[]).find((k) => Topics[k] === topic)!;
}

function messageId(type: string, audience: Audience): string {
  return `${audience}.${type}`;
}

function asyncApiDocument(schemas: Map<EventTypeName, EventSchemas>, version: string): JsonSchema {
  const eventTopics = topicSpecs.filter((spec) => eventTypeNames.some((t) => topicOf(t, "internal") === spec.name || topicOf(t, "public") === spec.name));
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const componentSchemas: JsonSchema = { CloudEventsKafkaHeaders: cloudEventsKafkaHeaders };

  for (const spec of eventTopics) {
    const audience: Audience = spec.personalData ? "internal" : "public";
    const types = eventTypeNames.filter((t) => topicOf(t, audience) === spec.name);
    const producer = producerOfTopic(spec.name);
    const id = channelId(spec.name);
    for (const type of types) {
      const mid = messageId(type, audience);
      componentSchemas[mid] = embedded(schemas.get(type)![audience]);
      messages[mid] = {
        name: type,
        title: `${type} (${audience})`,
        summary: meaning[type],
        contentType: "application/json",
        headers: {
          allOf: [
            { $ref: "#/components/schemas/CloudEventsKafkaHeaders" },
            { type: "object", properties: { ce_type: { type: "string", const: type }, ce_source: { type: "string", const: `/grievance-hub/${producer}` } } },
          ],
        },
        payload: { $ref: `#/components/schemas/${mid}` },
        bindings: { kafka: { key: { type: "string", pattern: "^[0-9]{6}$", description: "The district of the grievance's division code (its first 6 digits): every event about a grievance is on one partition, in order, with the district's other grievances." }, bindingVersion: "0.5.0" } },
      };
    }
    channels[id] = {
      address: defaultTopicPrefix + spec.name,
      title: spec.name,
      description: spec.personalData
        ? `Internal topic of Grievance Hub's services, written by ${producer}. Carries personal data (names, phone numbers, addresses, free text): not for outside subscribers; use ${defaultTopicPrefix}${publicTopicOf[spec.name]} instead.`
        : `Public topic for any subscriber, written by ${producer} through the same outbox as its internal topic, so it is exactly as complete: every internal event has a counterpart here with the same ce_id. Free of personal data: no names, phone numbers, addresses, exact coordinates, tracking codes, staff ids or free text.`,
      messages: Object.fromEntries(types.map((t) => [t, { $ref: `#/components/messages/${messageId(t, audience)}` }])),
      bindings: { kafka: { topic: defaultTopicPrefix + spec.name, partitions: spec.partitions, topicConfiguration: { "retention.ms": spec.retentionMs, "cleanup.policy": ["delete"] }, bindingVersion: "0.5.0" } },
    };
    operations[`${producer}Sends${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: "send",
      channel: { $ref: `#/channels/${id}` },
      title: `${producer} publishes on ${spec.name}`,
      summary: `${producer} writes these events in the same transaction as its state change (transactional outbox); a relay publishes them at least once, in order per grievance.`,
      messages: types.map((t) => ({ $ref: `#/channels/${id}/messages/${t}` })),
    };
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title: "Grievance Hub events",
      version,
      description: [
        "Every fact Grievance Hub records, as CloudEvents 1.0 in Kafka binary mode: the ce_* headers carry the envelope, the message value is the event's data as JSON, validated against the JSON Schema of its type (packages/schema/contract/json-schema).",
        "",
        `Topic names carry a deployment prefix (KAFKA_TOPIC_PREFIX); the addresses here use the default, \`${defaultTopicPrefix}\`.`,
        "Internal topics carry personal data and are for Grievance Hub's services; each has a public counterpart with the same facts and no personal data, for outside subscribers.",
        "",
        "Compatibility: a type's schema only ever gains optional fields; anything else is a new type version (…v2), and the old version keeps being produced until it is deliberately retired. Ignore fields you do not know.",
      ].join("\n"),
    },
    defaultContentType: "application/json",
    servers: {
      local: {
        host: "127.0.0.1:9092",
        protocol: "kafka",
        description: `The single-node broker \`pnpm start\` runs (KAFKA_BROKERS). Topic names carry the deployment prefix KAFKA_TOPIC_PREFIX, \`${defaultTopicPrefix}\` by default.`,
      },
    },
    channels,
    operations,
    components: { schemas: componentSchemas, messages },
  };
}

function contractVersion(): string {
  const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export interface GeneratedContract {
  /** Files that must equal what is checked in, by path relative to the contract folder. */
  files: Map<string, string>;
  /** The snapshot of every type, written only for a type that has none yet. */
  snapshots: Map<string, PublishedSnapshot>;
  schemas: Map<string, EventSchemas>;
}

export function generateContract(): GeneratedContract {
  const schemas = new Map(eventTypeNames.map((t) => [t, eventSchemas(t)] as const));
  const files = new Map<string, string>();
  const snapshots = new Map<string, PublishedSnapshot>();
  for (const [type, s] of schemas) {
    files.set(schemaPath(type, "internal"), formatJson(s.internal));
    files.set(schemaPath(type, "public"), formatJson(s.public));
    snapshots.set(type, { type, internal: s.internal, public: s.public });
  }
  const doc = new YAML.Document(asyncApiDocument(schemas, contractVersion()), { aliasDuplicateObjects: false });
  files.set("asyncapi.yaml", doc.toString({ lineWidth: 0 }));
  return { files, snapshots, schemas };
}
