// What the notification integration tests share: the service on its own database and topics,
// a producer that publishes contract events, and real peers for every channel — a webhook
// receiver that verifies signatures, an SMTP server, an SMS gateway — plus an SSE reader.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Kafka, logLevel, type Producer } from "kafkajs";
import pg from "pg";
import { SMTPServer } from "smtp-server";
import { encodeEvent, loadConfig, type Logger, type RunningService } from "@grievance-hub/kit";
import type { EventData, EventTypeName } from "@grievance-hub/schema";
import { NotificationConfig } from "../src/config";
import { startNotification } from "../src/service";
import { verifyWebhook, SIGNATURE_HEADER, EVENT_ID_HEADER } from "../src/channels/webhook";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../../../test/support";

export { eventually, tokenFor };

/** Fast retries for tests: the policy under test, on a shorter clock. */
export const fastDelivery = {
  DELIVERY_BACKOFF_BASE_MS: "50",
  DELIVERY_BACKOFF_MAX_MS: "300",
  DELIVERY_WORKER_INTERVAL_MS: "50",
  DELIVERY_TIMEOUT_MS: "1000",
  CIRCUIT_BREAKER_THRESHOLD: "3",
  CIRCUIT_BREAKER_COOL_DOWN_MS: "300",
};

export interface Harness {
  env: TestEnv;
  config: NotificationConfig;
  service: RunningService;
  db: pg.Pool;
  kafka: Kafka;
  publish: <T extends EventTypeName>(type: T, data: EventData<T>, id?: string) => Promise<{ eventId: string; partition: number; offset: string }>;
  /** Stops the service and starts it again on the same database and topics. */
  restart: (between?: () => Promise<void>) => Promise<void>;
  api: (path: string, init?: { method?: string; token?: string; body?: unknown }) => Promise<Response>;
  close: () => Promise<void>;
}

export async function startHarness(settings: Record<string, string>, logger?: Logger): Promise<Harness> {
  const env = await createTestEnv();
  const config = loadConfig(NotificationConfig, { ...env.env, ...settings });
  const kafka = new Kafka({ clientId: "notification-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer();
  const db = new pg.Pool({ connectionString: env.databaseUrl, options: "-c search_path=notification,public" });
  const h: Harness = {
    env,
    config,
    service: await startNotification(config, logger ?? env.logger),
    db,
    kafka,
    publish: async (type, data, id) => {
      const e = encodeEvent(type, data, { source: "/grievance-hub/test", topicPrefix: env.topicPrefix, ...(id ? { id } : {}) });
      const [sent] = await producer.send({ topic: e.topic, acks: -1, messages: [{ key: e.key, value: e.value, headers: e.headers }] });
      return { eventId: e.eventId, partition: sent!.partition, offset: sent!.baseOffset! };
    },
    restart: async (between) => {
      await h.service.stop();
      await between?.();
      h.service = await startNotification(config, logger ?? env.logger);
    },
    api: (path, init = {}) =>
      fetch(`${h.service.url}${path}`, {
        method: init.method ?? "GET",
        headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(10_000),
      }),
    close: async () => {
      await h.service?.stop();
      await producer.disconnect();
      await db.end();
      await env.drop();
    },
  };
  await producer.connect();
  return h;
}

export async function setRecipient(h: Harness, kind: "caseworker" | "team_supervisor", id: string, body: unknown): Promise<void> {
  const res = await h.api(`/v1/recipients/${kind}/${id}`, { method: "PUT", token: await tokenFor("admin", "admin-1"), body });
  if (res.status !== 200) throw new Error(`PUT recipient: ${res.status} ${await res.text()}`);
}

export async function deliveriesOf(h: Harness, eventId: string): Promise<{ id: string; recipient_kind: string; recipient_id: string; channel: string; status: string; attempts: number; last_error: string | null }[]> {
  return (await h.db.query("SELECT id, recipient_kind, recipient_id, channel, status, attempts, last_error FROM deliveries WHERE event_id = $1 ORDER BY id", [eventId])).rows;
}

/** Waits until the service's consumer group has committed past `offset` of the partition. */
export async function consumedPast(h: Harness, topic: string, partition: number, offset: string): Promise<void> {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    await eventually(async () => {
      const [t] = await admin.fetchOffsets({ groupId: h.env.topicPrefix + "notification", topics: [topic] });
      const p = t?.partitions.find((x) => x.partition === partition);
      return p && BigInt(p.offset) > BigInt(offset) ? true : undefined;
    }, 20_000, `the consumer to pass offset ${offset}`);
  } finally {
    await admin.disconnect();
  }
}

// --- case facts ---------------------------------------------------------------------------

let counter = 0;
/** A fresh case: ids and a tracking code of its own. */
export function aCase(overrides: Partial<{ urgency: "P1" | "P2" | "P3" | "P4" }> = {}) {
  counter++;
  const hex = (counter + Math.floor(Math.random() * 1e6)).toString(16).padStart(12, "0").slice(-12);
  return {
    caseId: `c0000000-0000-4000-8000-${hex}`,
    grievanceId: `a0000000-0000-4000-8000-${hex}`,
    occurredAt: new Date().toISOString(),
    actor: { id: "triage", role: "system" as const },
    trackingCode: `T${hex.slice(-4).toUpperCase()}-${String(counter).padStart(5, "0")}`.replace(/[^0-9A-Z-]/g, "X"),
    divisionCode: "440402001001",
    category: "neighbour" as const,
    urgency: overrides.urgency ?? ("P3" as const),
  };
}

export function assigned(c: ReturnType<typeof aCase>, caseworkerId: string, teamId = "team-community-1"): EventData<"case.assigned.v1"> {
  return {
    ...c,
    team: { id: teamId, level: "community" },
    caseworkerId,
    acknowledgeBy: new Date(Date.now() + 3_600_000).toISOString(),
    resolveBy: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    reason: "most local caseworker for the category",
    alertSupervisor: c.urgency === "P1",
  };
}

export function received(c: ReturnType<typeof aCase>, complainant: EventData<"grievance.received.v1">["complainant"]): EventData<"grievance.received.v1"> {
  return {
    grievanceId: c.grievanceId,
    trackingCode: c.trackingCode,
    channel: "phone",
    receivedAt: new Date().toISOString(),
    divisionCode: c.divisionCode,
    language: "zh",
    description: "楼上邻居每晚装修到十二点，沟通三次无果。",
    complainant,
    location: { divisionCode: c.divisionCode, address: "Xiangzhou Lane 7" },
  };
}

export const liWei = { anonymous: false as const, name: "Li Wei", phone: "+8613800138000", phoneHash: "f".repeat(64), language: "zh" as const, consentToContact: true };

// --- peers --------------------------------------------------------------------------------

export interface ReceivedWebhook {
  eventId: string;
  body: Record<string, unknown>;
}

/**
 * A subscriber's webhook endpoint: verifies every delivery's signature and replay window
 * (a bad one gets 400), and answers `status` — 204 while all is well. `down()` closes the
 * port (connections refused), `up()` opens the same port again.
 */
export async function startWebhookReceiver(secret: string) {
  const state = { status: 204, hits: 0, rejected: 0, hold: false };
  const received: ReceivedWebhook[] = [];
  /** Requests that arrived while `state.hold` was set: answered by `release()`. */
  const held: (() => void)[] = [];
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      state.hits++;
      const raw = Buffer.concat(chunks);
      const verdict = verifyWebhook(secret, req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, raw, Math.floor(Date.now() / 1000));
      if (!verdict.valid) {
        state.rejected++;
        return void res.writeHead(400).end();
      }
      if (state.status >= 300) return void res.writeHead(state.status).end();
      const answer = () => {
        received.push({ eventId: String(req.headers[EVENT_ID_HEADER.toLowerCase()]), body: JSON.parse(raw.toString("utf8")) as Record<string, unknown> });
        res.writeHead(state.status).end();
      };
      if (state.hold) held.push(answer);
      else answer();
    });
  };
  let server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/grievance-hub`,
    received,
    state,
    held,
    release: () => {
      state.hold = false;
      for (const answer of held.splice(0)) answer();
    },
    down: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
    up: async () => {
      server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** An SMS gateway: Bearer token, JSON {to, text, reference}, answers 202 with a message id. */
export async function startSmsGateway(token: string) {
  const received: { to: string; text: string; reference: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
      received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { to: string; text: string; reference: string });
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ messageId: `gw-${received.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/messages`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface Mail {
  to: string[];
  subject: string;
  text: string;
}

/** An SMTP server that requires the given credentials and keeps every message, decoded. */
export async function startSmtpSink(user: string, pass: string) {
  const inbox: Mail[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) callback(null, { user });
      else callback(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        inbox.push({ to: session.envelope.rcptTo.map((a) => a.address), ...readMail(Buffer.concat(chunks).toString("latin1")) });
        callback(null);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { port: (server.server.address() as AddressInfo).port, inbox, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Subject (RFC 2047 words decoded) and the text/plain part (base64 or 7bit) of a raw message. */
function readMail(raw: string): { subject: string; text: string } {
  const unfolded = raw.replace(/\r\n[ \t]+/g, " ");
  const subjectLine = /^Subject: (.*)$/im.exec(unfolded)?.[1] ?? "";
  const subject = subjectLine
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_m, enc: string, text: string) =>
      enc.toUpperCase() === "B" ? Buffer.from(text, "base64").toString("utf8") : text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
    );
  const part = /Content-Type: text\/plain[^\r\n]*\r\n(?:[^\r\n]+\r\n)*?Content-Transfer-Encoding: (\S+)\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)(?:\r\n--|$)/i.exec(raw);
  const text = part ? (part[1]!.toLowerCase() === "base64" ? Buffer.from(part[2]!.replace(/\s+/g, ""), "base64").toString("utf8") : part[2]!) : "";
  return { subject, text: text.replace(/\r\n/g, "\n") };
}

// --- live feed ----------------------------------------------------------------------------

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** An SSE client over fetch: what a browser's EventSource does, with Last-Event-ID in our hands. */
export async function openFeed(url: string, opts: { token?: string; lastEventId?: string } = {}) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.lastEventId ? { "last-event-id": opts.lastEventId } : {}) },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  if (res.ok && res.body) {
    const decoder = new TextDecoder();
    let buffer = "";
    void (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const e: SseEvent = { data: "" };
            let isEvent = false;
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) comments.push(line);
              else if (line.startsWith("id: ")) e.id = line.slice(4);
              else if (line.startsWith("event: ")) e.event = line.slice(7);
              else if (line.startsWith("data: ")) {
                e.data += line.slice(6);
                isEvent = true;
              }
            }
            if (isEvent) events.push(e);
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    res,
    events,
    comments,
    /** The payloads of the notification events so far. */
    notifications: () => events.filter((e) => e.event === "notification").map((e) => ({ id: e.id!, ...(JSON.parse(e.data) as { eventId: string; template: string; subject: string; recipient: { kind: string; id: string }; facts: Record<string, unknown> }) })),
    close: () => controller.abort(),
  };
}
