// Two triage replicas, grievances from six districts keyed by district (one district per
// partition): both replicas apply work, and no case, link or caseworker-load row is written
// by both replicas (a replica's transaction may hold several of its own partitions' events),
// not even for a team above district level whose caseworker takes cases from every district.
// The consumer never writes the directory.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Partitioners, type Kafka, type Producer } from "kafkajs";
import pg from "pg";
import { encodeEvent, loadConfig } from "@grievance-hub/kit";
import { partitionKeyFor, Topics, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { groupMembers, kafkaClient, type GroupMember, type Triage } from "./support";

const PARTITIONS = 6;
let env: TestEnv;
let triages: Triage[];
let db: pg.Pool;
let kafka: Kafka;
let producer: Producer;

/** Districts whose keys the producer's partitioner puts on every partition, one each. */
function districtPerPartition(topic: string): string[] {
  const partitionOf = Partitioners.DefaultPartitioner();
  const metadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  const found = new Map<number, string>();
  for (let d = 440402; found.size < PARTITIONS; d++) {
    const p = partitionOf({ topic, partitionMetadata: metadata, message: { key: String(d), value: null } });
    if (!found.has(p)) found.set(p, String(d));
  }
  return [...found.values()];
}

// Which partitions' transactions wrote each row: the inbox rows a transaction inserted name them.
const audit = `
  CREATE TABLE public.row_writers (tbl text NOT NULL, row_key text NOT NULL, partitions int[]);
  CREATE FUNCTION public.note_row_writer() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE r jsonb := to_jsonb(NEW);
  BEGIN
    INSERT INTO public.row_writers SELECT TG_TABLE_NAME,
      CASE TG_TABLE_NAME WHEN 'caseworker_assignments' THEN (r->>'caseworker_id') || '@' || (r->>'district')
                         WHEN 'case_links' THEN (r->>'case_id') || '/' || (r->>'grievance_id') ELSE r->>'id' END,
      (SELECT array_agg(DISTINCT kafka_partition) FROM triage.inbox WHERE xmin = (txid_current() % 4294967296)::text::xid);
    RETURN NULL;
  END $$;
  CREATE TRIGGER cases_writer AFTER INSERT OR UPDATE ON triage.cases FOR EACH ROW EXECUTE FUNCTION public.note_row_writer();
  CREATE TRIGGER links_writer AFTER INSERT OR UPDATE ON triage.case_links FOR EACH ROW EXECUTE FUNCTION public.note_row_writer();
  CREATE TRIGGER assignments_writer AFTER INSERT OR UPDATE ON triage.caseworker_assignments FOR EACH ROW EXECUTE FUNCTION public.note_row_writer();
  CREATE TRIGGER caseworkers_writer AFTER INSERT OR UPDATE ON triage.caseworkers FOR EACH ROW EXECUTE FUNCTION public.note_row_writer();`;

beforeAll(async () => {
  env = await createTestEnv();
  triages = [];
  for (let r = 0; r < 2; r++) triages.push(await startTriage(loadConfig(TriageConfig, { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" }), env.logger));
  db = new pg.Pool({ connectionString: env.databaseUrl });
  kafka = kafkaClient(env.kafkaBrokers);
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await Promise.allSettled((triages ?? []).map((t) => t.stop()));
  await db?.end();
  await env?.drop();
});

async function put(path: string, body: unknown, token: string): Promise<void> {
  const res = await fetch(`${triages[0]!.url}/v1/admin/${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  expect(res.status, `PUT ${path}`).toBe(200);
}

const neighbourly = ["楼上邻居每天半夜装修，电钻声吵得人睡不着", "隔壁邻居家的狗整夜叫，沟通过也没有用", "对门邻居把杂物堆在楼道里，出入很不方便"];
const wages = "老板拖欠我们三个月工资，一直不给。";

function grievance(divisionCode: string, description: string, phoneHash: string): GrievanceReceivedV1 {
  return {
    grievanceId: randomUUID(),
    trackingCode: `TR${randomBytes(4).toString("hex").toUpperCase()}`,
    channel: "phone",
    receivedAt: new Date().toISOString(),
    divisionCode,
    language: "zh",
    description,
    complainant: { anonymous: false, name: "Li Wei", phone: "+8613800138000", phoneHash, language: "zh", consentToContact: true },
    location: { divisionCode },
  };
}

describe("two triage replicas, one district per partition", () => {
  it("both apply work, and no case, link or caseworker-load row is written from two partitions", async () => {
    const topic = env.topicPrefix + Topics.grievancesInternal;
    const districts = districtPerPartition(topic);
    const admin = await tokenFor("admin", "admin-1");
    const all = ["family", "neighbour", "land_housing", "consumer", "public_services", "legal", "other"];
    // Labour goes to one caseworker of a team above the districts, who serves them all.
    await put("teams/labour-office", { name: "Labour office", level: "district", divisionPrefix: "4404", categories: ["labour"] }, admin);
    await put("caseworkers/cw-labour", { teamId: "labour-office", name: "Lao", categories: ["labour"], languages: ["zh"], capacity: 1000 }, admin);
    for (const d of districts) {
      await put(`teams/community-${d}`, { name: `Community ${d}`, level: "community", divisionPrefix: d, categories: all }, admin);
      for (const n of [1, 2]) await put(`caseworkers/cw-${d}-${n}`, { teamId: `community-${d}`, name: `Worker ${n}`, categories: all, languages: ["zh"], capacity: 1000 }, admin);
    }
    await db.query(audit);

    // Both replicas hold partitions before the load, and still the same ones after it.
    const group = env.topicPrefix + "triage";
    const owners = (members: GroupMember[]) => members.map((m) => (m.assignment[topic] ?? []).slice().sort().join(",")).sort();
    const before = await eventually(async () => {
      const members = await groupMembers(kafka, group);
      return members.length === 2 && members.every((m) => (m.assignment[topic] ?? []).length > 0) ? members : undefined;
    }, 60_000, "both replicas to hold partitions");

    // Per district: ten callers, one of them calling back about the same matter, and a wage claim.
    const grievances = districts.flatMap((d) => {
      const callers = Array.from({ length: 10 }, () => randomBytes(16).toString("hex"));
      return [
        ...callers.map((c, i) => grievance(`${d}001${String(i).padStart(3, "0")}`, neighbourly[i % neighbourly.length]!, c)),
        grievance(`${d}001000`, neighbourly[0]!, callers[0]!),
        grievance(`${d}002001`, wages, randomBytes(16).toString("hex")),
      ];
    });
    const events = grievances.map((g) => encodeEvent("grievance.received.v1", g, { source: "/grievance-hub/intake", topicPrefix: env.topicPrefix }));
    expect(new Set(events.map((e) => e.key))).toEqual(new Set(districts));
    await producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.key, value: e.value, headers: e.headers })) });
    await eventually(async () => {
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM triage.inbox WHERE event_id = ANY($1)", [events.map((e) => e.eventId)]);
      return rows[0]!.n === events.length ? true : undefined;
    }, 60_000, "both replicas to apply every grievance");
    expect(owners(await groupMembers(kafka, group)), "the same partitions throughout").toEqual(owners(before));

    // Every grievance decided once: a case for each but the repeat, which joined its caller's case.
    const { rows: cases } = await db.query<{ n: number; assigned: number; labour: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'assigned')::int AS assigned, count(*) FILTER (WHERE caseworker_id = 'cw-labour')::int AS labour FROM triage.cases",
    );
    expect(cases[0]).toEqual({ n: districts.length * 11, assigned: districts.length * 11, labour: districts.length });
    const { rows: repeats } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM triage.cases WHERE repeat_count = 1");
    expect(repeats[0]!.n).toBe(districts.length);

    const { rows: writers } = await db.query<{ tbl: string; row_key: string; partitions: number[] }>(
      "SELECT tbl, row_key, array_agg(DISTINCT p ORDER BY p) AS partitions FROM public.row_writers, unnest(partitions) AS p GROUP BY 1, 2",
    );
    const { rows: directoryWrites } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM public.row_writers WHERE tbl = 'caseworkers'");
    expect(directoryWrites[0]!.n, "the consumer writes no directory row").toBe(0);
    expect(writers.length, "rows written by the consumer").toBeGreaterThan(districts.length * 11);
    // Each row's writers' partitions all held by one replica (the assignment did not change meanwhile, checked above).
    const holderOf = (p: number) => before.findIndex((m) => (m.assignment[topic] ?? []).includes(p));
    expect(writers.filter((w) => new Set(w.partitions.map(holderOf)).size > 1), "rows written by both replicas").toEqual([]);
    expect(writers.filter((w) => w.partitions.some((p) => holderOf(p) < 0)), "rows written from a partition no replica holds").toEqual([]);
    const labourRows = writers.filter((w) => w.tbl === "caseworker_assignments" && w.row_key.startsWith("cw-labour@"));
    expect(labourRows, "the labour caseworker's load: one row per district").toHaveLength(districts.length);
    const wrote = new Set(writers.flatMap((w) => w.partitions));
    for (const m of before) expect((m.assignment[topic] ?? []).some((p) => wrote.has(p)), `replica ${m.memberId} applied work`).toBe(true);
  }, 180_000);
});
