// A dedicated Postgres session that LISTENs on one channel and calls back on every NOTIFY.
// It reconnects by itself after losing the server; `onConnect` runs after every (re)connect,
// because notifications sent while it was away are lost and the caller must catch up.
import pg from "pg";
import type { Logger } from "@grievance-hub/kit";

export class PgListener {
  private client: pg.Client | undefined;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      databaseUrl: string;
      channel: string;
      logger: Logger;
      onNotify: () => void;
      onConnect: () => void;
      retryMs?: number;
    },
  ) {}

  /** Resolves once listening, or after the first failure (it keeps trying in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, connectionTimeoutMillis: 3000 });
    client.on("notification", () => this.opts.onNotify());
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.opts.channel}"`);
    } catch (err) {
      this.opts.logger.warn({ err: { message: (err as Error).message }, channel: this.opts.channel }, "cannot LISTEN; retrying");
      await client.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.opts.onConnect();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.opts.retryMs ?? 1000);
  }
}
