// Part 2: open-loop load at a fixed arrival rate. Every grievance has a scheduled send time
// (start + i / rate) and is sent then whether or not earlier ones were answered; every latency
// is counted from that scheduled time, so a stall anywhere (including in this process) shows
// up in the figures instead of quietly lowering the load (no coordinated omission).
// "assigned": this process reads the grievance's case.assigned.v1 from the cases topic.
// "notified": the caseworker's signed webhook for that case.assigned arrives here.
import { writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import * as hdr from "hdr-histogram-js";
import type { Kafka } from "kafkajs";
import { verifyWebhook } from "../services/notification/src/channels/webhook";
import { grievance, random } from "./grievances";

export interface Percentiles {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Latencies in microseconds, up to 10 minutes, 3 significant digits. */
export function histogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function percentiles(h: hdr.Histogram): Percentiles {
  const ms = (us: number) => Math.round(us / 10) / 100;
  return { count: h.totalCount, p50Ms: ms(h.getValueAtPercentile(50)), p95Ms: ms(h.getValueAtPercentile(95)), p99Ms: ms(h.getValueAtPercentile(99)), maxMs: ms(h.maxValue) };
}

/** Receives the caseworkers' (and supervisors') webhooks and checks every signature. */
export async function startWebhookReceiver(secretOf: (recipient: string) => string | undefined, onAssignedNotice: (grievanceId: string, at: number) => void) {
  const stats = { received: 0, badSignature: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const raw = Buffer.concat(chunks);
      const secret = secretOf(decodeURIComponent((req.url ?? "").replace(/^\/hooks\//, "")));
      const verified = secret ? verifyWebhook(secret, req.headers["grievance-hub-signature"] as string | undefined, raw, Math.floor(Date.now() / 1000)) : { valid: false };
      if (!verified.valid) {
        stats.badSignature++;
        res.writeHead(400).end();
        return;
      }
      stats.received++;
      const payload = JSON.parse(raw.toString("utf8")) as { eventType: string; grievanceId: string; recipient: { kind: string } };
      if (payload.eventType === "case.assigned.v1" && payload.recipient.kind === "caseworker") onAssignedNotice(payload.grievanceId, at);
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Tracked {
  /** When the POST was due to go out; known once its 202 has been read. */
  scheduled?: number;
  urgency?: string;
  assigned?: number;
  notified?: number;
}

export interface EndToEndResult {
  rate: number;
  durationS: number;
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  /** How far behind its schedule a request went out at worst (this process's own lag), ms. */
  senderMaxLagMs: number;
  intake: Percentiles;
  assigned: Percentiles;
  notified: Percentiles;
  assignedP1: Percentiles;
  notifiedP1: Percentiles;
  lost: number;
  notNotified: number;
  drainS: number;
  /** Grievances assigned per second from the first send to the last assignment: what the system kept up with. */
  assignedPerS: number;
}

export async function openLoop(opts: {
  intakeUrl: string;
  token: string;
  kafka: Kafka;
  casesTopic: string;
  groupId: string;
  rate: number;
  durationS: number;
  drainTimeoutS: number;
  receiver: { onAssignedNotice: (handler: (grievanceId: string, at: number) => void) => void };
  log: (message: string) => void;
  /** Where to write every grievance's latencies (CSV), to see when the slow ones were sent. */
  samplesFile?: string;
  /** Seed of the generated grievances: each run on one stack its own mix. */
  seed?: number;
  /**
   * The number of this run's first caller (each grievance has a caller of its own, numbered from
   * here): runs on one stack need ranges of their own, or a later run's callers are an earlier
   * run's, and their grievances join those callers' open cases as repeats instead of being assigned.
   */
  firstCaller?: number;
}): Promise<EndToEndResult> {
  // Keyed by grievance id; an event may be read before the 202 that names its grievance.
  const byId = new Map<string, Tracked>();
  const tracked = (id: string) => {
    let t = byId.get(id);
    if (!t) byId.set(id, (t = {}));
    return t;
  };
  const intakeLatency = histogram();
  opts.receiver.onAssignedNotice((grievanceId, at) => {
    const t = tracked(grievanceId);
    if (t.notified === undefined) t.notified = at;
  });
  // Only this run's grievances count: the topic (its first fetch may still come from its beginning) and the webhooks may also carry an earlier run's.
  const ours = () => {
    let assigned = 0;
    let notified = 0;
    for (const t of byId.values()) {
      if (t.scheduled === undefined) continue;
      if (t.assigned !== undefined) assigned++;
      if (t.notified !== undefined) notified++;
    }
    return { assigned, notified };
  };

  // The observer reads from where the topic ends now: on a stack that has run before (the capacity
  // steps after part 2), reading its earlier events first would see this run's assignments late and
  // count that against the stack (at 12,000 grievances, about the first second of a step).
  const admin = opts.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(opts.casesTopic).finally(() => admin.disconnect());
  const consumer = opts.kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: 50, sessionTimeout: 30_000 });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.casesTopic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const at = performance.now();
      for (const m of batch.messages) {
        if (String(m.headers?.["ce_type"] ?? "") !== "case.assigned.v1") continue;
        const grievanceId = String(m.headers?.["ce_subject"] ?? "");
        const t = tracked(grievanceId);
        if (t.assigned !== undefined) continue;
        t.assigned = at;
        t.urgency = (JSON.parse(String(m.value)) as { urgency?: string }).urgency;
      }
    },
  });
  await joined;
  for (const { partition, offset } of ends) consumer.seek({ topic: opts.casesTopic, partition, offset });

  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const intake = new URL(opts.intakeUrl);
  const r = random(opts.seed ?? 20_260_101);
  const total = Math.round(opts.rate * opts.durationS);
  const intervalMs = 1000 / opts.rate;
  const rejected: Record<string, number> = {};
  let accepted = 0;
  let answered = 0;
  let senderMaxLagMs = 0;
  const runId = Date.now().toString(36);

  const send = (i: number, scheduled: number) => {
    const { json } = grievance((opts.firstCaller ?? 0) + i, r);
    const req = http.request(
      {
        agent,
        host: intake.hostname,
        port: intake.port,
        method: "POST",
        path: "/v1/grievances",
        headers: { "content-type": "application/json", authorization: `Bearer ${opts.token}`, "idempotency-key": `e2e-${runId}-${i}`, "content-length": Buffer.byteLength(json) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          answered++;
          intakeLatency.recordValue(Math.max(1, Math.round((performance.now() - scheduled) * 1000)));
          if (res.statusCode !== 202) {
            rejected[String(res.statusCode)] = (rejected[String(res.statusCode)] ?? 0) + 1;
            return;
          }
          accepted++;
          const { id } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string };
          tracked(id).scheduled = scheduled;
        });
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => {
      answered++;
      rejected[err.code ?? "error"] = (rejected[err.code ?? "error"] ?? 0) + 1;
    });
    req.end(json);
  };

  opts.log(`open loop: ${opts.rate}/s for ${opts.durationS} s (${total} grievances)`);
  const start = performance.now() + 20;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && start + i * intervalMs <= now) {
        const scheduled = start + i * intervalMs;
        senderMaxLagMs = Math.max(senderMaxLagMs, now - scheduled);
        send(i, scheduled);
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + i * intervalMs - performance.now()));
    };
    tick();
  });
  const sentAt = performance.now();
  opts.log(`all ${total} sent; waiting for every accepted grievance to be assigned and notified (at most ${opts.drainTimeoutS} s)`);
  const drainDeadline = sentAt + opts.drainTimeoutS * 1000;
  let lastReport = sentAt;
  while (performance.now() < drainDeadline) {
    const done = ours();
    if (answered === total && done.assigned >= accepted && done.notified >= accepted) break;
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      opts.log(`  answered ${answered}/${total}, assigned ${done.assigned}/${accepted}, notified ${done.notified}/${accepted}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const drainS = (performance.now() - sentAt) / 1000;
  await consumer.disconnect();
  agent.destroy();

  if (opts.samplesFile) {
    const lines = ["scheduled_ms,assigned_ms,notified_ms,urgency"];
    for (const t of byId.values()) if (t.scheduled !== undefined) lines.push(`${(t.scheduled - start).toFixed(1)},${t.assigned === undefined ? "" : (t.assigned - t.scheduled).toFixed(1)},${t.notified === undefined ? "" : (t.notified - t.scheduled).toFixed(1)},${t.urgency ?? ""}`);
    await writeFile(opts.samplesFile, lines.join("\n") + "\n");
  }
  const hist = { assigned: histogram(), notified: histogram(), assignedP1: histogram(), notifiedP1: histogram() };
  const since = (at: number, t: Tracked) => Math.max(1, Math.round((at - t.scheduled!) * 1000));
  let lost = 0;
  let notNotified = 0;
  let lastAssigned = start;
  for (const t of byId.values()) {
    if (t.scheduled === undefined) continue;
    if (t.assigned !== undefined) {
      lastAssigned = Math.max(lastAssigned, t.assigned);
      hist.assigned.recordValue(since(t.assigned, t));
      if (t.urgency === "P1") hist.assignedP1.recordValue(since(t.assigned, t));
    }
    if (t.notified !== undefined) {
      hist.notified.recordValue(since(t.notified, t));
      if (t.urgency === "P1") hist.notifiedP1.recordValue(since(t.notified, t));
    } else notNotified++;
    if (t.assigned === undefined && t.notified === undefined) lost++;
  }
  return {
    rate: opts.rate,
    durationS: opts.durationS,
    sent: total,
    accepted,
    rejected,
    senderMaxLagMs: Math.round(senderMaxLagMs * 10) / 10,
    intake: percentiles(intakeLatency),
    assigned: percentiles(hist.assigned),
    notified: percentiles(hist.notified),
    assignedP1: percentiles(hist.assignedP1),
    notifiedP1: percentiles(hist.notifiedP1),
    lost,
    notNotified,
    drainS: Math.round(drainS * 10) / 10,
    assignedPerS: Math.round(ours().assigned / ((lastAssigned - start) / 1000)),
  };
}
