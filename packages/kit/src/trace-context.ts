// W3C trace context across the outbox and Kafka, through the OpenTelemetry API: the writer's
// context is stored with each outbox row, the relay publishes the row in a producer span that
// continues it and sends that span's `traceparent`, and a consumer applies each event in a
// consumer span that is its child. Without a registered SDK the API is a no-op: nothing is
// stored, no span is made.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import { safeErrorMessage } from "./logger";

const tracer = () => trace.getTracer("@grievance-hub/kit");

/** The active context as a `traceparent` value, for an outbox row; undefined when nothing is traced. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier["traceparent"];
}

function contextOf(traceparent: string): Context {
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/**
 * The producer span of one outbox row, a child of the context it was written in; `headers`
 * gets the span's own `traceparent` (and the CloudEvents distributed-tracing extension), so
 * a consumer continues from the publish. Rows written untraced are sent as they are.
 */
export function startPublishSpan(row: { topic: string; eventId?: string; traceparent: string | null }, headers: Record<string, string>): Span | undefined {
  if (!row.traceparent) return undefined;
  const span = tracer().startSpan(
    `publish ${row.topic}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "publish",
        "messaging.destination.name": row.topic,
        ...(row.eventId ? { "messaging.message.id": row.eventId } : {}),
        ...(headers["ce_type"] ? { "cloudevents.event_type": headers["ce_type"] } : {}),
      },
    },
    contextOf(row.traceparent),
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  if (carrier["traceparent"]) {
    headers["traceparent"] = carrier["traceparent"];
    headers["ce_traceparent"] = carrier["traceparent"];
  }
  return span;
}

/** Ends producer spans once their batch is on the broker (or failed to get there). */
export function endSpans(spans: (Span | undefined)[], err?: unknown): void {
  for (const span of spans) {
    if (!span) continue;
    if (err) span.setStatus({ code: SpanStatusCode.ERROR, message: safeErrorMessage(err) });
    span.end();
  }
}

/**
 * The consumer span of one consumed event, a child of the span that published it. The inbox
 * applies events in batches, so the span is not made active: its `traceparent` goes with what
 * the handler writes for that event (its own outbox rows); `end` once the batch is applied.
 */
export function startConsumerSpan(event: { id: string; type: string; traceparent?: string | undefined }, position: { topic: string; partition: number; offset: string }, groupId: string | undefined): { traceparent: string | undefined; end(err?: unknown): void } | undefined {
  const span = consumerSpan(event, position, groupId);
  if (!span) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return { traceparent: carrier["traceparent"], end: (err?: unknown) => endSpans([span], err) };
}

/** Runs `work` with `traceparent` as the active context (no span of its own). */
export async function withTraceContext<T>(traceparent: string | undefined, work: () => Promise<T>): Promise<T> {
  return traceparent ? context.with(contextOf(traceparent), work) : work();
}

function consumerSpan(event: { id: string; type: string; traceparent?: string | undefined }, position: { topic: string; partition: number; offset: string }, groupId: string | undefined): Span | undefined {
  if (!event.traceparent) return undefined;
  const span = tracer().startSpan(
    `process ${position.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": position.topic,
        "messaging.destination.partition.id": String(position.partition),
        "messaging.kafka.offset": Number(position.offset),
        "messaging.message.id": event.id,
        "cloudevents.event_type": event.type,
        ...(groupId ? { "messaging.consumer.group.name": groupId } : {}),
      },
    },
    contextOf(event.traceparent),
  );
  return span;
}

/** Runs `work` in an internal span continuing `traceparent` (deferred work done for an event, e.g. a delivery). */
export async function withSpanFrom<T>(name: string, traceparent: string | null | undefined, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> {
  if (!traceparent) return work();
  const span = tracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes }, contextOf(traceparent));
  return runInSpan(span, work);
}

async function runInSpan<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(context.active(), span), work);
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: safeErrorMessage(err) });
    throw err;
  } finally {
    span.end();
  }
}
