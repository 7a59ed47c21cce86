// Transactional outbox: `enqueueEvent` writes the encoded event in the caller's transaction;
// `OutboxRelay` publishes unsent rows to Kafka in id order and marks them sent. Only the
// replica holding the advisory lock publishes, so two replicas never publish the same rows.
import pg from "pg";
import type { Publisher } from "./kafka";
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
  /** The Kafka key: partitionKeyFor(the case's division) for events about a case. */
  key?: string;
}

/** One event for `enqueueEvents`: its type, data and options. */
export type OutgoingEvent = { [T in EventTypeName]: { type: T; data: EventData<T>; opts?: EventOptions } }[EventTypeName];

export async function enqueueEvent<T extends EventTypeName>(client: PoolClient, ctx: OutboxContext, type: T, data: EventData<T>, opts: EventOptions = {}): Promise<string> {
  const [eventId] = await enqueueEvents(client, ctx, [{ type, data, opts } as OutgoingEvent]);
  return eventId!;
}

/** Several events, in order, with one statement; their ids in the same order. */
export async function enqueueEvents(client: PoolClient, ctx: OutboxContext, events: OutgoingEvent[]): Promise<string[]> {
  // The public counterpart goes out through the same outbox, so it is exactly as complete.
  const encoded = events.map((e) => encodeEventWithPublic(e.type, e.data, { source: ctx.source, topicPrefix: ctx.topicPrefix, ...e.opts }));
  const rows = encoded.flat();
  // Trace context: the writer's (a request, or the event being applied), published by the relay.
  const traceparent = currentTraceparent() ?? null;
  await client.query(
    `INSERT INTO ${ctx.schema}.outbox (event_id, topic, message_key, headers, payload, traceparent)
     SELECT *, $6::text FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[])`,
    [rows.map((e) => e.eventId), rows.map((e) => e.topic), rows.map((e) => e.key), rows.map((e) => JSON.stringify(e.headers)), rows.map((e) => e.value), traceparent],
  );
  // The relay is told after the commit, not by a NOTIFY in this transaction: Postgres holds one
  // cluster-wide lock from a notifying transaction's commit until its WAL is flushed, so every
  // notifying writer would commit one after another, each waiting for its own flush.
  if (!(ctx.announce && afterCommit(client, ctx.announce))) await client.query(`SELECT pg_notify($1, '')`, [channelName(ctx.schema)]);
  return encoded.map(([internal]) => internal!.eventId);
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
      `SELECT count(*) AS unsent, min(created_at) AS oldest FROM ${this.opts.schema}.outbox WHERE sent_at IS NULL`,
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
        if (!this.leader) await this.tryLead();
        if (this.leader) {
          this.pending = false;
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
      client.on("notification", () => {
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
    const batchSize = this.opts.batchSize ?? 500;
    for (;;) {
      if (this.stopped || !this.leader) return;
      const { rows } = await this.opts.pool.query<{ id: string; event_id: string; topic: string; message_key: string; headers: Record<string, string>; payload: string; traceparent: string | null }>(
        `SELECT id, event_id, topic, message_key, headers, payload, traceparent FROM ${this.opts.schema}.outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1`,
        [batchSize],
      );
      if (rows.length === 0) return;
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      const spans: ReturnType<typeof startPublishSpan>[] = [];
      for (const r of rows) {
        const list = byTopic.get(r.topic) ?? [];
        spans.push(startPublishSpan({ topic: r.topic, eventId: r.event_id, traceparent: r.traceparent }, r.headers));
        list.push({ key: r.message_key, value: r.payload, headers: r.headers });
        byTopic.set(r.topic, list);
      }
      await this.opts.producer
        .sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        })
        .then(
          () => endSpans(spans),
          (err: unknown) => {
            endSpans(spans, err);
            throw err;
          },
        );
      await this.opts.pool.query(`UPDATE ${this.opts.schema}.outbox SET sent_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      this.published += rows.length;
      this.onPublished?.(rows.map((r) => ({ topic: r.topic, type: r.headers["ce_type"] })));
      if (rows.length < batchSize) return;
    }
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
