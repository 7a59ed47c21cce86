// Prometheus metrics (prom-client), one registry per service: process defaults, RED per route,
// events published, applied and dead-lettered by type, consumer lag per group and partition,
// the outbox's backlog. Served on a port of their own (METRICS_PORT), never on the public one.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Admin, Kafka } from "kafkajs";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { isEventTypeName, publicTopicOf } from "@grievance-hub/schema";
import { withTimeout } from "./http";
import type { OutboxRelay } from "./outbox";

export { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** An event type as a label value: only the contract's names, so a poison message cannot mint series. */
export function eventTypeLabel(type: unknown): string {
  const name = Buffer.isBuffer(type) ? type.toString("utf8") : type;
  return typeof name === "string" && isEventTypeName(name) ? name : "unknown";
}

/**
 * One reading shared by the gauges of a scrape (prom-client collects them concurrently); a
 * reading that fails leaves the gauges as they were.
 */
export function sharedSample<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  let inflight: Promise<T | undefined> | undefined;
  return () =>
    (inflight ??= read()
      .catch(() => undefined)
      .finally(() => {
        inflight = undefined;
      }));
}

export interface ConsumerSubscription {
  groupId: string;
  topics: string[];
}

const publicTopics = Object.values(publicTopicOf).filter((t): t is NonNullable<typeof t> => Boolean(t));

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<"method" | "route" | "status_class">;
  readonly eventsPublished: Counter<"type">;
  readonly eventsApplied: Counter<"group" | "type">;
  readonly eventsDeadLettered: Counter<"group" | "type">;
  private readonly subscriptions: ConsumerSubscription[] = [];
  private admin: Admin | undefined;
  private adminConnected: Promise<void> | undefined;

  constructor(service: string, relay: OutboxRelay, private readonly kafka?: Kafka) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP requests by method, route template and status class, and how long they took",
      labelNames: ["method", "route", "status_class"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.eventsPublished = new Counter({ name: "events_published_total", help: "Events the outbox relay published to Kafka, by type (public counterparts not counted again)", labelNames: ["type"], registers });
    this.eventsApplied = new Counter({ name: "events_applied_total", help: "Events a consumer applied (redeliveries not counted), by group and type", labelNames: ["group", "type"], registers });
    this.eventsDeadLettered = new Counter({ name: "events_dead_lettered_total", help: "Messages a consumer could never apply and sent to its dead-letter topic, by group and type", labelNames: ["group", "type"], registers });
    relay.onPublished = (events) => {
      for (const e of events) if (!publicTopics.some((t) => e.topic.endsWith(t))) this.eventsPublished.inc({ type: eventTypeLabel(e.type) });
    };
    this.outboxGauges(relay);
    const subscriptions = this.subscriptions;
    const lagOf = () => this.consumerLag();
    new Gauge({
      name: "kafka_consumer_lag",
      help: "Messages on a partition not yet committed by the consumer group (log end offset minus committed offset), sampled at each scrape",
      labelNames: ["group", "topic", "partition"],
      registers,
      async collect() {
        this.reset();
        if (subscriptions.length === 0) return;
        for (const { group, topic, partition, lag } of await lagOf()) this.set({ group, topic, partition: String(partition) }, lag);
      },
    });
  }

  /** Consumers whose lag is reported. */
  observeConsumers(subscriptions: ConsumerSubscription[]): void {
    this.subscriptions.push(...subscriptions);
  }

  /** RED per route: the route's template (never the raw URL), so ids in paths do not mint series. */
  observeHttp(app: FastifyInstance): void {
    app.addHook("onResponse", async (req, reply) => {
      const route = req.routeOptions.url ?? "(unmatched)";
      this.httpDuration.observe({ method: req.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` }, reply.elapsedTime / 1000);
    });
  }

  async close(): Promise<void> {
    if (this.adminConnected) await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    this.adminConnected = undefined;
  }

  private async consumerLag(): Promise<{ group: string; topic: string; partition: number; lag: number }[]> {
    if (!this.kafka) return [];
    this.admin ??= this.kafka.admin();
    const admin = this.admin;
    this.adminConnected ??= admin.connect().catch((err: unknown) => {
      this.adminConnected = undefined;
      throw err;
    });
    const sample = async () => {
      await this.adminConnected;
      const topics = [...new Set(this.subscriptions.flatMap((s) => s.topics))];
      const ends = new Map(await Promise.all(topics.map(async (t) => [t, await admin.fetchTopicOffsets(t)] as const)));
      const result: { group: string; topic: string; partition: number; lag: number }[] = [];
      for (const { groupId, topics: subscribed } of this.subscriptions) {
        for (const committed of await admin.fetchOffsets({ groupId, topics: subscribed })) {
          for (const p of committed.partitions) {
            const end = ends.get(committed.topic)?.find((e) => e.partition === p.partition);
            if (!end) continue;
            // No commit yet: everything from the log's start is still to be consumed.
            const from = Number(p.offset) >= 0 ? Number(p.offset) : Number(end.low);
            result.push({ group: groupId, topic: committed.topic, partition: p.partition, lag: Math.max(0, Number(end.high) - from) });
          }
        }
      }
      return result;
    };
    // A scrape must answer even when Kafka does not: the series are then absent, and the alert on it fires.
    return withTimeout(sample(), 3000, "kafka did not answer within 3 s").catch(() => []);
  }

  private outboxGauges(relay: OutboxRelay): void {
    const registers = [this.registry];
    const status = sharedSample(() => relay.status());
    new Gauge({
      name: "outbox_unsent_events",
      help: "Events written to the outbox and not yet published to Kafka",
      registers,
      async collect() {
        const s = await status();
        if (s) this.set(s.unsent);
      },
    });
    new Gauge({
      name: "outbox_oldest_unsent_age_seconds",
      help: "Age of the oldest unpublished outbox event (the relay's lag)",
      registers,
      async collect() {
        const s = await status();
        if (s) this.set(s.oldestUnsentAgeMs / 1000);
      },
    });
    new Gauge({
      name: "outbox_relay_leader",
      help: "1 when this replica holds the relay lock and publishes",
      registers,
      async collect() {
        const s = await status();
        if (s) this.set(s.leader ? 1 : 0);
      },
    });
  }
}

export function createMetrics(service: string, relay: OutboxRelay, kafka?: Kafka): ServiceMetrics {
  return new ServiceMetrics(service, relay, kafka);
}

/** `GET /metrics` on its own listener, bound to `host`; port 0 takes a free one. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
