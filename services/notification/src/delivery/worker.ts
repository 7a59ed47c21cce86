// The delivery worker: claims due deliveries with FOR UPDATE SKIP LOCKED (two replicas never
// send the same row), sends each through its channel, records the attempt and the next step
// in the same transaction, and publishes dead letters. Woken by NOTIFY for new deliveries and
// by its interval for retries that fall due; all state is in Postgres, so a restart loses
// no retry. A crash between a send and its commit means that one message is sent again:
// receivers deduplicate on the delivery key. Up to MAX_PASSES passes run at once, and a pass
// claims no delivery whose recipient and channel another pass is still sending to: a receiver
// that answers slowly holds up its own queue, not the others'.
import { withSpanFrom, withTransaction, type Logger, type Pool, type PoolClient, type Publisher } from "@grievance-hub/kit";
import type { CircuitBreaker } from "../channels/circuit-breaker";
import type { DeliveryResult } from "../channels/delivery";
import { DELIVERIES_CHANNEL } from "../db/deliveries";
import { PgListener } from "../db/listener";
import type { DeliveryChannels, DeliveryRow, Resolution, Target } from "./channels";
import { afterAttempt, type NextStep, type RetryPolicy } from "./retry-policy";
import type { DeliveryMetrics } from "./metrics";

export interface DeliveryWorkerOptions {
  pool: Pool;
  databaseUrl: string;
  logger: Logger;
  channels: DeliveryChannels;
  breaker: CircuitBreaker;
  coolDownMs: number;
  policy: RetryPolicy;
  intervalMs: number;
  batchSize: number;
  producer: Publisher;
  deadLetterTopic: string;
  random?: () => number;
  metrics?: DeliveryMetrics;
}

/** Passes in flight at once, each with its transaction and connection. */
const MAX_PASSES = 4;

/** A complainant's message rendered on sending, once their language was known. */
type Rendered = NonNullable<Extract<Resolution, { kind: "send" }>["rendered"]>;

/** What became of a claimed delivery in a pass: attempted, skipped (not to be told), or paused by its circuit. */
type Outcome =
  | {
      kind: "attempt"; row: DeliveryRow; attempts: number; status: NextStep["status"]; retryInMs: number; destination: string | null; error: string | null;
      durationMs: number; outcome: "sent" | "permanent_error" | "transient_error"; providerId: string | null; rendered: Rendered | undefined;
    }
  | { kind: "skip"; row: DeliveryRow }
  | { kind: "pause"; row: DeliveryRow; until: Date };

/**
 * A pass's outcomes in one statement: the attempts, each delivery's next step (with the message
 * rendered for a complainant), and the source events nothing unfinished needs any more (kept for
 * a dead letter only).
 */
async function recordOutcomes(client: PoolClient, outcomes: Outcome[]): Promise<void> {
  const o = <T>(f: (x: Outcome) => T) => outcomes.map(f);
  const attempt = (x: Outcome) => (x.kind === "attempt" ? x : undefined);
  const finished = outcomes.filter((x) => x.kind === "skip" || (x.kind === "attempt" && x.status === "sent"));
  await client.query(
    `WITH o AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::double precision[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[],
         $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[])
         AS o (id, kind, attempts, status, retry_ms, destination, error, duration_ms, outcome, provider_id, paused_until, language, subject, body, html)),
     attempts AS (
       INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, outcome, error, provider_id)
       SELECT id, attempts, now(), duration_ms, outcome, error, provider_id FROM o WHERE kind = 'attempt'),
     next AS (
       UPDATE deliveries d SET
         attempts = CASE WHEN o.kind = 'attempt' THEN o.attempts ELSE d.attempts END,
         status = CASE o.kind WHEN 'attempt' THEN o.status WHEN 'skip' THEN 'skipped' ELSE d.status END,
         last_attempt_at = CASE WHEN o.kind = 'attempt' THEN now() ELSE d.last_attempt_at END,
         destination = CASE WHEN o.kind = 'attempt' THEN coalesce(o.destination, d.destination) ELSE d.destination END,
         last_error = CASE WHEN o.kind = 'attempt' THEN o.error ELSE d.last_error END,
         sent_at = CASE WHEN o.kind = 'attempt' THEN CASE WHEN o.status = 'sent' THEN now() END ELSE d.sent_at END,
         next_attempt_at = CASE o.kind
           WHEN 'attempt' THEN CASE WHEN o.status = 'pending' THEN now() + make_interval(secs => o.retry_ms / 1000) END
           WHEN 'skip' THEN NULL ELSE o.paused_until END,
         language = coalesce(o.language, d.language), subject = coalesce(o.subject, d.subject), body = coalesce(o.body, d.body), html = coalesce(o.html, d.html)
       FROM o WHERE d.id = o.id)
     DELETE FROM source_events s WHERE s.event_id = ANY($16::text[])
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = s.event_id AND d.status IN ('pending', 'dead_lettered') AND d.id <> ALL($17::bigint[]))`,
    [
      o((x) => x.row.id), o((x) => x.kind), o((x) => attempt(x)?.attempts ?? null), o((x) => attempt(x)?.status ?? null), o((x) => attempt(x)?.retryInMs ?? null),
      o((x) => attempt(x)?.destination ?? null), o((x) => attempt(x)?.error ?? null), o((x) => attempt(x)?.durationMs ?? null), o((x) => attempt(x)?.outcome ?? null),
      o((x) => attempt(x)?.providerId ?? null), o((x) => (x.kind === "pause" ? x.until : null)), o((x) => attempt(x)?.rendered?.language ?? null),
      o((x) => attempt(x)?.rendered?.subject ?? null), o((x) => attempt(x)?.rendered?.text ?? null), o((x) => attempt(x)?.rendered?.html ?? null),
      [...new Set(finished.map((x) => x.row.event_id))], finished.map((x) => x.row.id),
    ],
  );
}

/** A due delivery with the trace context of the event that made it due. */
type TracedRow = DeliveryRow & { traceparent: string | null };

const laneOf = (row: Pick<DeliveryRow, "recipient_kind" | "recipient_id" | "channel">) => `${row.recipient_kind}\n${row.recipient_id}\n${row.channel}`;

export class DeliveryWorker {
  private readonly listener: PgListener;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  /** Dead letters may wait to be published: at start, after a pass made one, on every interval. */
  private deadLettersDue = true;
  /** The connections of passes that dead-lettered a delivery, until their transaction ends. */
  private readonly deadLetteredIn = new WeakSet<PoolClient>();
  private readonly passes = new Set<Promise<void>>();
  /**
   * Deliveries may be due that no pass could take (their lane was busy, or every pass was): the
   * next pass to end starts another. Otherwise a pass ending starts none, so no pass runs only
   * to find nothing.
   */
  private mayHaveMore = false;
  /** Recipient and channel of every delivery a pass is sending now. */
  private readonly sending = new Set<string>();

  constructor(private readonly opts: DeliveryWorkerOptions) {
    this.listener = new PgListener({
      databaseUrl: opts.databaseUrl,
      channel: DELIVERIES_CHANNEL,
      logger: opts.logger,
      onNotify: () => this.deliveriesMade(),
      onConnect: () => this.nudge(),
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listener.start();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.passes);
    await this.listener.stop();
  }

  /**
   * New deliveries are committed: by this process's consumer (told directly, after its commit),
   * or by another process (the dead-letters command: told by NOTIFY).
   */
  deliveriesMade(): void {
    // A pass in flight may keep the new rows from the next one (their lane is busy, or every pass is).
    if (this.passes.size > 0) this.mayHaveMore = true;
    this.nudge();
  }

  private nudge(): void {
    this.woken = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let busy = false;
      try {
        if (this.passes.size < MAX_PASSES) busy = await this.startPass();
        if (this.deadLettersDue) {
          this.deadLettersDue = false;
          await this.publishDeadLetters();
        }
      } catch (err) {
        this.deadLettersDue = true;
        this.opts.logger.warn({ err: { message: (err as Error).message } }, "delivery worker: pass failed; the rows stay for the next pass");
      }
      // Woken by new deliveries, only they are looked at; the interval also catches up on dead
      // letters (left unpublished by a crash or a broker outage, or made by a replica that died).
      if (!busy && !this.woken && (await this.sleep(this.opts.intervalMs))) this.deadLettersDue = true;
    }
  }

  /**
   * Starts a pass and resolves once it has claimed its deliveries (true: a full page, there may
   * be more); the sending goes on, and the loop is woken when it is done if more may be due.
   */
  private startPass(): Promise<boolean> {
    return new Promise<boolean>((claimed, failed) => {
      let settled = false;
      const pass = this.deliverDue((n) => {
        settled = true;
        claimed(n === this.opts.batchSize);
      })
        .catch((err: unknown) => {
          if (!settled) return failed(err);
          this.deadLettersDue = true;
          this.opts.logger.warn({ err: { message: (err as Error).message } }, "delivery worker: pass failed; the rows stay for the next pass");
        })
        .finally(() => {
          this.passes.delete(pass);
          if (this.mayHaveMore || this.deadLettersDue) {
            this.mayHaveMore = false;
            this.nudge();
          }
        });
      this.passes.add(pass);
    });
  }

  /** One pass over due deliveries; tells `onClaimed` how many it claimed before it sends them. */
  private async deliverDue(onClaimed: (claimed: number) => void): Promise<void> {
    const lanes: string[] = [];
    try {
      let used: PoolClient | undefined;
      try {
        await withTransaction(this.opts.pool, (client) => {
          used = client;
          return this.deliverClaimed(client, lanes, onClaimed);
        });
        // Committed: the dead letters this pass made are visible now, so publishing them can find them.
        if (used && this.deadLetteredIn.has(used)) this.deadLettersDue = true;
      } finally {
        if (used) this.deadLetteredIn.delete(used);
      }
    } finally {
      for (const lane of lanes) this.sending.delete(lane);
    }
  }

  private async deliverClaimed(client: PoolClient, lanes: string[], onClaimed: (claimed: number) => void): Promise<void> {
    const busy = [...this.sending].map((l) => l.split("\n"));
    if (busy.length > 0) this.mayHaveMore = true;
    const { rows } = await client.query<TracedRow>(
      `SELECT id, delivery_key, event_id, event_type, grievance_id, recipient_kind, recipient_id, channel, attempts,
              template, language, variables, subject, body, html,
              (SELECT s.headers->>'traceparent' FROM source_events s WHERE s.event_id = deliveries.event_id) AS traceparent
       FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()
         AND (recipient_kind, recipient_id, channel) NOT IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))
       ORDER BY next_attempt_at, attempts, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [this.opts.batchSize, busy.map((b) => b[0]), busy.map((b) => b[1]), busy.map((b) => b[2])],
    );
    for (const lane of new Set(rows.map(laneOf))) {
      if (this.sending.has(lane)) continue;
      this.sending.add(lane);
      lanes.push(lane);
    }
    onClaimed(rows.length);
    if (rows.length === 0) return;
    // One endpoint's deliveries go one after another so its circuit can open between them;
    // different endpoints go in parallel. What became of each is written at the end, for all
    // of them in one statement.
    const resolutions = await this.opts.channels.resolveAll(client, rows);
    const outcomes: Outcome[] = [];
    const byEndpoint = new Map<string, { row: TracedRow; target: Target; rendered: Rendered | undefined }[]>();
    rows.forEach((row, i) => {
      const resolution = resolutions[i]!;
      if (resolution.kind === "skip") outcomes.push({ kind: "skip", row });
      else if (resolution.kind === "fail") outcomes.push(this.attempted(row, null, resolution.failure, 0, undefined));
      else {
        const queue = byEndpoint.get(resolution.target.endpoint) ?? [];
        queue.push({ row, target: resolution.target, rendered: resolution.rendered });
        byEndpoint.set(resolution.target.endpoint, queue);
      }
    });
    await Promise.all(
      [...byEndpoint.values()].map(async (queue) => {
        for (const { row, target, rendered } of queue) outcomes.push(await this.attempt(row, target, rendered));
      }),
    );
    await recordOutcomes(client, outcomes);
    if (outcomes.some((o) => o.kind === "attempt" && o.status === "dead_lettered")) {
      // Not deadLettersDue yet: the loop could look before this transaction commits and find nothing.
      this.deadLetteredIn.add(client);
    }
  }

  private async attempt(row: TracedRow, target: Target, rendered: Rendered | undefined): Promise<Outcome> {
    const { breaker } = this.opts;
    if (!breaker.canSend(target.endpoint, Date.now())) {
      // Paused, not attempted: the delivery waits for the circuit to let a probe through. The
      // paused deliveries of an endpoint then fall due together, and the one tried least
      // probes first (see the ORDER BY), so one delivery does not spend its attempts on
      // every probe while the others wait.
      return { kind: "pause", row, until: new Date(this.pausedUntil(target.endpoint)) };
    }
    const started = performance.now();
    // The send continues the trace of the event that made the delivery due (its HTTP call is a child).
    const result = await withSpanFrom(`deliver ${row.channel}`, row.traceparent, { "delivery.channel": row.channel, "delivery.attempt": row.attempts + 1, "cloudevents.event_type": row.event_type }, () => target.send());
    // A permanent refusal is the message's fault; the receiver answered, so it counts as up.
    breaker.record(target.endpoint, result.ok || result.permanent, Date.now());
    return this.attempted(row, target.destination, result, Math.round(performance.now() - started), rendered);
  }

  /** An attempt's outcome: the delivery's next step, counted and logged. */
  private attempted(row: DeliveryRow, destination: string | null, result: DeliveryResult, durationMs: number, rendered: Rendered | undefined): Outcome {
    const attempts = row.attempts + 1;
    const next = afterAttempt(result, attempts, this.opts.policy, this.opts.random ?? Math.random);
    const error = result.ok ? null : result.error;
    const outcome = result.ok ? "sent" : result.permanent ? "permanent_error" : "transient_error";
    this.opts.metrics?.attempted(row.channel, outcome);
    if (next.status === "dead_lettered") {
      this.opts.metrics?.deadLettered(row.channel);
      this.opts.logger.warn({ deliveryId: row.id, eventType: row.event_type, channel: row.channel, attempts, error }, "delivery dead-lettered");
    }
    return {
      kind: "attempt", row, attempts, status: next.status, retryInMs: next.status === "pending" ? next.retryInMs : 0, destination, error, durationMs, outcome,
      providerId: result.ok ? (result.providerId ?? null) : null, rendered,
    };
  }

  private pausedUntil(endpoint: string): number {
    const state = this.opts.breaker.stateOf(endpoint);
    if (state.kind === "open") return state.until;
    if (state.kind === "half_open") return state.probeAt + this.opts.coolDownMs;
    return Date.now();
  }

  /**
   * Dead letters go to the topic with the original event (its CloudEvents headers and data)
   * and why and how often it failed; a row counts as published only once Kafka has it.
   */
  private async publishDeadLetters(): Promise<void> {
    await withTransaction(this.opts.pool, async (client) => {
      const { rows } = await client.query<{
        id: string;
        delivery_key: string;
        recipient_kind: string;
        channel: string;
        attempts: number;
        last_error: string | null;
        topic: string | null;
        kafka_partition: number | null;
        kafka_offset: string | null;
        message_key: string | null;
        headers: Record<string, string> | null;
        payload: string | null;
        grievance_id: string;
      }>(
        `SELECT d.id, d.delivery_key, d.recipient_kind, d.channel, d.attempts, d.last_error, d.grievance_id,
                s.topic, s.kafka_partition, s.kafka_offset, s.message_key, s.headers, s.payload
         FROM deliveries d LEFT JOIN source_events s ON s.event_id = d.event_id
         WHERE d.status = 'dead_lettered' AND d.dead_letter_published_at IS NULL
         ORDER BY d.id LIMIT 100 FOR UPDATE OF d SKIP LOCKED`,
      );
      if (rows.length === 0) return;
      // A full page: there may be more.
      if (rows.length === 100) this.deadLettersDue = true;
      await this.opts.producer.send({
        topic: this.opts.deadLetterTopic,
        acks: -1,
        messages: rows.map((r) => ({
          key: r.message_key ?? r.grievance_id,
          value: r.payload,
          headers: {
            ...(r.headers ?? {}),
            "dlq-reason": r.last_error ?? "unknown",
            "dlq-attempts": String(r.attempts),
            "dlq-delivery-id": r.id,
            "dlq-delivery-key": r.delivery_key,
            "dlq-recipient-kind": r.recipient_kind,
            "dlq-channel": r.channel,
            ...(r.topic ? { "dlq-topic": r.topic, "dlq-partition": String(r.kafka_partition), "dlq-offset": String(r.kafka_offset) } : {}),
          },
        })),
      });
      await client.query("UPDATE deliveries SET dead_letter_published_at = now() WHERE id = ANY($1::bigint[])", [rows.map((r) => r.id)]);
    });
  }

  /** True when the interval ran out, false when woken. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
    });
  }
}
