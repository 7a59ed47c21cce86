// Idempotent consumer, a fetch at a time: the new events of the partitions' batches one fetch
// brought are applied in one transaction together with their inbox rows (one statement), so a
// redelivered event changes nothing. The service supplies, per event type, either a handler of
// one event or a batch handler that loads the state the whole batch needs, decides each event in
// order and saves all results with set-based statements. A message that can never be applied
// (not a CloudEvent, unknown type, data failing the schema or refused by the database) goes to
// the service's dead-letter topic with the reason, alone, and the partition moves on.
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import type { Publisher } from "./kafka";
import type { EventTypeName } from "@grievance-hub/schema";
import { decodeEvent, PoisonMessageError, type DecodedEvent } from "./envelope";
import { withTransaction, type Pool, type PoolClient } from "./db";
import { safeErrorMessage, type Logger } from "./logger";
import { startConsumerSpan, withTraceContext } from "./trace-context";
import { eventTypeLabel, type ConsumerSubscription, type ServiceMetrics } from "./metrics";

export interface MessagePosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface BatchMessage<P = unknown> {
  event: DecodedEvent;
  position: MessagePosition;
  /** The consumer span's trace context while a batch handler applies it: what it writes carries this. */
  traceparent?: string;
  /** What the handler's `prepare` made of the event before the transaction opened. */
  prepared?: P;
}

export type EventHandler = (client: PoolClient, event: DecodedEvent, position: MessagePosition) => Promise<void>;

/**
 * New events, never seen before (nor twice in the list), each partition's in order (a list may
 * hold several partitions' events, one partition's after another's): load the state for all of
 * them, decide each in order, save all. Runs in the consumer's transaction.
 */
export type BatchHandler = (client: PoolClient, messages: BatchMessage[]) => Promise<void>;

/**
 * A batch handler with a pure step per event (classifying, rendering) that runs before the
 * transaction opens (it may be async: opening sealed fields), so the transaction only reads and
 * writes and holds its locks and its connection for no longer. `apply` finds each event's result in `prepared`.
 */
export interface PreparingBatchHandler<P> {
  prepare: (event: DecodedEvent) => P | Promise<P>;
  apply: (client: PoolClient, messages: (BatchMessage<P> & { prepared: P })[]) => Promise<void>;
}

/** Builds a preparing batch handler with its types tied together. */
export function preparingBatchHandler<P>(handler: PreparingBatchHandler<P>): PreparingBatchHandler<P> {
  return handler;
}

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  pool: Pool;
  schema: string;
  producer: Publisher;
  deadLetterTopic: string;
  logger: Logger;
  /** Handlers of one event by event type; events of types without a handler are recorded and skipped. */
  handlers?: Partial<Record<EventTypeName, EventHandler>>;
  /** Batch handlers by event type: consecutive events whose types share one are handed to it together. */
  batchHandlers?: Partial<Record<EventTypeName, BatchHandler | PreparingBatchHandler<any>>>;
  fromBeginning?: boolean;
  /**
   * A key whose events are applied by one transaction at a time (an advisory lock, taken with
   * the inbox rows and held until the commit): what must be decided in order, should it ever
   * sit on two partitions at once (partitions added, a key moved).
   */
  lockKeyOf?: (event: DecodedEvent) => string;
  /** The most messages applied in one transaction (default 200). */
  maxMessagesPerTransaction?: number;
  /** A fetch waits at the broker for this many bytes (default 1: answers with the first event)... */
  fetchMinBytes?: number;
  /** ...or this long (default 100 ms). The services pass KAFKA_FETCH_MIN_BYTES and KAFKA_FETCH_MAX_WAIT_MS. */
  fetchMaxWaitMs?: number;
}

/** Partitions' batches applied at once, each group in a transaction of its own. */
const transactionsAtOnce = 3;

/** A partition's chunk waiting to be applied with the other partitions' of the same fetch. */
interface Part {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  resolveOffset: (offset: string) => void;
  done: (err?: unknown) => void;
}

type Handlers = Pick<EventConsumerOptions, "pool" | "schema" | "handlers" | "batchHandlers" | "lockKeyOf"> & { groupId?: string };

const oneAtATime = new WeakMap<EventHandler, BatchHandler>();
function batchHandlerOf(opts: Handlers, type: EventTypeName): BatchHandler | undefined {
  const batch = opts.batchHandlers?.[type];
  if (typeof batch === "function") return batch;
  if (batch) return batch.apply as BatchHandler;
  const single = opts.handlers?.[type];
  if (!single) return undefined;
  let adapted = oneAtATime.get(single);
  if (!adapted) {
    adapted = async (client, messages) => {
      for (const { event, position, traceparent } of messages) await withTraceContext(traceparent, () => single(client, event, position));
    };
    oneAtATime.set(single, adapted);
  }
  return adapted;
}

/**
 * Applies messages (each partition's in order), all in one transaction: one inbox insert for
 * all of them, then the new ones through their handlers, consecutive events of one batch
 * handler in one call. Every event has its inbox row, so a redelivered one (or the same one
 * twice in the list) changes nothing; if any fails, none is applied.
 */
export async function applyMessages(opts: Handlers, messages: BatchMessage[]): Promise<EventTypeName[]> {
  // All at once: what each waits for (a person's data key) is then read for the batch in one statement.
  await Promise.all(
    messages.map(async (m) => {
      const handler = opts.batchHandlers?.[m.event.type];
      if (handler && typeof handler !== "function" && m.prepared === undefined) m.prepared = await handler.prepare(m.event);
    }),
  );
  return withTransaction(opts.pool, async (client) => {
    // The locks in sorted order (two transactions never wait for each other in a circle), all
    // taken before the statement inserts a row, so the reads that follow see what a holder committed.
    const { rows } = await client.query<{ event_id: string }>(
      `INSERT INTO ${opts.schema}.inbox (event_id, event_type, topic, kafka_partition, kafka_offset)
       SELECT m.* FROM (SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM (SELECT DISTINCT k FROM unnest($6::text[]) AS k ORDER BY k) AS keys) AS locked,
         unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[]) AS m
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [
        messages.map((m) => m.event.id),
        messages.map((m) => m.event.type),
        messages.map((m) => m.position.topic),
        messages.map((m) => m.position.partition),
        messages.map((m) => m.position.offset),
        opts.lockKeyOf ? messages.map((m) => opts.lockKeyOf!(m.event)) : [],
      ],
    );
    const fresh = new Set(rows.map((r) => r.event_id));
    const applied: EventTypeName[] = [];
    let run: { handler: BatchHandler; messages: BatchMessage[] } | undefined;
    const apply = async (r: { handler: BatchHandler; messages: BatchMessage[] }) => {
      // One consumer span per event, a child of its publisher's: the batch handler writes each
      // event's consequences with that event's trace context.
      const spans = r.messages.map((m) => startConsumerSpan(m.event, m.position, opts.groupId));
      const traced = r.messages.map((m, i) => (spans[i] ? { ...m, traceparent: spans[i].traceparent } : m));
      try {
        await r.handler(client, traced);
      } catch (err) {
        for (const span of spans) span?.end(err);
        throw err;
      }
      for (const span of spans) span?.end();
      for (const m of r.messages) applied.push(m.event.type);
    };
    for (const message of messages) {
      if (!fresh.delete(message.event.id)) continue;
      const handler = batchHandlerOf(opts, message.event.type);
      if (!handler) continue;
      if (run?.handler === handler) {
        run.messages.push(message);
        continue;
      }
      if (run) await apply(run);
      run = { handler, messages: [message] };
    }
    if (run) await apply(run);
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
      maxWaitTimeInMs: this.opts.fetchMaxWaitMs ?? 100,
      minBytes: this.opts.fetchMinBytes ?? 1,
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
      // Every partition of a fetch handed over at once, so their batches can share a transaction.
      partitionsConsumedConcurrently: 64,
      eachBatchAutoResolve: false,
      // What has piled up on a partition is applied in one transaction (one commit, one WAL
      // flush) instead of one each, and what came on several partitions in one fetch too: a
      // consumer that keeps up sees a few events on each of several partitions.
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const size = this.opts.maxMessagesPerTransaction ?? 200;
        for (let i = 0; i < batch.messages.length; i += size) {
          if (!isRunning() || isStale()) return;
          const chunk = batch.messages.slice(i, i + size);
          await this.together(batch.topic, batch.partition, chunk, resolveOffset);
          await heartbeat();
        }
      },
    });
    this.restartDelayMs = 500;
  }

  /** Parts handed over in this tick, applied together once it ends (or once they are enough for a transaction). */
  private gathering: { parts: Part[]; messages: number } | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /**
   * `messages` of one partition, applied in one transaction with the other partitions' chunks
   * handed over in the same tick (kafkajs hands a fetch's batches over together), up to
   * `maxMessagesPerTransaction` in all; at most `transactionsAtOnce` such transactions at a time.
   * Resolves once they are applied (their offsets resolved), or dead-lettered.
   */
  private together(topic: string, partition: number, messages: KafkaMessage[], resolveOffset: (offset: string) => void): Promise<void> {
    const size = this.opts.maxMessagesPerTransaction ?? 200;
    return new Promise<void>((resolve, reject) => {
      let group = this.gathering;
      if (group && group.messages + messages.length > size) {
        // Enough for one transaction: that group goes now, this part starts the next.
        this.gathering = undefined;
        void this.applyParts(group.parts);
        group = undefined;
      }
      if (!group) {
        const fresh = { parts: [] as Part[], messages: 0 };
        this.gathering = group = fresh;
        setImmediate(() => {
          if (this.gathering !== fresh) return;
          this.gathering = undefined;
          void this.applyParts(fresh.parts);
        });
      }
      group.parts.push({ topic, partition, messages, resolveOffset, done: (err) => (err === undefined ? resolve() : reject(err)) });
      group.messages += messages.length;
    });
  }

  private async applyParts(parts: Part[]): Promise<void> {
    // A slot among the transactions at once: taken now, or handed over by one that ends.
    if (this.running < transactionsAtOnce) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      if (parts.length > 1 && (await this.applyAll(parts))) {
        for (const part of parts) {
          part.resolveOffset(part.messages[part.messages.length - 1]!.offset);
          part.done();
        }
        return;
      }
      // One partition, or the parts together failed (a poison message, the database away): each
      // on its own, where a poison message is found by halving and dead-lettered alone.
      for (const part of parts) {
        try {
          await this.handleChunk(part.topic, part.partition, part.messages, part.resolveOffset);
          part.done();
        } catch (err) {
          part.done(err);
        }
      }
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
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
   * Messages of one partition together. Should any of them not decode or apply (a poison
   * message, a refused value, the database away), the batch is split in halves and each half
   * tried again, down to single messages: the poison one goes to the dead-letter topic alone
   * while the rest apply in a few transactions, and a retry starts at the first unapplied.
   */
  private async handleChunk(topic: string, partition: number, messages: KafkaMessage[], resolveOffset: (offset: string) => void): Promise<void> {
    const only = messages.length === 1 ? messages[0] : undefined;
    if (only) {
      await this.handle({ topic, partition, offset: only.offset }, only);
      resolveOffset(only.offset);
      return;
    }
    if (await this.applyAll([{ topic, partition, messages }])) {
      resolveOffset(messages[messages.length - 1]!.offset);
      return;
    }
    const half = Math.ceil(messages.length / 2);
    await this.handleChunk(topic, partition, messages.slice(0, half), resolveOffset);
    await this.handleChunk(topic, partition, messages.slice(half), resolveOffset);
  }

  /** Every message of `parts` decoded and applied in one transaction, counted; false (nothing applied) when that failed. */
  private async applyAll(parts: Pick<Part, "topic" | "partition" | "messages">[]): Promise<boolean> {
    let applied: EventTypeName[];
    try {
      const messages = parts.flatMap((part) => part.messages.map((message) => ({ event: decodeEvent(message), position: { topic: part.topic, partition: part.partition, offset: message.offset } })));
      applied = await applyMessages(this.opts, messages);
    } catch {
      return false;
    }
    for (const type of applied) this.metrics?.eventsApplied.inc({ group: this.opts.groupId, type });
    return true;
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
      const applied = await applyMessages(this.opts, [{ event, position }]);
      for (const type of applied) this.metrics?.eventsApplied.inc({ group: this.opts.groupId, type });
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
    // dlqReason, not reason: the logger censors free-text reasons, and this one names only fields and codes.
    this.opts.logger.error({ ...position, dlqReason: reason }, "poison message sent to the dead-letter topic");
    this.metrics?.eventsDeadLettered.inc({ group: this.opts.groupId, type: eventTypeLabel(message.headers?.["ce_type"]) });
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
