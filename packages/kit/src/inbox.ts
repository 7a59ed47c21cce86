// Idempotent consumer: each event is applied in one transaction together with its inbox
// row, so a redelivered event changes nothing. A message that can never be applied
// (not a CloudEvent, unknown type, data failing the schema) goes to the service's
// dead-letter topic with the reason, and the partition moves on.
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Publisher } from "./kafka";
import type { EventTypeName } from "@grievance-hub/schema";
import { decodeEvent, PoisonMessageError, type DecodedEvent } from "./envelope";
import { withTransaction, type Pool, type PoolClient } from "./db";
import { safeErrorMessage, type Logger } from "./logger";
import { withConsumerSpan } from "./trace-context";
import { eventTypeLabel, type ConsumerSubscription, type ServiceMetrics } from "./metrics";

export interface MessagePosition {
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandler = (client: PoolClient, event: DecodedEvent, position: MessagePosition) => Promise<void>;

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  pool: Pool;
  schema: string;
  producer: Publisher;
  deadLetterTopic: string;
  logger: Logger;
  /** Handlers by event type; events of other types on the topics are recorded and skipped. */
  handlers: Partial<Record<EventTypeName, EventHandler>>;
  fromBeginning?: boolean;
  /**
   * The most messages of one partition applied in one transaction (default 100). 1 for
   * handlers that update rows shared across partitions, which a longer transaction would hold
   * locked against the other partitions (or lock in another order, and deadlock).
   */
  maxMessagesPerTransaction?: number;
}

/** Applies one message: true if it changed state, false if it had been applied before or is not ours. */
export async function applyMessage(opts: Pick<EventConsumerOptions, "pool" | "schema" | "handlers"> & { groupId?: string }, event: DecodedEvent, position: MessagePosition): Promise<boolean> {
  return withTransaction(opts.pool, async (client) => {
    const inserted = await client.query(
      `INSERT INTO ${opts.schema}.inbox (event_id, event_type, topic, kafka_partition, kafka_offset) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING`,
      [event.id, event.type, position.topic, position.partition, position.offset],
    );
    if (inserted.rowCount === 0) return false;
    const handler = opts.handlers[event.type];
    if (!handler) return false;
    await withConsumerSpan(event, position, opts.groupId, () => handler(client, event, position));
    return true;
  });
}

/**
 * Applies messages of one partition in order, all in one transaction: one inbox insert for
 * all of them, then each new one's handler. Every event still has its inbox row, so a
 * redelivered one (or the same one twice in the batch) changes nothing; if any fails, none is applied.
 */
export async function applyMessages(opts: Pick<EventConsumerOptions, "pool" | "schema" | "handlers"> & { groupId?: string }, messages: { event: DecodedEvent; position: MessagePosition }[]): Promise<EventTypeName[]> {
  return withTransaction(opts.pool, async (client) => {
    const { rows } = await client.query<{ event_id: string }>(
      `INSERT INTO ${opts.schema}.inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[]) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [
        messages.map((m) => m.event.id),
        messages.map((m) => m.event.type),
        messages.map((m) => m.position.topic),
        messages.map((m) => m.position.partition),
        messages.map((m) => m.position.offset),
      ],
    );
    const fresh = new Set(rows.map((r) => r.event_id));
    const applied: EventTypeName[] = [];
    for (const { event, position } of messages) {
      if (!fresh.delete(event.id)) continue;
      const handler = opts.handlers[event.type];
      if (handler) await withConsumerSpan(event, position, opts.groupId, () => handler(client, event, position));
      if (handler) applied.push(event.type);
    }
    return applied;
  });
}

export class EventConsumer {
  private consumer: Consumer | undefined;
  /** Counts applied and dead-lettered events (set by the service's start). */
  metrics: ServiceMetrics | undefined;

  constructor(private readonly opts: EventConsumerOptions) {}

  get subscription(): ConsumerSubscription {
    return { groupId: this.opts.groupId, topics: this.opts.topics };
  }

  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDelayMs = 500;

  async start(): Promise<void> {
    this.stopped = false;
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async run(): Promise<void> {
    const consumer = this.opts.kafka.consumer({
      groupId: this.opts.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 15_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    // kafkajs gives up on errors it deems non-retriable (a coordinator lost while the broker
    // restarts, say); a consumer that stops for good would leave events unapplied, so start anew.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.opts.logger.warn({ groupId: this.opts.groupId, error: payload.error.message }, "consumer stopped by kafkajs; starting it again");
      this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: this.opts.topics, fromBeginning: this.opts.fromBeginning ?? true });
    await consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatchAutoResolve: false,
      // What has piled up on a partition is applied in one transaction (one commit, one WAL
      // flush) instead of one each; a consumer that keeps up sees batches of one or two.
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const size = this.opts.maxMessagesPerTransaction ?? 100;
        for (let i = 0; i < batch.messages.length; i += size) {
          if (!isRunning() || isStale()) return;
          const chunk = batch.messages.slice(i, i + size);
          await this.handleChunk(batch.topic, batch.partition, chunk, resolveOffset);
          await heartbeat();
        }
      },
    });
    this.restartDelayMs = 500;
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      void this.consumer?.disconnect().catch(() => undefined);
      this.run().catch((err: Error) => {
        this.opts.logger.warn({ groupId: this.opts.groupId, error: err.message }, "consumer could not start; trying again");
        this.restartDelayMs = Math.min(this.restartDelayMs * 2, 10_000);
        this.scheduleRestart();
      });
    }, this.restartDelayMs);
  }

  /**
   * Messages of one partition together; should any of them not decode or apply (a poison
   * message, a refused value, the database away), they are applied one by one as before, so
   * that one goes to the dead-letter topic alone, or the retry starts at the first unapplied.
   */
  private async handleChunk(topic: string, partition: number, messages: KafkaMessage[], resolveOffset: (offset: string) => void): Promise<void> {
    const oneByOne = async () => {
      for (const message of messages) {
        await this.handle({ topic, partition, offset: message.offset }, message);
        resolveOffset(message.offset);
      }
    };
    if (messages.length === 1) return oneByOne();
    let applied: EventTypeName[];
    try {
      applied = await applyMessages(this.opts, messages.map((message) => ({ event: decodeEvent(message), position: { topic, partition, offset: message.offset } })));
    } catch {
      return oneByOne();
    }
    for (const type of applied) this.metrics?.eventsApplied.inc({ group: this.opts.groupId, type });
    resolveOffset(messages[messages.length - 1]!.offset);
  }

  private async handle(position: MessagePosition, message: KafkaMessage): Promise<void> {
    let event: DecodedEvent;
    try {
      event = decodeEvent(message);
    } catch (err) {
      if (err instanceof PoisonMessageError) return this.deadLetter(position, message, err.message);
      throw err;
    }
    try {
      if (await applyMessage(this.opts, event, position)) this.metrics?.eventsApplied.inc({ group: this.opts.groupId, type: event.type });
    } catch (err) {
      if (err instanceof PoisonMessageError) return this.deadLetter(position, message, err.message);
      const refused = refusedData(err);
      if (refused) return this.deadLetter(position, message, refused);
      // Operational failure (database down): throwing makes kafkajs retry the message with backoff.
      this.opts.logger.warn({ err: { message: safeErrorMessage(err) }, eventId: event.id, type: event.type }, "could not apply event, will retry");
      throw err;
    }
  }

  private async deadLetter(position: MessagePosition, message: KafkaMessage, reason: string): Promise<void> {
    this.opts.logger.error({ ...position, reason }, "poison message sent to the dead-letter topic");
    const headers: Record<string, string | Buffer> = {};
    for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v[0]! : v;
    await this.opts.producer.send({
      topic: this.opts.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...headers,
            "dlq-reason": reason,
            "dlq-topic": position.topic,
            "dlq-partition": String(position.partition),
            "dlq-offset": position.offset,
            "dlq-group": this.opts.groupId,
          },
        },
      ],
    });
    this.metrics?.eventsDeadLettered.inc({ group: this.opts.groupId, type: eventTypeLabel(message.headers?.["ce_type"]) });
  }
}

/**
 * The database refusing the data itself (SQLSTATE class 22: a NUL character, a value out of
 * range) refuses it again on every retry: the message is poison, not the database down.
 */
function refusedData(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code) ? `cannot be stored: ${safeErrorMessage(err)} (SQLSTATE ${code})` : undefined;
}
