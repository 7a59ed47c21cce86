// Transactional outbox: `enqueueEvent` writes the encoded event in the caller's transaction;
// `OutboxRelay` publishes the rows to Kafka in id order, many in one request, and deletes them
// once Kafka has acknowledged them, so the table holds only what is not yet published. Only the
// replica holding the advisory lock publishes, so two replicas never publish the same rows.
import pg from "pg";
import type { Message } from "kafkajs";
import { PartialPublishError, type Publisher } from "./kafka";
import type { EventData, EventTypeName } from "@grievance-hub/schema";
import { encodeEventWithPublic } from "./envelope";
import { afterCommit, notifyCoalesced, type Pool, type PoolClient } from "./db";
import type { Logger } from "./logger";
import { currentTraceparent, endSpans, startPublishSpan } from "./trace-context";

export interface OutboxContext {
  schema: string;
  source: string;
  topicPrefix: string;
  /** Tells the relay of new rows once they are committed (the runtime's relay.announce). */
  announce?: () => void;
}

export interface EventOptions {
  id?: string;
  time?: Date;
  traceparent?: string;
  /** The Kafka message key when it is not the event's subject: `partitionKeyFor(divisionCode)`. */
  key?: string;
}

/** One event for `enqueueEvents`: its type, data and options. */
export type OutgoingEvent = { [T in EventTypeName]: { type: T; data: EventData<T>; opts?: EventOptions } }[EventTypeName];

/**
 * The outbox rows of these events (each internal event and its public counterpart) as a
 * `SELECT`-able set, for a statement of the caller's own: `INSERT INTO <schema>.outbox (columns)
 * SELECT * FROM <rows>`, the parameters numbered from `firstParam`. New columns go here only.
 */
export function outboxRows(ctx: OutboxContext, events: OutgoingEvent[], firstParam = 1): { columns: string; rows: string; params: unknown[]; eventIds: string[] } {
  const encoded = events.map((e) => encodeEventWithPublic(e.type, e.data, { source: ctx.source, topicPrefix: ctx.topicPrefix, ...e.opts }));
  const rows = encoded.flat();
  const p = (i: number) => `$${firstParam + i}`;
  // Trace context: the event's own (set when a batch applies many events), else the writer's
  // (a request, or the event being applied); the relay publishes each row in its trace.
  const current = currentTraceparent() ?? null;
  const traceparents = encoded.flatMap((pair, i) => pair.map(() => events[i]!.opts?.traceparent ?? current));
  return {
    columns: "event_id, topic, message_key, headers, payload, traceparent",
    rows: `unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::jsonb[], ${p(4)}::text[], ${p(5)}::text[])`,
    params: [rows.map((e) => e.eventId), rows.map((e) => e.topic), rows.map((e) => e.key), rows.map((e) => JSON.stringify(e.headers)), rows.map((e) => e.value), traceparents],
    eventIds: encoded.map(([internal]) => internal!.eventId),
  };
}

export async function enqueueEvent<T extends EventTypeName>(client: PoolClient, ctx: OutboxContext, type: T, data: EventData<T>, opts: EventOptions = {}): Promise<string> {
  const [eventId] = await enqueueEvents(client, ctx, [{ type, data, opts } as OutgoingEvent]);
  return eventId!;
}

/** Several events, in order, with one statement; their ids in the same order. */
export async function enqueueEvents(client: PoolClient, ctx: OutboxContext, events: OutgoingEvent[]): Promise<string[]> {
  // The public counterpart goes out through the same outbox, so it is exactly as complete.
  const { columns, rows, params, eventIds } = outboxRows(ctx, events);
  await client.query(`INSERT INTO ${ctx.schema}.outbox (${columns}) SELECT * FROM ${rows}`, params);
  await announceOutboxOnCommit(ctx, client);
  return eventIds;
}

/** Tells the relay of outbox rows a statement of the caller's own wrote in this transaction, once it commits (see `outboxRows`). */
export async function announceOutboxOnCommit(ctx: OutboxContext, client: PoolClient): Promise<void> {
  // The relay is told after the commit, not by a NOTIFY in this transaction: Postgres holds one
  // cluster-wide lock from a notifying transaction's commit until its WAL is flushed, so every
  // notifying writer would commit one after another, each waiting for its own flush.
  if (!(ctx.announce && afterCommit(client, ctx.announce))) await announceOutbox(ctx, client);
}

/** Tells the relay of outbox rows a statement of the caller's own has committed (see `outboxRows`). */
export async function announceOutbox(ctx: OutboxContext, db: Pool | PoolClient): Promise<void> {
  if (ctx.announce) ctx.announce();
  else await db.query(`SELECT pg_notify($1, '')`, [channelName(ctx.schema)]);
}

function channelName(schema: string): string {
  return `${schema}_outbox`;
}

/** A stable 64-bit advisory lock key per schema. */
function lockKey(schema: string): string {
  let h = 0n;
  for (const ch of `outbox-relay:${schema}`) h = (h * 31n + BigInt(ch.codePointAt(0)!)) & 0x7fffffffffffffffn;
  return h.toString();
}

export interface OutboxStatus {
  leader: boolean;
  unsent: number;
  oldestUnsentAgeMs: number;
  lastError?: string;
}

export class OutboxRelay {
  private listener: pg.Client | undefined;
  private leader = false;
  private stopped = true;
  private wake: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> | undefined;
  private lastError: string | undefined;
  published = 0;
  /** Told of every row once Kafka has it (the metrics count events by type). */
  onPublished: ((rows: { topic: string; type: string | undefined }[]) => void) | undefined;

  constructor(
    private readonly opts: {
      pool: Pool;
      databaseUrl: string;
      schema: string;
      producer: Publisher;
      logger: Logger;
      pollIntervalMs: number;
      batchSize?: number;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.closeListener();
  }

  /**
   * Outbox rows were committed. The leader drains at once; a replica that is not the leader
   * wakes the one that is with a NOTIFY, one per burst of commits. Should that be lost, the
   * leader's poll finds the rows.
   */
  announce(): void {
    if (this.leader) {
      this.pending = true;
      this.wake?.();
      return;
    }
    notifyCoalesced(this.opts.pool, channelName(this.opts.schema));
  }

  async status(): Promise<OutboxStatus> {
    const { rows } = await this.opts.pool.query<{ unsent: string; oldest: Date | null }>(
      `SELECT count(*) AS unsent, min(created_at) AS oldest FROM ${this.opts.schema}.outbox`,
    );
    const row = rows[0]!;
    return {
      leader: this.leader,
      unsent: Number(row.unsent),
      oldestUnsentAgeMs: row.oldest ? Math.max(0, Date.now() - row.oldest.getTime()) : 0,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        // Reset before anything that may fail, and by a replica that is not the leader too: one
        // that kept it set would try to lead again at once, for ever (a round trip of
        // pg_try_advisory_lock after another, or a connection attempt while Postgres is away).
        this.pending = false;
        if (!this.leader) await this.tryLead();
        if (this.leader) {
          await this.drain();
          this.lastError = undefined;
        }
      } catch (err) {
        this.lastError = (err as Error).message;
        this.opts.logger.warn({ err: { message: this.lastError } }, "outbox relay: publish failed, rows stay for the next attempt");
      }
      if (!this.pending) await this.sleep(this.opts.pollIntervalMs);
    }
  }

  private async tryLead(): Promise<void> {
    if (!this.listener) {
      const client = new pg.Client({ connectionString: this.opts.databaseUrl, connectionTimeoutMillis: 3000 });
      client.on("error", () => this.dropListener(client));
      client.on("end", () => this.dropListener(client));
      // The NOTIFY is for the leader; a replica that is not waits for its poll to try to lead again.
      client.on("notification", () => {
        if (!this.leader) return;
        this.pending = true;
        this.wake?.();
      });
      await client.connect();
      this.listener = client;
      await client.query(`LISTEN "${channelName(this.opts.schema)}"`);
    }
    const { rows } = await this.listener.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS locked", [lockKey(this.opts.schema)]);
    this.leader = rows[0]!.locked;
  }

  private dropListener(client: pg.Client): void {
    if (this.listener !== client) return;
    // Losing the session loses the advisory lock: stop publishing until it is taken again.
    this.listener = undefined;
    this.leader = false;
    client.end().catch(() => undefined);
  }

  private async closeListener(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    this.leader = false;
    await client?.end().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 2000;
    for (;;) {
      if (this.stopped || !this.leader) return;
      const { rows } = await this.opts.pool.query<{ id: string; event_id: string; topic: string; message_key: string; headers: Record<string, string>; payload: string; traceparent: string | null }>({
        name: `outbox-relay-next-${this.opts.schema}`,
        text: `SELECT id, event_id, topic, message_key, headers, payload, traceparent FROM ${this.opts.schema}.outbox ORDER BY id LIMIT $1`,
        values: [batchSize],
      });
      if (rows.length === 0) return;
      const byTopic = new Map<string, Message[]>();
      const rowOf = new Map<Message, (typeof rows)[number]>();
      const spans: ReturnType<typeof startPublishSpan>[] = [];
      for (const r of rows) {
        const list = byTopic.get(r.topic) ?? [];
        spans.push(startPublishSpan({ topic: r.topic, eventId: r.event_id, traceparent: r.traceparent }, r.headers));
        const message: Message = { key: r.message_key, value: r.payload, headers: r.headers };
        rowOf.set(message, r);
        list.push(message);
        byTopic.set(r.topic, list);
      }
      // One send for the whole batch, in id order within each partition (the producer is
      // idempotent, so a retry neither reorders nor doubles). Only acknowledged rows are deleted:
      // a crash between the two publishes them again with the same event ids (at least once).
      // A send that fails after some partitions were acknowledged names them: those rows go now,
      // or the next attempt would write them a second time.
      try {
        await this.opts.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        endSpans(spans);
      } catch (err) {
        endSpans(spans, err);
        if (err instanceof PartialPublishError && err.acknowledged.size > 0) {
          await this.deletePublished([...err.acknowledged].flatMap((m) => rowOf.get(m) ?? []));
        }
        throw err;
      }
      await this.deletePublished(rows);
      if (rows.length < batchSize) return;
    }
  }

  /** Deletes rows Kafka has acknowledged. */
  private async deletePublished(rows: { id: string; topic: string; headers: Record<string, string> }[]): Promise<void> {
    await this.opts.pool.query({
      name: `outbox-relay-done-${this.opts.schema}`,
      text: `DELETE FROM ${this.opts.schema}.outbox WHERE id = ANY($1::bigint[])`,
      values: [rows.map((r) => r.id)],
    });
    this.published += rows.length;
    this.onPublished?.(rows.map((r) => ({ topic: r.topic, type: r.headers["ce_type"] })));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
