// CloudEvents 1.0 in Kafka binary mode, through the cloudevents SDK, with the data
// validated against the contract on the way out and on the way in.
import { randomUUID } from "node:crypto";
import { CloudEvent, Kafka as CloudEventsKafka } from "cloudevents";
import { eventTypes, isEventTypeName, publicTopicOf, toPublicData, type EventData, type EventTypeName } from "@grievance-hub/schema";

export interface EncodedEvent {
  eventId: string;
  topic: string;
  key: string;
  subject: string;
  headers: Record<string, string>;
  value: string;
}

export interface DecodedEvent<T extends EventTypeName = EventTypeName> {
  id: string;
  type: T;
  source: string;
  subject: string;
  time: string;
  traceparent?: string;
  data: EventData<T>;
  /** For a grievance.received.v2 opened as v1 (`openReceived`): the sealed data it was opened from, so a consumer can keep a sealed value as it came. */
  sealed?: unknown;
  /** The message as it came off Kafka (headers as strings): what a dead letter carries, without encoding the event again. */
  wire?: { key: string | null; headers: Record<string, string>; value: string };
}

/** A message that cannot be applied: it goes to the dead-letter topic with this reason. */
export class PoisonMessageError extends Error {
  override name = "PoisonMessageError";
}

export interface EncodeOptions {
  source: string;
  topicPrefix: string;
  id?: string;
  time?: Date;
  traceparent?: string;
  /** The Kafka key (see partitionKeyFor); by default the event type's keyOf, else the subject. */
  key?: string;
}

/** The internal event and, when its topic has one, its public counterpart (same id, no personal data). */
export function encodeEventWithPublic<T extends EventTypeName>(type: T, data: EventData<T>, opts: EncodeOptions): EncodedEvent[] {
  const time = opts.time ?? new Date();
  const internal = encodeEvent(type, data, { ...opts, time });
  const publicTopic = publicTopicOf[eventTypes[type].topic];
  if (!publicTopic) return [internal];
  const publicEvent = toCloudEventMessage(type, toPublicData(type, data), internal.subject, internal.key, opts.topicPrefix + publicTopic, { ...opts, id: internal.eventId, time });
  return [internal, publicEvent];
}

export function encodeEvent<T extends EventTypeName>(type: T, data: EventData<T>, opts: EncodeOptions): EncodedEvent {
  const def = eventTypes[type];
  const parsed = def.data.parse(data) as EventData<T>;
  const subject = (def.subjectOf as (d: EventData<T>) => string)(parsed);
  const keyOf = (def as { keyOf?: (d: EventData<T>) => string }).keyOf;
  return toCloudEventMessage(type, parsed, subject, opts.key ?? keyOf?.(parsed) ?? subject, opts.topicPrefix + def.topic, opts);
}

function toCloudEventMessage(type: string, data: unknown, subject: string, key: string, topic: string, opts: EncodeOptions): EncodedEvent {
  const id = opts.id ?? randomUUID();
  const ce = new CloudEvent<unknown>({
    id,
    type,
    source: opts.source,
    subject,
    time: (opts.time ?? new Date()).toISOString(),
    datacontenttype: "application/json",
    data,
    ...(opts.traceparent ? { traceparent: opts.traceparent } : {}),
  });
  const message = CloudEventsKafka.binary(ce);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) if (v !== undefined) headers[k] = String(v);
  if (opts.traceparent) headers["traceparent"] = opts.traceparent;
  return { eventId: id, topic, key, subject, headers, value: JSON.stringify(data) };
}

export function decodeEvent(message: { headers?: Record<string, unknown>; value: Buffer | string | null; key?: Buffer | string | null }): DecodedEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    if (v === undefined || v === null) continue;
    headers[k] = Buffer.isBuffer(v) ? v.toString("utf8") : Array.isArray(v) ? String(v[0]) : String(v);
  }
  if (message.value === null || message.value === undefined) throw new PoisonMessageError("message has no value");
  const value = Buffer.isBuffer(message.value) ? message.value.toString("utf8") : message.value;
  let ce: CloudEvent<unknown>;
  try {
    const kafkaMessage = { headers, value, key: message.key ?? "", body: value };
    ce = CloudEventsKafka.toEvent(kafkaMessage as Parameters<typeof CloudEventsKafka.toEvent>[0]) as CloudEvent<unknown>;
  } catch (err) {
    throw new PoisonMessageError(`not a CloudEvent: ${(err as Error).message}`);
  }
  if (!isEventTypeName(ce.type)) {
    // The type is named in the reason only when it looks like one: a header may hold anything.
    throw new PoisonMessageError(/^[a-z][a-z0-9_.]{0,100}\.v\d{1,4}$/.test(ce.type) ? `unknown event type ${ce.type}` : "unknown event type (not an event type name)");
  }
  let data: unknown = ce.data;
  if (typeof data === "string" || Buffer.isBuffer(data)) {
    try {
      data = JSON.parse(String(data));
    } catch {
      throw new PoisonMessageError("data is not valid JSON");
    }
  }
  const result = eventTypes[ce.type].data.safeParse(data);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join(".") || "(data)").join(", ");
    throw new PoisonMessageError(`data of ${ce.type} fails the schema at: ${fields}`);
  }
  return {
    id: ce.id,
    type: ce.type,
    source: ce.source,
    subject: ce.subject ?? "",
    time: ce.time ?? new Date().toISOString(),
    ...(headers["traceparent"] ? { traceparent: headers["traceparent"] } : {}),
    data: result.data as EventData<EventTypeName>,
    wire: { key: message.key === null || message.key === undefined ? null : String(message.key), headers, value },
  };
}
