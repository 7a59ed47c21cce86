// Personal data retention over real Kafka and Postgres, with two intake replicas (one running
// the job every second): a person whose every grievance has been finished for longer than
// PERSONAL_DATA_RETENTION_DAYS is erased (key destroyed, fields replaced, personal_data.erased.v1
// once per grievance, whichever replica got there); a person with a case still open, or
// finished within the window, keeps their data; while another replica holds the round's lock, a
// round erases nobody.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { erasePastRetention, type RetentionRound } from "../../services/intake/src/commands/personal-data-retention";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { kafkaClient, readTopic } from "../faults/support";

let env: TestEnv;
let replicas: RunningService[] = [];
let db: pg.Pool;
let whileLocked: RetentionRound;
let erasedWhileLocked = -1;

const people = {
  /** every grievance finished 40 days ago: erased */
  gone: { phone: "+86 13911110001", n: 2 },
  /** one finished long ago, one still being worked on: kept (one key seals both) */
  open: { phone: "+86 13911110002", n: 2 },
  /** finished 10 days ago, within the 30-day window: kept */
  recent: { phone: "+86 13911110003", n: 1 },
};
const ids: Record<keyof typeof people | "anonymous", string[]> = { gone: [], open: [], recent: [], anonymous: [] };

async function record(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${replicas[0]!.url}/v1/grievances`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` },
    body: JSON.stringify({ channel: "phone", location: { divisionCode: "440402001001" }, description: "Neighbour's renovation at night, Halvorsen-retention", ...body }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

const finishedDaysAgo = (grievanceIds: string[], days: number, status = "closed") =>
  db.query("UPDATE intake.grievances SET status = $2, status_changed_at = now() - $3 * interval '1 day' WHERE id = ANY($1::uuid[])", [grievanceIds, status, days]);

beforeAll(async () => {
  env = await createTestEnv();
  const config = { ...env.env, PERSONAL_DATA_RETENTION_DAYS: "30" };
  replicas = [
    await startIntake(loadConfig(IntakeConfig, { ...config, RETENTION_INTERVAL_MS: "1000" }), env.logger),
    await startIntake(loadConfig(IntakeConfig, { ...config, RETENTION_INTERVAL_MS: "3600000" }), env.logger),
  ];
  db = new pg.Pool({ connectionString: env.databaseUrl });
  for (const [who, p] of Object.entries(people) as [keyof typeof people, (typeof people)[keyof typeof people]][]) {
    for (let i = 0; i < p.n; i++) ids[who].push(await record({ complainant: { name: `Person ${who}`, phone: p.phone, language: "en", consentToContact: true }, location: { divisionCode: i === 0 ? "440402001001" : "440403001001" } }));
  }
  ids.anonymous.push(await record({ anonymous: true, language: "en" }));
  // Nothing is finished yet: a few rounds erase nobody.
  await sleep(2_500);
  expect((await db.query("SELECT count(*)::int AS n FROM keyring.data_keys WHERE destroyed_at IS NOT NULL")).rows[0].n).toBe(0);
  // A round's lock held elsewhere (another replica's round): the scheduled rounds and one run here erase nobody.
  const holder = await db.connect();
  await holder.query("BEGIN");
  await holder.query("SELECT pg_advisory_xact_lock(hashtext('personal-data-retention:intake'))");
  await finishedDaysAgo(ids.gone, 40);
  await finishedDaysAgo([ids.gone[1]!], 35, "resolved");
  await finishedDaysAgo([ids.open[0]!], 40);
  await finishedDaysAgo([ids.open[1]!], 0, "in_progress");
  await finishedDaysAgo(ids.recent, 10);
  await finishedDaysAgo(ids.anonymous, 31, "closed");
  whileLocked = await erasePastRetention(replicas[1]!.runtime, 30);
  await sleep(2_500);
  erasedWhileLocked = (await db.query("SELECT count(*)::int AS n FROM keyring.data_keys WHERE destroyed_at IS NOT NULL")).rows[0].n;
  await holder.query("COMMIT");
  holder.release();
  // Released: the scheduled rounds of one replica and a round of the other go at once.
  await erasePastRetention(replicas[1]!.runtime, 30);
}, 90_000);

afterAll(async () => {
  await Promise.allSettled(replicas.map((s) => s.stop()));
  await db?.end();
  await env?.drop();
});

describe("personal data retention", () => {
  it("erases nobody while another replica's round holds the lock", () => {
    expect(whileLocked).toEqual({ ran: false });
    expect(erasedWhileLocked).toBe(0);
  });

  it("erases the persons whose every grievance was finished longer ago than the policy allows, once", async () => {
    const erased = [...ids.gone, ...ids.anonymous];
    await eventually(async () => {
      const { rows } = await db.query("SELECT count(*)::int AS n FROM intake.grievances WHERE id = ANY($1::uuid[]) AND description = '[erased]' AND (complainant_name IS NULL OR complainant_name = '[erased]')", [erased]);
      return rows[0].n === erased.length ? true : undefined;
    }, 30_000, "the retention job to erase");
    const { rows: keys } = await db.query<{ subject: string }>("SELECT subject FROM keyring.data_keys WHERE destroyed_at IS NOT NULL ORDER BY subject");
    const subjects = keys.map((k) => k.subject);
    expect(subjects).toHaveLength(2);
    expect(subjects).toContain(`grievance:${ids.anonymous[0]}`);
    expect(subjects.filter((s) => s.startsWith("phone:"))).toHaveLength(1);
    // Several more rounds on both replicas: nobody is erased twice.
    await sleep(3_000);
    const events = (await readTopic(kafkaClient(env.kafkaBrokers), env.topicPrefix + Topics.grievancesInternal)).filter((m) => m.ce.type === "personal_data.erased.v1");
    expect(events.map((m) => m.ce.subject).sort()).toEqual([...erased].sort());
    const publicEvents = (await readTopic(kafkaClient(env.kafkaBrokers), env.topicPrefix + Topics.grievancesPublic)).filter((m) => m.ce.type === "personal_data.erased.v1");
    expect(publicEvents).toHaveLength(erased.length);
  });

  it("keeps a person with a case still open, or finished within the window, readable", async () => {
    const { rows } = await db.query("SELECT count(*)::int AS n FROM intake.grievances WHERE id = ANY($1::uuid[]) AND description LIKE 'ghs1.%'", [[...ids.open, ...ids.recent]]);
    expect(rows[0].n).toBe(3);
    const res = await fetch(`${replicas[1]!.url}/v1/grievances/${ids.open[0]}`, { headers: { authorization: `Bearer ${await tokenFor("operator")}` } });
    expect(await res.json()).toMatchObject({ description: "Neighbour's renovation at night, Halvorsen-retention", complainant: { name: "Person open" } });
  });
});
