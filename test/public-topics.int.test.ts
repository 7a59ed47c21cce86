// The public topics over the real broker and database: grievances with distinctive personal
// data go through intake, triage and case actions; then every message of the public topics is
// read back. They are exactly as complete as the internal topics, each fits its published JSON
// Schema and the documented CloudEvents headers, and none holds any of the personal data.
// The example subscriber, run as its own process, counts the same grievances.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type IHeaders } from "kafkajs";
import YAML from "yaml";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { partitionKeyFor, Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { closed, compileValidators, contractDir, describeErrors, readPublishedSchemas } from "../packages/schema/test/published-validators";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "./support";

let env: TestEnv;
let services: RunningService[] = [];
let kafka: Kafka;
let intakeUrl: string;
let triageUrl: string;

const team = "xiangzhou-community";
const caseworker = "cw-lin-7731";
const caseworkerName = "林晓东";

const grievances = [
  {
    channel: "phone",
    complainant: { name: "欧阳娜娜", phone: "138 0013 8472", language: "zh", consentToContact: true },
    location: { divisionCode: "440402001001", address: "香洲区凤凰路88号3栋502" },
    description: "楼上邻居欧阳先生每天深夜在凤凰路家里装修，电钻声吵得全家睡不着，沟通多次无果",
    externalReference: "HOTLINE-REF-5521",
  },
  {
    channel: "web",
    complainant: { name: "Bartholomew Quimby", phone: "+86 (139) 2233-4455", language: "en", consentToContact: true },
    location: { divisionCode: "440402001002", address: "Flat 7, 12 Lotus Lane", coordinates: { lat: 22.271234, lon: 113.576543 } },
    description: "My upstairs neighbour Mr Quimby-Smythe at Lotus Lane plays drums until 2am every night and ignores our complaints about the noise",
  },
  {
    channel: "walk_in",
    complainant: { name: "司马秋菊", phone: "+86 186-2233-9901", language: "zh", consentToContact: true },
    location: { divisionCode: "440402001003" },
    description: "丈夫司马先生长期不给家用，还因为孩子抚养问题和婆婆吵架，想申请调解",
  },
  {
    channel: "letter",
    anonymous: true,
    language: "en",
    location: { divisionCode: "440402001001", address: "Room 1408, Orchid Tower" },
    description: "The landlord of my flat kept my deposit of 3000 yuan and refuses to return it after I moved out of Orchid Tower",
  },
];
const noteText = "Spoke with Mr Quimby-Smythe on the phone; he agreed to stop drumming after 10pm";
const mediationPlace = "凤凰社区调解室A-17";
const resolutionSummary = "双方签订书面协议：晚十点后停止敲鼓，Quimby-Smythe 赔偿隔音棉费用";

/** Every personal value the test put in, and recognisable pieces of them. */
const personal = [
  "欧阳娜娜", "欧阳", "Bartholomew", "Quimby", "司马秋菊", "司马",
  "香洲区凤凰路88号3栋502", "凤凰路", "Lotus Lane", "Flat 7", "Room 1408", "Orchid Tower",
  "欧阳先生", "电钻声吵得全家睡不着", "plays drums until 2am", "ignores our complaints", "不给家用", "婆婆吵架", "deposit of 3000 yuan",
  "HOTLINE-REF-5521", "22.271234", "113.576543",
  noteText, "stop drumming", mediationPlace, "调解室A-17", resolutionSummary, "隔音棉", caseworker, caseworkerName,
];
/** Phone numbers in any notation: looked for among the digits of a message alone. */
const phoneDigits = ["13800138472", "13922334455", "18622339901"];
const trackingCodes: string[] = [];

const asJson = (token: string) => ({ "content-type": "application/json", authorization: `Bearer ${token}` });

async function call(method: string, url: string, token: string, body?: unknown): Promise<any> {
  const res = await fetch(url, { method, headers: asJson(token), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  env = await createTestEnv();
  services = [
    await startIntake(loadConfig(IntakeConfig, env.env), env.logger),
    await startTriage(loadConfig(TriageConfig, env.env), env.logger),
    await startNotification(loadConfig(NotificationConfig, env.env), env.logger),
  ];
  intakeUrl = services[0]!.url;
  triageUrl = services[1]!.url;
  kafka = new Kafka({ clientId: "public-topics-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });

  const admin = await tokenFor("admin", "admin-1");
  await call("PUT", `${triageUrl}/v1/admin/teams/${team}`, admin, { name: "Xiangzhou community mediation", level: "community", divisionPrefix: "440402001", categories: ["neighbour", "family"] });
  // A team without caseworkers, so the land dispute waits in its queue (case.queued.v1).
  await call("PUT", `${triageUrl}/v1/admin/teams/xiangzhou-district`, admin, { name: "Xiangzhou district housing", level: "district", divisionPrefix: "440402", categories: ["land_housing"] });
  await call("PUT", `${triageUrl}/v1/admin/caseworkers/${caseworker}`, admin, { teamId: team, name: caseworkerName, categories: ["neighbour", "family"], languages: ["zh", "en"], capacity: 10 });

  const operator = await tokenFor("operator", "op-1");
  for (const g of grievances) {
    const answer = (await call("POST", `${intakeUrl}/v1/grievances`, operator, g)) as { trackingCode: string };
    trackingCodes.push(answer.trackingCode);
  }
});

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  await env?.drop();
});

interface Message {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(Array.isArray(v) ? v[0] : v)]])));
}

/** Every message the topic holds now, read from the beginning with a group of its own. */
async function readAll(topic: string): Promise<Message[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]));
  const messages: Message[] = [];
  if (pending.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `${env.topicPrefix}reader-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      messages.push({ topic, key: message.key?.toString() ?? "", value: message.value?.toString() ?? "", headers: headersOf(message.headers) });
      if (pending.get(partition) === BigInt(message.offset)) pending.delete(partition);
    },
  });
  await eventually(async () => (pending.size === 0 ? true : undefined), 30_000, `every message of ${topic}`);
  await consumer.disconnect();
  return messages;
}

/** Until intake's and triage's outboxes are empty and the topics stop growing. */
async function quiet(topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const total = async () => {
    let n = 0n;
    for (const t of topics) for (const p of await admin.fetchTopicOffsets(t)) n += BigInt(p.high);
    return n;
  };
  try {
    await eventually(async () => {
      for (const s of services.slice(0, 2)) {
        const body = (await (await fetch(`${s.url}/health/ready`)).json()) as { checks: { name: string; unsent?: number }[] };
        if (body.checks.find((c) => c.name === "outbox")?.unsent !== 0) return undefined;
      }
      const before = await total();
      await new Promise((r) => setTimeout(r, 1000));
      return (await total()) === before ? true : undefined;
    }, 30_000, "the outboxes to drain");
  } finally {
    await admin.disconnect();
  }
}

function leaks(m: Message): string[] {
  const text = [m.key, m.value, ...Object.entries(m.headers).flat()].join("\n");
  const digits = text.replace(/\D/g, "");
  return [
    ...personal.filter((p) => text.includes(p)),
    ...trackingCodes.filter((c) => text.includes(c)),
    ...phoneDigits.filter((d) => digits.includes(d)),
  ];
}

const topic = (name: string) => env.topicPrefix + name;

describe("public topics", () => {
  const read: Record<string, Message[]> = {};

  it("carries the case through triage and the caseworker's actions", async () => {
    const admin = await tokenFor("admin", "admin-1");
    type Task = { caseId: string; trackingCode: string; status: string; caseworkerId: string | null; category: string | null };
    const tasks = await eventually(async () => {
      const { tasks } = (await call("GET", `${triageUrl}/v1/tasks?limit=500`, admin)) as { tasks: Task[] };
      const settled = tasks.filter((t) => t.status === "assigned" || t.status === "queued");
      return settled.length === grievances.length ? tasks : undefined;
    }, 45_000, "every grievance to be assigned or queued");
    const byCode = new Map(tasks.map((t) => [t.trackingCode, t]));
    expect(trackingCodes.map((c) => byCode.get(c)?.status)).toEqual(["assigned", "assigned", "assigned", "queued"]);
    expect(trackingCodes.map((c) => byCode.get(c)?.caseworkerId)).toEqual([caseworker, caseworker, caseworker, null]);

    const cw = await tokenFor("caseworker", caseworker, { team });
    const english = byCode.get(trackingCodes[1]!)!.caseId;
    await call("POST", `${triageUrl}/v1/cases/${english}/accept`, cw, {});
    await call("POST", `${triageUrl}/v1/cases/${english}/mediation`, cw, { at: new Date(Date.now() + 86_400_000).toISOString(), place: mediationPlace });
    await call("POST", `${triageUrl}/v1/cases/${english}/notes`, cw, { text: noteText });
    const resolved = await call("POST", `${triageUrl}/v1/cases/${english}/resolve`, cw, { outcome: "mediated_agreement", summary: resolutionSummary });
    expect(resolved).toMatchObject({ status: "resolved" });
    const chinese = byCode.get(trackingCodes[0]!)!.caseId;
    await call("POST", `${triageUrl}/v1/cases/${chinese}/accept`, cw, {});

    const all = [Topics.grievancesInternal, Topics.grievancesPublic, Topics.casesInternal, Topics.casesPublic].map(topic);
    await quiet(all);
    for (const t of all) read[t] = await readAll(t);
  });

  it("is exactly as complete as the internal topics: the same events, by id and type", () => {
    const events = (t: string) => read[topic(t)]!.map((m) => `${m.headers.ce_id} ${m.headers.ce_type}`).sort();
    expect(events(Topics.grievancesPublic)).toHaveLength(grievances.length);
    expect(events(Topics.grievancesPublic)).toEqual(events(Topics.grievancesInternal));
    expect(events(Topics.casesPublic)).toEqual(events(Topics.casesInternal));
    const types = new Set(read[topic(Topics.casesPublic)]!.map((m) => m.headers.ce_type));
    expect([...types]).toEqual(expect.arrayContaining(["case.opened.v1", "grievance.triaged.v2", "case.assigned.v1", "case.queued.v1", "case.accepted.v1", "case.mediation_scheduled.v2", "case.note_added.v2", "case.resolved.v2"]));
  });

  it("publishes only events that fit their published public JSON Schema and declare nothing more", () => {
    const validators = compileValidators(readPublishedSchemas("public"), closed);
    for (const m of [...read[topic(Topics.grievancesPublic)]!, ...read[topic(Topics.casesPublic)]!]) {
      const validate = validators.get(m.headers.ce_type!);
      expect(validate, m.headers.ce_type).toBeDefined();
      expect(validate!(JSON.parse(m.value)), `${m.headers.ce_type} ${m.headers.ce_id}: ${describeErrors(validate!)}`).toBe(true);
    }
  });

  it("sends the CloudEvents headers the AsyncAPI document describes for that message on that channel", () => {
    type Headers = { allOf: [{ $ref: string }, Record<string, unknown>] };
    const doc = YAML.parse(readFileSync(path.join(contractDir, "asyncapi.yaml"), "utf8")) as {
      channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
      components: { schemas: { CloudEventsKafkaHeaders: Record<string, unknown> }; messages: Record<string, { headers: Headers }> };
    };
    // The message's header schema with its one $ref (to the shared CloudEvents headers) put in place.
    const headerSchemas = new Map(
      Object.entries(doc.components.messages).map(([id, m]) => [id, { allOf: [doc.components.schemas.CloudEventsKafkaHeaders, m.headers.allOf[1]] }] as const),
    );
    const validators = compileValidators(headerSchemas);
    expect(Object.keys(read)).toHaveLength(4);
    for (const [t, messages] of Object.entries(read)) {
      const channel = Object.values(doc.channels).find((c) => env.topicPrefix + c.address.slice("gh.".length) === t)!;
      for (const m of messages) {
        const ref = channel.messages[m.headers.ce_type!];
        expect(ref, `${t} has a message ${m.headers.ce_type}`).toBeDefined();
        const validate = validators.get(ref!.$ref.split("/").pop()!)!;
        expect(validate(m.headers), `${t} ${m.headers.ce_type}: ${describeErrors(validate)}`).toBe(true);
        // Keyed by the district; the events that name the division must name the same one.
        const { divisionCode } = JSON.parse(m.value) as { divisionCode?: string };
        expect(m.key).toMatch(/^[0-9]{6}$/);
        if (divisionCode !== undefined) expect(m.key).toBe(partitionKeyFor(divisionCode));
      }
    }
  });

  it("holds none of the complainants', the notes' or the caseworker's personal data", () => {
    const internal = read[topic(Topics.grievancesInternal)]!.flatMap(leaks);
    expect(internal, "the internal topic does carry tracking codes (so the check can fail)").toEqual(expect.arrayContaining([trackingCodes[0]]));
    // grievance.received.v2 carries the complainant's name, phone and address sealed only.
    for (const p of ["欧阳娜娜", "Lotus Lane", "13800138472"]) expect(internal).not.toContain(p);
    for (const m of [...read[topic(Topics.grievancesPublic)]!, ...read[topic(Topics.casesPublic)]!]) {
      expect(leaks(m), `${m.topic} ${m.headers.ce_type}: ${m.value}`).toEqual([]);
    }
  });

  it("is counted by the example subscriber, per category and urgency, with its own group and the published schemas only", async () => {
    const events = read[topic(Topics.casesPublic)]!;
    const expected = new Map<string, Map<string, number>>();
    for (const m of events.filter((e) => e.headers.ce_type === "grievance.triaged.v2")) {
      const { category, urgency } = JSON.parse(m.value) as { category: string; urgency: string };
      const row = expected.get(category) ?? new Map<string, number>();
      row.set(urgency, (row.get(urgency) ?? 0) + 1);
      expected.set(category, row);
    }

    const child = spawn(process.execPath, [path.resolve(import.meta.dirname, "../examples/subscriber/index.mjs")], {
      env: { ...process.env, KAFKA_BROKERS: env.kafkaBrokers, TOPIC: topic(Topics.casesPublic), GROUP: `${env.topicPrefix}example-statistics`, PRINT_EVERY: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => void (out += chunk));
    child.stderr.on("data", (chunk) => void (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await eventually(async () => (out.includes(`${events.length} events read`) ? true : undefined), 30_000, `the subscriber to read ${events.length} events:\n${out}`);
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);

    const table = out.slice(out.lastIndexOf(`${events.length} events read`));
    expect(table).toMatch(new RegExp(`^${events.length} events read \\(0 invalid, 0 skipped\\)`));
    const [header, ...rows] = table.split("\n").slice(1).filter((l) => l.trim());
    const urgencies = header!.trim().split(/\s+/).slice(1, -1);
    const counted = new Map<string, Map<string, number>>();
    for (const r of rows.filter((r) => !r.startsWith("total"))) {
      const [category, ...cells] = r.trim().split(/\s+/);
      const row = new Map(urgencies.map((u, i) => [u, Number(cells[i])] as const).filter(([, n]) => n !== 0));
      if (row.size > 0) counted.set(category!, row);
    }
    expect(counted).toEqual(expected);
    expect([...expected.values()].flatMap((r) => [...r.values()]).reduce((a, b) => a + b, 0)).toBe(grievances.length);
  });
});
