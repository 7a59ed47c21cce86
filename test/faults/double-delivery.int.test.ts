// Fault 5: every event delivered twice. After a realistic run (grievances through intake, a
// repeat caller, assignments, a caseworker's actions, deadline breaches and escalations), every
// message of every internal topic is produced once more, same key, headers and value. No row of
// any table of intake, triage or notification changes, no event is published, nothing is sent.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Kafka } from "kafkajs";
import pg from "pg";
import { Topics } from "@grievance-hub/schema";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { consumedToEnd, grievanceBody, kafkaClient, logTail, readTopic, seedDirectory, sleep, staff, startPeers, startSystem, type Peers, type System } from "./support";

let env: TestEnv;
let peers: Peers;
let system: System;
let db: pg.Pool;
let kafka: Kafka;

beforeAll(async () => {
  env = await createTestEnv();
  peers = await startPeers();
  system = await startSystem(env, { peers });
  await seedDirectory(system.triages[0]!.url, system.notifications[0]!.url, peers);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  kafka = kafkaClient(env.kafkaBrokers);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await Promise.allSettled([peers?.webhook.close(), peers?.sms.close()]);
  await db?.end();
  await env?.drop();
});

/** Every row of every table the three services own, as JSON, in a stable order. */
async function snapshot(): Promise<Record<string, string[]>> {
  const { rows: tables } = await db.query<{ t: string }>(
    `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
     WHERE table_schema IN ('intake', 'triage', 'notification') AND table_type = 'BASE TABLE' AND table_name NOT IN ('schema_migrations', 'rate_limit_windows') ORDER BY 1`,
  );
  const out: Record<string, string[]> = {};
  for (const { t } of tables) out[t] = (await db.query<{ r: string }>(`SELECT to_jsonb(x)::text AS r FROM ${t} x ORDER BY 1`)).rows.map((r) => r.r);
  return out;
}

const internalTopics = () => [env.topicPrefix + Topics.grievancesInternal, env.topicPrefix + Topics.casesInternal];

/** Everything published and applied, every delivery finished. */
async function quiet(): Promise<void> {
  const unfinished = async () => {
    const { rows } = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM triage.outbox)
            + (SELECT count(*) FROM notification.deliveries WHERE status = 'pending') AS n`,
    );
    return Number(rows[0]!.n);
  };
  // Until nothing is unsent or pending once every consumer has reached the end of its topics:
  // the last events a consumer applies can make deliveries due after the first look.
  for (;;) {
    await eventually(async () => ((await unfinished()) === 0 ? true : undefined), 60_000, "outboxes drained and deliveries finished");
    const [grievances, cases] = internalTopics();
    await consumedToEnd(kafka, env.topicPrefix + "triage", [grievances!]);
    await consumedToEnd(kafka, env.topicPrefix + "intake", [cases!]);
    await consumedToEnd(kafka, env.topicPrefix + "notification", [grievances!, cases!]);
    if ((await unfinished()) === 0) return;
  }
}

async function highWatermarks(): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const out: Record<string, number> = {};
    for (const topic of [...internalTopics(), env.topicPrefix + Topics.grievancesPublic, env.topicPrefix + Topics.casesPublic]) {
      out[topic] = (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

describe("every event delivered twice", () => {
  it("changes no projection, publishes nothing and sends nothing", async () => {
    onTestFailed(() => console.error(logTail(system.logs)));
    const intake = system.intakes[0]!.url;
    const triage = system.triages[0]!;
    const operator = { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator")}` };
    const post = async (body: object) => {
      const res = await fetch(`${intake}/v1/grievances`, { method: "POST", headers: operator, body: JSON.stringify(body) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await post(grievanceBody(i)));
    // Two callers ring again about the same matter: repeats, linked to their open cases.
    const repeats = [await post(grievanceBody(0)), await post(grievanceBody(1))];
    await eventually(async () => {
      const { rows } = await db.query<{ cases: number; links: number }>("SELECT (SELECT count(*)::int FROM triage.cases) AS cases, (SELECT count(*)::int FROM triage.case_links WHERE kind = 'repeat') AS links");
      return rows[0]!.cases === ids.length && rows[0]!.links === repeats.length ? true : undefined;
    }, 30_000, "every grievance triaged");

    // The caseworker works two cases: one accepted, noted and resolved; one accepted and escalated.
    const cw = { "content-type": "application/json", authorization: `Bearer ${await tokenFor("caseworker", staff.community, { team: "community" })}` };
    const { rows: mine } = await db.query<{ id: string }>("SELECT id FROM triage.cases WHERE caseworker_id = $1 ORDER BY received_at LIMIT 2", [staff.community]);
    const act = async (caseId: string, action: string, body: object = {}) => {
      const res = await fetch(`${triage.url}/v1/cases/${caseId}/${action}`, { method: "POST", headers: cw, body: JSON.stringify(body) });
      expect(res.status, `${action}: ${await res.clone().text()}`).toBe(200);
    };
    await act(mine[0]!.id, "accept");
    await act(mine[0]!.id, "notes", { text: "Spoke to both neighbours; quiet hours agreed in principle." });
    await act(mine[0]!.id, "resolve", { outcome: "mediated_agreement", summary: "Quiet hours after 22:00." });
    await act(mine[1]!.id, "accept");
    await act(mine[1]!.id, "escalate", { reason: "Needs the street office's authority." });
    // A day later nobody has acknowledged the rest: breaches, escalations to the street team.
    const acted = await triage.scheduler.tick(new Date(Date.now() + 25 * 3600_000));
    expect(acted.breaches).toBeGreaterThan(0);
    await quiet();

    const before = await snapshot();
    const watermarksBefore = await highWatermarks();
    const sentBefore = { webhook: peers.webhook.total(), sms: peers.sms.total() };
    const types = (t: string, col = "type") => before[t]!.map((r) => (JSON.parse(r) as Record<string, string>)[col]);
    expect(new Set(types("triage.case_timeline"))).toEqual(new Set(["case.opened", "grievance.triaged", "case.assigned", "case.accepted", "case.note_added", "case.resolved", "case.follow_up_scheduled", "case.escalated", "case.deadline_breached"]));
    expect(new Set(types("notification.deliveries", "channel"))).toEqual(new Set(["webhook", "sms"]));
    expect(sentBefore.webhook).toBeGreaterThan(ids.length);

    // Every message of every internal topic once more, to the partition it came from.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let again = 0;
    for (const topic of internalTopics()) {
      const messages = await readTopic(kafka, topic);
      await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ partition: m.partition, key: m.key, value: m.value, headers: m.headers })) });
      again += messages.length;
    }
    await producer.disconnect();
    await quiet();
    // Time for the delivery worker to send anything that became due (nothing should have).
    await sleep(1500);

    const after = await snapshot();
    const changed: Record<string, { gone: string[]; new: string[] }> = {};
    for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const was = new Set(before[table]);
      const is = new Set(after[table]);
      const gone = [...was].filter((r) => !is.has(r));
      const added = [...is].filter((r) => !was.has(r));
      if (gone.length || added.length || before[table]?.length !== after[table]?.length) changed[table] = { gone: gone.slice(0, 2), new: added.slice(0, 2) };
    }
    expect(changed, "rows that changed").toEqual({});
    const watermarksAfter = await highWatermarks();
    expect(Object.values(watermarksAfter).reduce((a, b) => a + b, 0), "messages on the topics").toBe(Object.values(watermarksBefore).reduce((a, b) => a + b, 0) + again);
    expect({ webhook: peers.webhook.total(), sms: peers.sms.total() }).toEqual(sentBefore);

    console.info("fault 5 (double delivery)", JSON.stringify({
      grievances: ids.length + repeats.length, cases: ids.length, redelivered: again,
      rows: Object.fromEntries(Object.entries(before).filter(([, r]) => r.length > 0).map(([t, r]) => [t, r.length])),
      sent: sentBefore,
    }));
  }, 150_000);
});
