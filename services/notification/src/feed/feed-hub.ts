// The live feed's server side: one LISTEN session for the whole service; each open stream
// reads the feed rows after the last one it sent (its SSE id) for its own recipients, on
// every NOTIFY. Reading from Postgres every time makes a resume with Last-Event-ID and a
// live update the same code path, so nothing falls between replay and live.
import type { ServerResponse } from "node:http";
import type { Logger, Pool } from "@grievance-hub/kit";
import { FEED_CHANNEL } from "../db/deliveries";
import { PgListener } from "../db/listener";
import type { StaffKind } from "../domain/who-is-told";

/** Whose notifications a stream carries; "everyone" for an admin. */
export type FeedAudience = { kind: StaffKind; id: string }[] | "everyone";

interface FeedRow {
  seq: string;
  recipient_kind: StaffKind;
  recipient_id: string;
  event_id: string;
  event_type: string;
  template: string;
  subject: string;
  body: string;
  facts: Record<string, unknown>;
  created_at: Date;
}

const PAGE = 200;

export class FeedStream {
  private lastSeq: string;
  private reading = false;
  private again = false;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly res: ServerResponse,
    private readonly audience: FeedAudience,
    after: string,
    heartbeatMs: number,
    private readonly logger: Logger,
  ) {
    this.lastSeq = after;
    this.heartbeat = setInterval(() => this.write(": heartbeat\n\n"), heartbeatMs);
  }

  /** Sends every row after the last one sent; calls while a read runs make it read once more. */
  async pull(): Promise<void> {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        let rows: FeedRow[];
        do {
          rows = await this.read();
          for (const row of rows) {
            if (this.closed) return;
            await this.send(row);
            this.lastSeq = row.seq;
          }
        } while (rows.length === PAGE);
      } while (this.again && !this.closed);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, "feed: reading notifications failed; the next notification retries");
    } finally {
      this.reading = false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (!this.res.writableEnded) this.res.end();
  }

  private async read(): Promise<FeedRow[]> {
    const columns = "seq, recipient_kind, recipient_id, event_id, event_type, template, subject, body, facts, created_at";
    if (this.audience === "everyone") {
      return (await this.pool.query<FeedRow>(`SELECT ${columns} FROM feed WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`, [this.lastSeq])).rows;
    }
    const { rows } = await this.pool.query<FeedRow>(
      `SELECT ${columns} FROM feed
       WHERE seq > $1 AND (recipient_kind, recipient_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
       ORDER BY seq LIMIT ${PAGE}`,
      [this.lastSeq, this.audience.map((r) => r.kind), this.audience.map((r) => r.id)],
    );
    return rows;
  }

  private async send(row: FeedRow): Promise<void> {
    const data = {
      seq: Number(row.seq),
      eventId: row.event_id,
      eventType: row.event_type,
      recipient: { kind: row.recipient_kind, id: row.recipient_id },
      template: row.template,
      subject: row.subject,
      text: row.body,
      facts: row.facts,
      createdAt: row.created_at.toISOString(),
    };
    if (!this.write(`id: ${row.seq}\nevent: notification\ndata: ${JSON.stringify(data)}\n\n`)) {
      await new Promise<void>((resolve) => {
        this.res.once("drain", resolve);
        this.res.once("close", resolve);
      });
    }
  }

  /** False when the socket's buffer is full. */
  private write(chunk: string): boolean {
    if (this.closed || this.res.writableEnded) return true;
    return this.res.write(chunk);
  }
}

export class FeedHub {
  private readonly streams = new Set<FeedStream>();
  private readonly listener: PgListener;

  constructor(private readonly opts: { pool: Pool; databaseUrl: string; logger: Logger; heartbeatMs: number }) {
    const wakeAll = () => {
      for (const s of this.streams) void s.pull();
    };
    this.listener = new PgListener({ databaseUrl: opts.databaseUrl, channel: FEED_CHANNEL, logger: opts.logger, onNotify: wakeAll, onConnect: wakeAll });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  /** Ends every stream (clients reconnect to another replica or after the restart) and stops listening. */
  async stop(): Promise<void> {
    for (const s of this.streams) s.close();
    this.streams.clear();
    await this.listener.stop();
  }

  /** The newest feed seq: where a stream without Last-Event-ID starts. */
  async head(): Promise<string> {
    const { rows } = await this.opts.pool.query<{ seq: string }>("SELECT coalesce(max(seq), 0)::text AS seq FROM feed");
    return rows[0]!.seq;
  }

  open(res: ServerResponse, audience: FeedAudience, after: string): FeedStream {
    const stream = new FeedStream(this.opts.pool, res, audience, after, this.opts.heartbeatMs, this.opts.logger);
    this.streams.add(stream);
    res.on("close", () => {
      stream.close();
      this.streams.delete(stream);
    });
    void stream.pull();
    return stream;
  }
}
