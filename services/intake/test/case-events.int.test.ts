// Intake's status projection applies a partition's case events in one statement: each
// grievance ends at the status of its latest new event, and a redelivery changes nothing.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, migrate, withTransaction, type DecodedEvent, type Pool } from "@grievance-hub/kit";
import { createTestEnv, type TestEnv } from "../../../test/support";
import { applyCaseEvents } from "../src/consumers/case-events";

let env: TestEnv;
let pool: Pool;

beforeAll(async () => {
  env = await createTestEnv();
  await migrate({ databaseUrl: env.databaseUrl, schema: "intake", dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations"), logger: env.logger });
  pool = createPool({ databaseUrl: env.databaseUrl, size: 2, connectTimeoutMs: 5000, schema: "intake", logger: env.logger });
});

afterAll(async () => {
  await pool?.end();
  await env?.drop();
});

async function grievance(): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO grievances (id, tracking_code, channel, received_at, status_changed_at, division_code, language, description, anonymous, consent_to_contact)
     VALUES ($1, $2, 'phone', now(), now(), '440402001001', 'zh', 'noise', true, false)`,
    [id, randomUUID().slice(0, 11)],
  );
  return id;
}

let clock = Date.parse("2026-12-05T08:00:00Z");
function event(type: string, grievanceId: string, data: Record<string, unknown> = {}): DecodedEvent {
  return { id: randomUUID(), type, source: "/grievance-hub/triage", subject: grievanceId, time: new Date((clock += 1000)).toISOString(), data: { grievanceId, ...data } } as unknown as DecodedEvent;
}

async function view(id: string) {
  const { rows } = await pool.query<{ status: string; handling_level: string | null; status_changed_at: Date }>("SELECT status, handling_level, status_changed_at FROM grievances WHERE id = $1", [id]);
  const { rows: timeline } = await pool.query<{ event_type: string; status: string; level: string | null }>("SELECT event_type, status, level FROM timeline WHERE grievance_id = $1 ORDER BY at", [id]);
  return { ...rows[0]!, timeline };
}

describe("intake's case-event projection", () => {
  it("moves each grievance of a batch to its latest event's status, with the latest level named", async () => {
    const a = await grievance();
    const b = await grievance();
    const batch = [
      event("case.opened.v1", a),
      event("case.opened.v1", b),
      event("grievance.triaged.v1", a),
      event("case.assigned.v1", a, { team: { id: "t-street", level: "street" } }),
      event("case.queued.v1", b, { team: { id: "t-comm", level: "community" } }),
      event("case.note_added.v1", a),
      event("case.accepted.v1", a),
      event("case.escalated.v1", b, { toTeam: { id: "t-district", level: "district" } }),
    ];
    await withTransaction(pool, (client) => applyCaseEvents(client, batch));
    const va = await view(a);
    expect(va).toMatchObject({ status: "in_progress", handling_level: "street" });
    expect(va.status_changed_at.toISOString()).toBe(batch[6]!.time);
    expect(va.timeline.map((t) => t.event_type)).toEqual(["case.opened.v1", "grievance.triaged.v1", "case.assigned.v1", "case.accepted.v1"]);
    expect(await view(b)).toMatchObject({ status: "queued", handling_level: "district" });
  });

  it("changes nothing for events already applied, and skips a grievance it does not have", async () => {
    const a = await grievance();
    const assigned = event("case.assigned.v1", a, { team: { id: "t", level: "community" } });
    await withTransaction(pool, (client) => applyCaseEvents(client, [event("case.opened.v1", a), assigned, event("case.accepted.v1", a)]));
    const before = await view(a);
    // The assignment again, with an event for an unknown grievance: the status stays where the later event left it.
    await withTransaction(pool, (client) => applyCaseEvents(client, [assigned, event("case.opened.v1", randomUUID())]));
    expect(await view(a)).toEqual(before);
    expect(before.status).toBe("in_progress");
  });
});
