// A real run of the three services, each its own process started as production starts it
// (services/*/src/main.ts), traced over OTLP/HTTP to a receiver this test runs: one grievance's
// trace from the POST through Kafka to the webhook, checked span by span; then the metrics the
// run left on each service's metrics port.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { freePort, grievanceBody, spawnService, type ServiceProcess } from "../faults/support";
import { SpanKind, startOtlpReceiver, type ReceivedSpan } from "./otlp-receiver";

let env: TestEnv;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let webhook: { url: string; traceparents: string[]; close: () => Promise<void> };
/** An outgoing HTTP call (pg's query spans are client spans too). */
const isHttpCall = (s: ReceivedSpan) => s.kind === SpanKind.client && s.attributes["db.system"] === undefined && /POST/.test(s.name);
const services: Partial<Record<"intake" | "triage" | "notification", ServiceProcess>> = {};
const metricsPorts: Partial<Record<keyof typeof services, number>> = {};

/** A webhook subscriber that keeps the `traceparent` of every delivery it is sent. */
async function startWebhookReceiver(): Promise<typeof webhook> {
  const traceparents: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      traceparents.push(String(req.headers["traceparent"] ?? ""));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    traceparents,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function put(url: string, body: object): Promise<void> {
  const res = await fetch(url, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("admin")}` }, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  env = await createTestEnv();
  receiver = await startOtlpReceiver();
  webhook = await startWebhookReceiver();
  const processEnv = {
    ...env.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    // Were OTel metrics exported, they would reach the receiver within the run.
    OTEL_METRIC_EXPORT_INTERVAL: "500",
    OTEL_METRIC_EXPORT_TIMEOUT: "400",
    DELIVERY_WORKER_INTERVAL_MS: "100",
    // Request logs are at info: the test shows probes are not among them.
    LOG_LEVEL: "info",
  };
  // One after another, as `pnpm start` does: the first creates the topics.
  for (const name of ["intake", "triage", "notification"] as const) {
    metricsPorts[name] = await freePort();
    services[name] = await spawnService(name, { ...processEnv, METRICS_PORT: String(metricsPorts[name]) });
  }
  await put(`${services.triage!.url}/v1/admin/teams/community`, { name: "Community mediation", level: "community", divisionPrefix: "44040", categories: ["neighbour", "family", "labour", "land_housing", "consumer", "public_services", "legal", "other"] });
  await put(`${services.triage!.url}/v1/admin/caseworkers/cw-community`, { teamId: "community", name: "Zhang Min", categories: ["neighbour", "family", "labour", "land_housing", "consumer", "public_services", "legal", "other"], languages: ["zh", "en"], capacity: 100 });
  await put(`${services.notification!.url}/v1/recipients/caseworker/cw-community`, { language: "zh", channels: { webhook: { url: webhook.url, secret: "whsec-observe-0123456789abcdef" }, feed: false } });
}, 180_000);

afterAll(async () => {
  for (const s of Object.values(services)) s.kill("SIGTERM");
  await Promise.all(Object.values(services).map((s) => s.exited));
  await webhook?.close();
  await receiver?.close();
  await env?.drop();
}, 60_000);

describe("one grievance, one trace", () => {
  let trace: ReceivedSpan[] = [];
  const byId = (id: string | undefined) => trace.find((s) => s.spanId === id);
  /** The span and its ancestors, nearest first. */
  const ancestry = (span: ReceivedSpan) => {
    const chain = [span];
    for (let p = byId(span.parentSpanId); p; p = byId(p.parentSpanId)) chain.push(p);
    return chain;
  };
  const one = (what: string, predicate: (s: ReceivedSpan) => boolean) => {
    const found = trace.filter(predicate);
    expect(found, what).toHaveLength(1);
    return found[0]!;
  };

  it("runs from intake's POST through triage and notification to the webhook's POST", async () => {
    const res = await fetch(`${services.intake!.url}/v1/grievances`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` },
      body: JSON.stringify(grievanceBody(1)),
    });
    expect(res.status).toBe(202);
    const post = await eventually(async () => receiver.spans.find((s) => s.service === "intake" && s.kind === SpanKind.server && s.name.startsWith("POST")), 30_000, "intake's POST span");
    const webhookTraceparent = await eventually(async () => webhook.traceparents.find((t) => t.split("-")[1] === post.traceId), 60_000, "the webhook delivery in the POST's trace");
    // The client span of the webhook call is exported once the delivery is recorded.
    await eventually(async () => (receiver.spans.some((s) => s.traceId === post.traceId && s.service === "notification" && isHttpCall(s)) ? true : undefined), 30_000, "notification's client span");
    trace = receiver.spans.filter((s) => s.traceId === post.traceId);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(["intake", "triage", "notification"]));
    expect(webhookTraceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Only traces go over OTLP: metrics are Prometheus', logs are pino's.
    expect(receiver.otherRequests).toEqual([]);
  });

  it("publishes intake's event in a producer span under the POST, and triage consumes it as its child", () => {
    const publish = one("intake's publish of grievance.received", (s) => s.service === "intake" && s.kind === SpanKind.producer && s.attributes["cloudevents.event_type"] === "grievance.received.v2" && String(s.attributes["messaging.destination.name"]).endsWith("grievances.internal"));
    const root = ancestry(publish).at(-1)!;
    expect(root).toMatchObject({ service: "intake", kind: SpanKind.server, parentSpanId: undefined });
    expect(root.name).toMatch(/^POST/);
    const consume = one("triage's processing of grievance.received", (s) => s.service === "triage" && s.kind === SpanKind.consumer);
    expect(consume.parentSpanId).toBe(publish.spanId);
    expect(consume.attributes).toMatchObject({ "cloudevents.event_type": "grievance.received.v2", "messaging.system": "kafka" });
    // Triage applies a partition's batch with shared statements, so its database work belongs to no
    // single event's trace; what the event caused (its case events) does, as the next test shows.
  });

  it("publishes triage's case.assigned from within the consumer span, and notification consumes it and calls the webhook", () => {
    const triageConsume = one("triage's consumer span", (s) => s.service === "triage" && s.kind === SpanKind.consumer);
    const assigned = one("triage's publish of case.assigned", (s) => s.service === "triage" && s.kind === SpanKind.producer && s.attributes["cloudevents.event_type"] === "case.assigned.v1" && String(s.attributes["messaging.destination.name"]).endsWith("cases.internal"));
    expect(ancestry(assigned)).toContain(triageConsume);
    const notified = one("notification's processing of case.assigned", (s) => s.service === "notification" && s.kind === SpanKind.consumer && s.attributes["cloudevents.event_type"] === "case.assigned.v1");
    expect(notified.parentSpanId).toBe(assigned.spanId);
    const deliver = one("the webhook delivery", (s) => s.service === "notification" && s.name === "deliver webhook");
    expect(deliver.parentSpanId).toBe(assigned.spanId);
    const call = one("the webhook's outgoing POST", (s) => s.service === "notification" && isHttpCall(s));
    expect(call.parentSpanId).toBe(deliver.spanId);
    // The subscriber is told the trace too: the request carries the client span's context.
    expect(webhook.traceparents.find((t) => t.split("-")[1] === call.traceId)?.split("-")[2]).toBe(call.spanId);
  });
});

/** One sample of a Prometheus text exposition, by name and the labels it must have. */
function sampleOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("the run's metrics", () => {
  const scrape = async (name: keyof typeof services) => {
    const res = await fetch(`http://127.0.0.1:${metricsPorts[name]}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  it("are served on the metrics port only, not on the public one", async () => {
    for (const s of Object.values(services)) expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
    expect(await scrape("intake")).toContain("# TYPE http_request_duration_seconds histogram");
  });

  it("count the POST in intake's route histogram and the event it published", async () => {
    const text = await scrape("intake");
    expect(sampleOf(text, "http_request_duration_seconds_count", { service: "intake", method: "POST", route: "/v1/grievances", status_class: "2xx" })).toBe(1);
    expect(sampleOf(text, "events_published_total", { type: "grievance.received.v2" })).toBe(1);
    expect(sampleOf(text, "outbox_unsent_events")).toBe(0);
  });

  it("count the event triage applied, the case it assigned, and its consumer group's lag per partition", async () => {
    const text = await scrape("triage");
    expect(sampleOf(text, "events_applied_total", { service: "triage", type: "grievance.received.v2" })).toBe(1);
    expect(sampleOf(text, "events_published_total", { type: "case.assigned.v1" })).toBe(1);
    expect(sampleOf(text, "triage_p1_unassigned_cases")).toBe(0);
    const lagsOf = (t: string) => t.split("\n").filter((l) => l.startsWith("kafka_consumer_lag{") && l.includes(`topic="${env.topicPrefix}grievances.internal"`) && l.includes(`group="${env.topicPrefix}triage"`));
    expect(lagsOf(text)).toHaveLength(6);
    // Triage's own grievance.triaged follows on the same topic: its commit may come a moment later.
    const lags = await eventually(async () => {
      const values = lagsOf(await scrape("triage")).map((l) => Number(l.split(" ").at(-1)));
      return values.every((v) => v === 0) ? values : undefined;
    }, 30_000, "triage's lag to reach 0");
    expect(lags).toHaveLength(6);
  });

  it("count notification's webhook delivery as sent, and no circuit open", async () => {
    const text = await scrape("notification");
    expect(sampleOf(text, "events_applied_total", { type: "case.assigned.v1" })).toBe(1);
    expect(sampleOf(text, "notification_delivery_attempts_total", { channel: "webhook", outcome: "sent" })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, "notification_circuits", { state: "open" })).toBe(0);
    expect(sampleOf(text, "events_dead_lettered_total")).toBeUndefined();
  });

  it("leaves health checks out of the request log, which has the POST", () => {
    const log = services.intake!.output();
    expect(log).toMatch(/"url":"\/v1\/grievances"/);
    expect(log).not.toMatch(/"url":"\/health\//);
  });
});
