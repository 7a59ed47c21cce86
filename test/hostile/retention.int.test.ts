// Technical rows do not grow for ever: inbox rows and intake's idempotency rows older than their
// window are deleted by a scheduled job, newer ones kept, and with several replicas one round
// runs at a time (the others skip it while one holds the schema's retention lock).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { applyRetention, loadConfig, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { createTestEnv, eventually, type TestEnv } from "../support";

let env: TestEnv;
let db: pg.Pool;
let intake: RunningService | undefined;

beforeAll(async () => {
  env = await createTestEnv();
  db = new pg.Pool({ connectionString: env.databaseUrl });
  // Once, so the schema and its tables exist; stopped before the rows to prune are written.
  await (await startIntake(loadConfig(IntakeConfig, env.env))).stop();
});

afterAll(async () => {
  await intake?.stop();
  await db?.end();
  await env?.drop();
});

async function seed(): Promise<void> {
  await db.query("TRUNCATE intake.inbox, intake.idempotency_keys");
  await db.query(
    `INSERT INTO intake.inbox (event_id, event_type, topic, kafka_partition, kafka_offset, applied_at) VALUES
       ('old-1', 'case.assigned.v1', 't', 0, 1, now() - interval '31 days'),
       ('old-2', 'case.assigned.v1', 't', 0, 2, now() - interval '45 days'),
       ('recent', 'case.assigned.v1', 't', 0, 3, now() - interval '29 days')`,
  );
  await db.query(
    `INSERT INTO intake.idempotency_keys (scope, key, request_hash, created_at) VALUES
       ('op-1', 'old', 'h', now() - interval '8 days'),
       ('op-1', 'recent', 'h', now() - interval '6 days')`,
  );
}

const remaining = async () => ({
  inbox: (await db.query<{ event_id: string }>("SELECT event_id FROM intake.inbox ORDER BY event_id")).rows.map((r) => r.event_id),
  idempotency: (await db.query<{ key: string }>("SELECT key FROM intake.idempotency_keys ORDER BY key")).rows.map((r) => r.key),
});

const rules = [
  { table: "inbox", column: "applied_at", days: 30 },
  { table: "idempotency_keys", column: "created_at", days: 7 },
];

describe("retention of technical rows", () => {
  it("a running intake deletes inbox rows past INBOX_RETENTION_DAYS and idempotency rows past IDEMPOTENCY_RETENTION_DAYS, and keeps the rest", async () => {
    await seed();
    intake = await startIntake(loadConfig(IntakeConfig, { ...env.env, INBOX_RETENTION_DAYS: "30", IDEMPOTENCY_RETENTION_DAYS: "7" }));
    await eventually(async () => ((await remaining()).idempotency.length === 1 ? true : undefined), 15_000, "the retention round at start");
    expect(await remaining()).toEqual({ inbox: ["recent"], idempotency: ["recent"] });
    await intake.stop();
    intake = undefined;
  });

  it("skips a round while another replica holds the lock, and deletes each row once", async () => {
    await seed();
    const holder = await db.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('retention:' || $1))", ["intake"]);
      expect(await applyRetention(db, "intake", rules)).toEqual({ ran: false });
      expect((await remaining()).inbox).toHaveLength(3);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    const outcomes = await Promise.all([applyRetention(db, "intake", rules), applyRetention(db, "intake", rules)]);
    const deleted = outcomes.flatMap((o) => (o.ran ? [o.deleted] : []));
    expect(deleted.reduce((n, d) => n + d.inbox! + d.idempotency_keys!, 0)).toBe(3);
    expect(await remaining()).toEqual({ inbox: ["recent"], idempotency: ["recent"] });
  });
});
