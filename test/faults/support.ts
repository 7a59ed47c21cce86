// What the fault tests share: the three services on a test's own database and topics, a
// steady load of grievances, peers that count what they are sent, and the exact accounting
// every fault test ends with (each accepted grievance once in every projection and on every
// topic, each due notification sent once).
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { AssignerProtocol, Kafka, logLevel, type IHeaders } from "kafkajs";
import pg from "pg";
import { createLogger, loadConfig, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyWebhook } from "../../services/notification/src/channels/webhook";
import { statusEventTypes } from "../../services/intake/src/domain/status";
import { captureLogs, tokenFor, type TestEnv } from "../support";

export const root = path.resolve(import.meta.dirname, "../..");

// --- the system --------------------------------------------------------------------------

export type ServiceName = "intake" | "triage" | "notification";
export type Triage = Awaited<ReturnType<typeof startTriage>>;

export interface System {
  intakes: RunningService[];
  triages: Triage[];
  notifications: RunningService[];
  /** Every line the services logged, for the failure report. */
  logs: ReturnType<typeof captureLogs>;
  stop: () => Promise<void>;
}

/** Fast delivery retries and the SMS gateway, so complainants' receipts are due too. */
function notificationSettings(peers: Peers): Record<string, string> {
  return {
    SMS_GATEWAY_URL: peers.sms.url,
    SMS_GATEWAY_TOKEN: SMS_TOKEN,
    DELIVERY_WORKER_INTERVAL_MS: "100",
    DELIVERY_BACKOFF_BASE_MS: "100",
    DELIVERY_BACKOFF_MAX_MS: "1000",
    CIRCUIT_BREAKER_COOL_DOWN_MS: "500",
  };
}

/**
 * Starts `replicas` instances of each named service in this process, all on the same
 * database and topic prefix. The deadline scheduler only runs when a test ticks it.
 */
export async function startSystem(
  env: TestEnv,
  opts: { peers: Peers; settings?: Record<string, string>; replicas?: number; services?: ServiceName[] },
): Promise<System> {
  const logs = captureLogs();
  const level = process.env.TEST_LOG_LEVEL ?? "warn";
  const base = { ...env.env, ...opts.settings };
  const names = opts.services ?? ["intake", "triage", "notification"];
  const system: System = { intakes: [], triages: [], notifications: [], logs, stop: async () => undefined };
  for (let r = 0; r < (opts.replicas ?? 1); r++) {
    const logger = (name: string) => createLogger(`${name}#${r + 1}`, level, logs.stream);
    if (names.includes("intake")) system.intakes.push(await startIntake(loadConfig(IntakeConfig, base), logger("intake")));
    if (names.includes("triage")) system.triages.push(await startTriage(loadConfig(TriageConfig, { DEADLINE_SCAN_INTERVAL_MS: "3600000", ...base }), logger("triage")));
    if (names.includes("notification")) {
      system.notifications.push(await startNotification(loadConfig(NotificationConfig, { ...notificationSettings(opts.peers), ...base }), logger("notification")));
    }
  }
  system.stop = async () => {
    await Promise.allSettled([...system.intakes, ...system.triages, ...system.notifications].map((s) => s.stop()));
  };
  return system;
}

/** The last lines the services logged: printed when a fault test fails. */
export function logTail(logs: { text: () => string }, lines = 60): string {
  return logs.text().trimEnd().split("\n").slice(-lines).join("\n");
}

export const WEBHOOK_SECRET = "whsec-faults-0123456789abcdef";
export const SMS_TOKEN = "sms-gateway-token-faults";
export const staff = { community: "cw-community", street: "cw-street" } as const;
const allCategories = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];

/**
 * Two levels of teams over every division the load uses (community first, the street team
 * above it for escalations), one caseworker in each, and every caseworker and supervisor
 * reached by webhook only.
 */
export async function seedDirectory(triageUrl: string, notificationUrl?: string, peers?: Peers): Promise<void> {
  const admin = { "content-type": "application/json", authorization: `Bearer ${await tokenFor("admin")}` };
  const put = async (url: string, body: object) => {
    const res = await fetch(url, { method: "PUT", headers: admin, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`PUT ${url}: ${res.status} ${await res.text()}`);
  };
  await put(`${triageUrl}/v1/admin/teams/community`, { name: "Community mediation", level: "community", divisionPrefix: "44040", categories: allCategories });
  await put(`${triageUrl}/v1/admin/teams/street`, { name: "Street office", level: "street", divisionPrefix: "4404", categories: allCategories });
  await put(`${triageUrl}/v1/admin/caseworkers/${staff.community}`, { teamId: "community", name: "Zhang Min", categories: allCategories, languages: ["zh", "en"], capacity: 1000 });
  await put(`${triageUrl}/v1/admin/caseworkers/${staff.street}`, { teamId: "street", name: "Wang Fang", categories: allCategories, languages: ["zh", "en"], capacity: 1000 });
  if (!notificationUrl || !peers) return;
  const webhook = { language: "zh", channels: { webhook: { url: peers.webhook.url, secret: WEBHOOK_SECRET }, feed: false } };
  for (const id of Object.values(staff)) await put(`${notificationUrl}/v1/recipients/caseworker/${id}`, webhook);
  for (const id of ["community", "street"]) await put(`${notificationUrl}/v1/recipients/team_supervisor/${id}`, webhook);
}

// --- grievances and load -----------------------------------------------------------------

// Ordinary P3/P4 disputes: the fault tests count one acknowledge breach per case four days on,
// before any of their resolve deadlines (a P1 or P2 would breach its resolve deadline too).
// "丈夫经常喝酒后吵架" was here until ruleset 2026.11.6 took drinking in a quarrel for a risk sign (P2).
const descriptions: [string, "zh" | "en"][] = [
  ["楼上邻居装修噪音每天到深夜，多次沟通无果。", "zh"],
  ["My landlord will not return my deposit after I moved out.", "en"],
  ["老板拖欠我们三个月工资，一直不给。", "zh"],
  ["The shop sold me a broken phone and refuses a refund.", "en"],
  ["丈夫和婆婆为赡养费的事经常吵架，想请社区帮忙调解。", "zh"],
  ["请问社区调解需要预约吗？", "zh"],
];

/**
 * Districts of the load: events are keyed by district (partitionKeyFor), and these five hash
 * to five of the six partitions, so the load spreads over consumers as a city's would.
 */
const districts = ["440402", "440403", "440407", "440408", "440409"];

/**
 * The i-th grievance of a load: its own caller (so each opens its own case rather than
 * joining one as a repeat) in its own division (so none is linked to another as related).
 */
export function grievanceBody(i: number): Record<string, unknown> {
  const [description, language] = descriptions[i % descriptions.length]!;
  return {
    channel: "phone",
    complainant: { name: `Caller ${i}`, phone: `+86 137 ${String(i).padStart(8, "0")}`, language, consentToContact: true },
    location: { divisionCode: `${districts[i % districts.length]}${String(i).padStart(6, "0")}` },
    description,
  };
}

export interface Answer {
  i: number;
  /** Wall-clock time the request was sent, to place it against an outage. */
  sentAt: number;
  ms: number;
  /** 0 when no answer came (timed out or the connection failed). */
  status: number;
  contentType?: string;
  body?: { id?: string; title?: string; status?: number };
  retryAfter?: string;
  error?: string;
  via: number;
}

/**
 * POSTs grievances at a steady rate, whatever the answers, spreading them over `urls`; each
 * request is abandoned after `timeoutMs` (status 0) so a hanging request shows.
 */
export function steadyLoad(opts: { urls: string[]; token: string; perSecond: number; timeoutMs: number; first?: number }): { answers: Answer[]; stop: () => Promise<Answer[]> } {
  const answers: Answer[] = [];
  const inflight = new Set<Promise<void>>();
  const period = 1000 / opts.perSecond;
  const t0 = performance.now();
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const send = async (i: number, via: number) => {
    const sentAt = Date.now();
    const started = performance.now();
    try {
      const res = await fetch(`${opts.urls[via]}/v1/grievances`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${opts.token}` },
        body: JSON.stringify(grievanceBody(i)),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const body = (await res.json()) as Answer["body"];
      answers.push({
        i, sentAt, via, ms: performance.now() - started, status: res.status, body,
        contentType: res.headers.get("content-type") ?? "",
        ...(res.headers.get("retry-after") ? { retryAfter: res.headers.get("retry-after")! } : {}),
      });
    } catch (err) {
      answers.push({ i, sentAt, via, ms: performance.now() - started, status: 0, error: (err as Error).name });
    }
  };
  const tick = () => {
    if (stopped) return;
    const i = (opts.first ?? 0) + n;
    const p: Promise<void> = send(i, n % opts.urls.length).finally(() => inflight.delete(p));
    inflight.add(p);
    n++;
    timer = setTimeout(tick, Math.max(0, t0 + n * period - performance.now()));
  };
  tick();
  return {
    answers,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await Promise.all([...inflight]);
      return answers.sort((a, b) => a.i - b.i);
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// --- peers that count what they receive ----------------------------------------------------

export interface Peer {
  url: string;
  /** Deliveries received, by the delivery key the sender put on them. */
  received: Map<string, number>;
  /** Requests refused for a bad signature or credentials. */
  refused: number;
  total: () => number;
  close: () => Promise<void>;
}

export interface Peers {
  webhook: Peer;
  sms: Peer;
}

async function countingServer(pathname: string, keyOf: (req: http.IncomingMessage, raw: Buffer) => string | undefined, answer: (res: http.ServerResponse, n: number) => void): Promise<Peer> {
  const received = new Map<string, number>();
  const peer = { refused: 0 } as Peer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = keyOf(req, Buffer.concat(chunks));
      if (!key) {
        peer.refused++;
        return void res.writeHead(401).end();
      }
      received.set(key, (received.get(key) ?? 0) + 1);
      answer(res, received.size);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return Object.assign(peer, {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}${pathname}`,
    received,
    total: () => [...received.values()].reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

/** A webhook subscriber (signatures checked) and an SMS gateway (bearer token checked). */
export async function startPeers(): Promise<Peers> {
  const webhook = await countingServer(
    "/hooks/grievance-hub",
    (req, raw) => {
      const verdict = verifyWebhook(WEBHOOK_SECRET, req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, raw, Math.floor(Date.now() / 1000));
      return verdict.valid ? (req.headers[EVENT_ID_HEADER.toLowerCase()] as string | undefined) : undefined;
    },
    (res) => void res.writeHead(204).end(),
  );
  const sms = await countingServer(
    "/v1/messages",
    (req, raw) => (req.headers.authorization === `Bearer ${SMS_TOKEN}` ? (JSON.parse(raw.toString("utf8")) as { reference: string }).reference : undefined),
    (res, n) => void res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ messageId: `gw-${n}` })),
  );
  return { webhook, sms };
}

// --- Kafka -------------------------------------------------------------------------------

export function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: "faults-test", brokers: brokers.split(","), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

export interface LocalCluster {
  brokers: string;
  /** SIGKILL node n: a crash, nothing flushed, no controlled shutdown. */
  kill: (n: number) => Promise<void>;
  /** Start node n again and wait until it is ready. */
  startNode: (n: number) => Promise<void>;
  destroy: () => Promise<void>;
}

/**
 * A three-node KRaft cluster of the test's own (infra/kafka/kafka.sh with KAFKA_NODES=3):
 * client ports basePort..basePort+2 (node ids 1..3), controllers basePort+100.., data in a
 * temp folder.
 */
export async function startLocalCluster(basePort: number): Promise<LocalCluster> {
  const run = promisify(execFile);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "gh-cluster-"));
  const script = path.join(root, "infra/kafka/kafka.sh");
  const env = {
    ...process.env,
    KAFKA_NODES: "3",
    KAFKA_PORT: String(basePort),
    KAFKA_CONTROLLER_PORT: String(basePort + 100),
    KAFKA_DATA_DIR: dataDir,
    // Three JVMs booting on a busy CI machine: the C1 compiler alone gets them up sooner.
    KAFKA_JVM_OPTS: process.env.KAFKA_JVM_OPTS ?? "-XX:TieredStopAtLevel=1",
  };
  const kafkaSh = async (...args: string[]) => void (await run("bash", [script, ...args], { env, timeout: 240_000 }));
  const cluster: LocalCluster = {
    brokers: [0, 1, 2].map((i) => `127.0.0.1:${basePort + i}`).join(","),
    kill: (n) => kafkaSh("kill", String(n)),
    startNode: (n) => kafkaSh("start-node", String(n)),
    destroy: async () => {
      await kafkaSh("stop").catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await kafkaSh("start");
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}

export interface TopicMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** The CloudEvents headers as text. */
  ce: { id?: string; type?: string; subject?: string };
}

const text = (v: IHeaders[string]): string | undefined => (v === undefined ? undefined : Array.isArray(v) ? String(v[0]) : v.toString());

/** Every message of a topic up to where it ends now, read with a throw-away group. */
export async function readTopic(kafka: Kafka, topic: string): Promise<TopicMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  if (pending.size === 0) return [];
  const groupId = `faults-reader-${Math.random().toString(36).slice(2)}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, maxBytes: 16 * 1024 * 1024 });
  const messages: TopicMessage[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const high = pending.get(partition);
        if (high === undefined || BigInt(message.offset) >= high) return;
        const h = message.headers ?? {};
        messages.push({ partition, offset: message.offset, key: message.key, value: message.value, headers: h, ce: { id: text(h["ce_id"]), type: text(h["ce_type"]), subject: text(h["ce_subject"]) } });
        if (BigInt(message.offset) + 1n >= high) pending.delete(partition);
        if (pending.size === 0) done();
      },
    });
    await Promise.race([finished, sleep(30_000).then(() => Promise.reject(new Error(`reading ${topic}: partitions ${[...pending.keys()].join(",")} did not reach their end`)))]);
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return messages;
}

export interface GroupMember {
  memberId: string;
  /** topic -> partitions assigned to this member */
  assignment: Record<string, number[]>;
}

export async function groupMembers(kafka: Kafka, groupId: string): Promise<GroupMember[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return (groups[0]?.members ?? []).map((m) => ({
      memberId: m.memberId,
      assignment: AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {},
    }));
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every partition of `topics` has been committed by `groupId` up to its end now. */
export async function consumedToEnd(kafka: Kafka, groupId: string, topics: string[], timeoutMs = 30_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, string>();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, p.high);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const committed = new Map<string, string>();
      for (const t of await admin.fetchOffsets({ groupId, topics })) for (const p of t.partitions) committed.set(`${t.topic}:${p.partition}`, p.offset);
      const behind = [...ends].filter(([k, high]) => BigInt(high) > 0n && BigInt(committed.get(k) ?? "-1") < BigInt(high));
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${groupId} has not consumed ${behind.map(([k]) => k).join(", ")} to the end`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

// --- exact accounting ----------------------------------------------------------------------

export interface AccountingOptions {
  db: pg.Pool;
  kafka: Kafka;
  topicPrefix: string;
  /** The grievances answered 202 (or produced): each must be everywhere exactly once. */
  accepted: string[];
  services: ServiceName[];
  /** Case events every grievance must have exactly one of, e.g. case.opened.v1. */
  caseEvents: string[];
  /**
   * "exactly-once": each event is on its topic once. "at-least-once": an event may be on its
   * topic more than once (the relay published it and could not mark it sent), each copy
   * identical, and every consumer applies it once.
   */
  copies: "exactly-once" | "at-least-once";
  peers?: Peers;
  /** false when the grievances were produced as events, around intake. */
  intakeHolds?: boolean;
  /** The status intake must show for every accepted grievance at the end. */
  finalStatus?: string;
}

export interface Accounting {
  /** Every way the books do not balance, in words; empty when they do. */
  problems: string[];
  figures: Record<string, number>;
}

interface EventCopies {
  type: string;
  subject: string;
  copies: number;
  values: Set<string>;
}

function eventsOf(messages: TopicMessage[]): Map<string, EventCopies> {
  const byId = new Map<string, EventCopies>();
  for (const m of messages) {
    const id = m.ce.id ?? `(no ce_id: ${m.partition}/${m.offset})`;
    const e = byId.get(id) ?? { type: m.ce.type ?? "?", subject: m.ce.subject ?? "?", copies: 0, values: new Set<string>() };
    e.copies++;
    e.values.add(m.value?.toString("base64") ?? "");
    byId.set(id, e);
  }
  return byId;
}

const many = (label: string, ids: string[]) => `${ids.length} ${label}${ids.length ? `: ${ids.slice(0, 3).join(", ")}${ids.length > 3 ? ", …" : ""}` : ""}`;

async function rows<T extends pg.QueryResultRow>(db: pg.Pool, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query<T>(sql, params)).rows;
}

/** Ids in `counts` not seen exactly once, and accepted ids missing from it. */
function notOnce(accepted: string[], counts: Map<string, number>): { missing: string[]; twice: string[]; extra: string[] } {
  const set = new Set(accepted);
  return {
    missing: accepted.filter((id) => !counts.has(id)),
    twice: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    extra: [...counts.keys()].filter((id) => !set.has(id)),
  };
}

function report(problems: string[], what: string, r: { missing: string[]; twice: string[]; extra: string[] }): void {
  if (r.missing.length) problems.push(`${what}: ${many("missing", r.missing)}`);
  if (r.twice.length) problems.push(`${what}: ${many("more than once", r.twice)}`);
  if (r.extra.length) problems.push(`${what}: ${many("not accepted", r.extra)}`);
}

const countMap = (list: { id: string; n: string | number }[]) => new Map(list.map((r) => [r.id, Number(r.n)]));

/** The projections alone (cheap): what `settle` polls until it holds. */
export async function projectionProblems(o: AccountingOptions): Promise<Accounting> {
  const problems: string[] = [];
  const figures: Record<string, number> = { accepted: o.accepted.length };
  const has = (s: ServiceName) => o.services.includes(s);
  if (has("intake") && o.intakeHolds !== false) {
    const g = countMap(await rows(o.db, "SELECT id::text AS id, count(*) AS n FROM intake.grievances GROUP BY id"));
    figures.intakeGrievances = g.size;
    report(problems, "intake.grievances", notOnce(o.accepted, g));
    const [u] = await rows<{ n: string }>(o.db, "SELECT count(*) AS n FROM intake.outbox");
    if (Number(u!.n) > 0) problems.push(`intake.outbox: ${u!.n} rows not yet published`);
  }
  if (has("triage")) {
    const c = countMap(await rows(o.db, "SELECT grievance_id::text AS id, count(*) AS n FROM triage.cases GROUP BY grievance_id"));
    figures.cases = c.size;
    report(problems, "triage.cases (one per grievance)", notOnce(o.accepted, c));
    const [u] = await rows<{ n: string }>(o.db, "SELECT count(*) AS n FROM triage.outbox");
    if (Number(u!.n) > 0) problems.push(`triage.outbox: ${u!.n} rows not yet published`);
    // One event of each expected type per case: `account` counts them on cases.internal (the outbox keeps only unpublished rows).
  }
  if (has("intake") && has("triage") && o.intakeHolds !== false) {
    const statusTypes = o.caseEvents.filter((t) => statusEventTypes.includes(t));
    const t = await rows<{ id: string; type: string; n: string }>(o.db, "SELECT grievance_id::text AS id, event_type AS type, count(*) AS n FROM intake.timeline GROUP BY 1, 2");
    for (const type of statusTypes) report(problems, `intake.timeline ${type}`, notOnce(o.accepted, countMap(t.filter((r) => r.type === type))));
    if (o.finalStatus) {
      const { rows: other } = await o.db.query<{ id: string; status: string }>("SELECT id::text AS id, status FROM intake.grievances WHERE id = ANY($1) AND status <> $2", [o.accepted, o.finalStatus]);
      if (other.length > 0) problems.push(`intake status: ${many(`not ${o.finalStatus}`, other.map((r) => `${r.id} (${r.status})`))}`);
    }
  }
  if (has("notification")) {
    const d = await rows<{ status: string; channel: string; n: string }>(o.db, "SELECT status, channel, count(*) AS n FROM notification.deliveries GROUP BY 1, 2");
    for (const r of d) figures[`deliveries.${r.channel}.${r.status}`] = Number(r.n);
    const unfinished = d.filter((r) => r.status !== "sent").reduce((a, r) => a + Number(r.n), 0);
    if (unfinished > 0) problems.push(`notification.deliveries: ${unfinished} not sent (${d.filter((r) => r.status !== "sent").map((r) => `${r.channel} ${r.status} ${r.n}`).join(", ")})`);
    // A receipt SMS per accepted grievance: the complainants all consented.
    const sms = countMap(await rows(o.db, "SELECT grievance_id::text AS id, count(*) AS n FROM notification.deliveries WHERE event_type = 'grievance.received.v1' AND channel = 'sms' GROUP BY 1"));
    report(problems, "notification receipt SMS", notOnce(o.accepted, sms));
    if (o.peers) {
      const sent = await rows<{ key: string; channel: string }>(o.db, "SELECT delivery_key::text AS key, channel FROM notification.deliveries WHERE status = 'sent' AND channel IN ('webhook', 'sms')");
      for (const [channel, peer] of [["webhook", o.peers.webhook], ["sms", o.peers.sms]] as const) {
        const keys = sent.filter((r) => r.channel === channel).map((r) => r.key);
        report(problems, `${channel} peer (received once per sent delivery)`, notOnce(keys, peer.received));
        figures[`${channel}.received`] = peer.total();
        if (peer.refused > 0) problems.push(`${channel} peer refused ${peer.refused} request(s) (bad signature or credentials)`);
      }
    }
  }
  return { problems, figures };
}

/** Projections plus topics and inboxes: the whole account. */
export async function account(o: AccountingOptions): Promise<Accounting> {
  const { problems, figures } = await projectionProblems(o);
  const has = (s: ServiceName) => o.services.includes(s);
  const copiesProblems = (topic: string, events: Map<string, EventCopies>) => {
    const dup = [...events].filter(([, e]) => e.copies > 1);
    figures[`${topic}.messages`] = [...events.values()].reduce((a, e) => a + e.copies, 0);
    figures[`${topic}.events`] = events.size;
    figures[`${topic}.extraCopies`] = dup.reduce((a, [, e]) => a + e.copies - 1, 0);
    if (o.copies === "exactly-once" && dup.length > 0) problems.push(`${topic}: ${many("events on the topic more than once", dup.map(([id, e]) => `${id} (${e.type} x${e.copies})`))}`);
    const differing = dup.filter(([, e]) => e.values.size > 1);
    if (differing.length > 0) problems.push(`${topic}: ${many("events whose copies differ", differing.map(([id]) => id))}`);
  };
  const perSubject = (events: Map<string, EventCopies>, type: string | string[]) => {
    const types = Array.isArray(type) ? type : [type];
    const counts = new Map<string, number>();
    for (const e of events.values()) if (types.includes(e.type)) counts.set(e.subject, (counts.get(e.subject) ?? 0) + 1);
    return counts;
  };

  const grievances = eventsOf(await readTopic(o.kafka, o.topicPrefix + Topics.grievancesInternal));
  copiesProblems("grievances.internal", grievances);
  // Intake publishes v2 (sealed); a test that plays intake's part may publish v1, which triage still reads.
  report(problems, "grievances.internal grievance.received (distinct events per grievance)", notOnce(o.accepted, perSubject(grievances, ["grievance.received.v1", "grievance.received.v2"])));
  if (has("intake") && o.intakeHolds !== false) {
    const pub = eventsOf(await readTopic(o.kafka, o.topicPrefix + Topics.grievancesPublic));
    copiesProblems("grievances.public", pub);
    const missing = [...grievances.keys()].filter((id) => !pub.has(id));
    if (missing.length > 0 || pub.size !== grievances.size) problems.push(`grievances.public: ${pub.size} events for ${grievances.size} internal ones; ${many("without a public counterpart", missing)}`);
  }
  const cases = eventsOf(await readTopic(o.kafka, o.topicPrefix + Topics.casesInternal));
  if (has("triage")) {
    copiesProblems("cases.internal", cases);
    for (const type of o.caseEvents) report(problems, `cases.internal ${type} (distinct events per grievance)`, notOnce(o.accepted, perSubject(cases, type)));
  }
  if (has("notification") && has("triage")) {
    // Every assignment triage published told its caseworker once, by webhook.
    const assigned = [...cases].filter(([, e]) => e.type === "case.assigned.v1").map(([id]) => id);
    const hooks = countMap(await rows(o.db, "SELECT event_id AS id, count(*) AS n FROM notification.deliveries WHERE event_type = 'case.assigned.v1' AND recipient_kind = 'caseworker' AND channel = 'webhook' GROUP BY 1"));
    report(problems, "notification webhook per case.assigned", notOnce(assigned, hooks));
  }
  // Every consumer applied every event on its topics once: its inbox holds each event id.
  const inboxes: [ServiceName, Map<string, EventCopies>[]][] = [
    ["triage", [grievances]],
    ["intake", [cases]],
    ["notification", [grievances, cases]],
  ];
  for (const [service, topics] of inboxes) {
    if (!has(service)) continue;
    const expected = topics.flatMap((t) => [...t.keys()]);
    const inbox = countMap(await rows(o.db, `SELECT event_id AS id, count(*) AS n FROM ${service}.inbox GROUP BY 1`));
    figures[`${service}.inbox`] = inbox.size;
    report(problems, `${service}.inbox (every event on its topics applied once)`, notOnce(expected, inbox));
  }
  return { problems, figures };
}

/**
 * Polls the projections until they balance (or `timeoutMs` passes), then takes the whole
 * account — topics and inboxes too — until it balances or 20 s more pass. Returns the last
 * account either way, so a failing test shows what does not balance.
 */
export async function settle(o: AccountingOptions, timeoutMs = 60_000): Promise<Accounting & { settledMs: number }> {
  const started = Date.now();
  let last = await projectionProblems(o);
  while (last.problems.length > 0 && Date.now() - started < timeoutMs) {
    await sleep(500);
    last = await projectionProblems(o);
  }
  const deadline = Date.now() + 20_000;
  let full = await account(o);
  while (full.problems.length > 0 && Date.now() < deadline) {
    await sleep(1000);
    full = await account(o);
  }
  return { ...full, settledMs: Date.now() - started };
}

// --- a service as a process of its own --------------------------------------------------------

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface ServiceProcess {
  pid: number;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill: (signal: NodeJS.Signals) => void;
}

/** Runs a service's main.ts as its own process, the way it runs in production; resolves once it is ready. */
export async function spawnService(name: ServiceName, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", `services/${name}/src/main.ts`], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  const proc: ServiceProcess = { pid: child.pid!, url, output: () => out, exited, kill: (signal) => void child.kill(signal) };
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gone) throw new Error(`${name} exited during start-up:\n${out}`);
    const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ready) return proc;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} not ready within 60 s:\n${out}`);
    }
    await sleep(200);
  }
}
