// Delivery that holds, over real Kafka and Postgres: receivers that are down, a service that
// restarts mid-retry, redelivered events, receivers that fail for good, the dead-letter topic
// and the `pnpm dead-letters` command that replays from it.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KafkaMessage } from "kafkajs";
import { Topics } from "@grievance-hub/schema";
import { aCase, assigned, consumedPast, deliveriesOf, eventually, fastDelivery, setRecipient, startHarness, startWebhookReceiver, type Harness } from "./harness";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");
const SECRET = "whsec-reliability-0123456789";
const MAX_ATTEMPTS = 8;
let h: Harness;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  h = await startHarness({ ...fastDelivery, DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
});

afterAll(async () => {
  await h?.close();
});

/** A receiver of its own for a caseworker of its own: each test's traffic apart. */
async function caseworkerWithReceiver(id: string) {
  const r = await startWebhookReceiver(SECRET);
  await setRecipient(h, "caseworker", id, { channels: { webhook: { url: r.url, secret: SECRET }, feed: false } });
  return r;
}

async function deliveryOf(eventId: string) {
  const [row] = await deliveriesOf(h, eventId);
  return row;
}

function dl(...args: string[]) {
  return run("pnpm", ["--silent", "dead-letters", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: h.env.databaseUrl }, timeout: 30_000 });
}

/** Every message on the notification dead-letter topic so far that `match` accepts. */
async function deadLetters(match: (m: KafkaMessage) => boolean, expected: number): Promise<KafkaMessage[]> {
  const consumer = h.kafka.consumer({ groupId: `dlq-reader-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 200 });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: h.env.topicPrefix + Topics.deadLetterNotification, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void (match(message) && seen.push(message)) });
    await eventually(async () => (seen.length >= expected ? true : undefined), 20_000, "the dead letter on the topic");
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

async function keptSourceEvents(eventIds: string[]): Promise<number> {
  const { rows } = await h.db.query<{ n: number }>("SELECT count(*)::int AS n FROM source_events WHERE event_id = ANY($1::text[])", [eventIds]);
  return rows[0]!.n;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe("a webhook receiver that is down for a while", () => {
  it("gets every message once it is back, each once, and is paused rather than hammered meanwhile", async () => {
    receiver = await caseworkerWithReceiver("cw-outage");
    receiver.state.status = 503;
    const events: string[] = [];
    for (let i = 0; i < 5; i++) events.push((await h.publish("case.assigned.v1", assigned(aCase(), "cw-outage"))).eventId);
    await eventually(async () => {
      const rows = await Promise.all(events.map(deliveryOf));
      return rows.every((r) => r && r.attempts >= 1) ? true : undefined;
    }, 20_000, "a first attempt of every delivery");

    await new Promise((r) => setTimeout(r, 1_500));
    // Without the circuit breaker five deliveries retried every 25-300 ms for 1.5 s would make ~50 requests.
    expect(receiver.state.hits).toBeLessThanOrEqual(15);
    expect(receiver.received).toEqual([]);
    // The events are kept for a dead letter while their deliveries are unfinished, and go once they are sent.
    expect(await keptSourceEvents(events)).toBe(events.length);

    receiver.state.status = 204;
    await eventually(async () => ((await Promise.all(events.map(deliveryOf))).every((r) => r!.status === "sent") ? true : undefined), 20_000, "every delivery sent");
    expect(receiver.received.map((w) => w.body.eventId).sort()).toEqual([...events].sort());
    expect(await keptSourceEvents(events)).toBe(0);
    await receiver.close();
  });

  it("keeps its retry across a restart of the service and delivers once the receiver is back", async () => {
    receiver = await caseworkerWithReceiver("cw-restart");
    await receiver.down();
    const { eventId } = await h.publish("case.assigned.v1", assigned(aCase(), "cw-restart"));
    const before = await eventually(async () => {
      const r = await deliveryOf(eventId);
      return r && r.attempts >= 2 ? r : undefined;
    }, 20_000, "two failed attempts");
    expect(before).toMatchObject({ status: "pending", last_error: "webhook: connection error ECONNREFUSED" });

    await h.restart(() => receiver.up());

    await eventually(async () => ((await deliveryOf(eventId))?.status === "sent" ? true : undefined), 20_000, "the delivery after the restart");
    expect(receiver.received.map((w) => w.body.eventId)).toEqual([eventId]);
    const { rows } = await h.db.query<{ outcome: string }>("SELECT outcome FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = $1 ORDER BY a.id", [eventId]);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.at(-1)!.outcome).toBe("sent");
    expect(rows.slice(0, -1).every((r) => r.outcome === "transient_error")).toBe(true);
    await receiver.close();
  });
});

describe("a redelivered event", () => {
  it("sends nothing new, even when the inbox has forgotten it", async () => {
    receiver = await caseworkerWithReceiver("cw-redelivery");
    const c = aCase();
    const first = await h.publish("case.assigned.v1", assigned(c, "cw-redelivery"));
    await eventually(async () => ((await deliveryOf(first.eventId))?.status === "sent" ? true : undefined), 20_000, "the first delivery");

    const again = await h.publish("case.assigned.v1", assigned(c, "cw-redelivery"), first.eventId);
    await consumedPast(h, h.env.topicPrefix + Topics.casesInternal, again.partition, again.offset);
    // A rebuilt inbox: only the delivery's own identity (event, recipient, channel) stands in the way.
    await h.db.query("DELETE FROM inbox WHERE event_id = $1", [first.eventId]);
    const third = await h.publish("case.assigned.v1", assigned(c, "cw-redelivery"), first.eventId);
    await consumedPast(h, h.env.topicPrefix + Topics.casesInternal, third.partition, third.offset);
    await new Promise((r) => setTimeout(r, 300));

    expect(await deliveriesOf(h, first.eventId)).toEqual([expect.objectContaining({ channel: "webhook", status: "sent", attempts: 1 })]);
    expect(receiver.received.map((w) => w.body.eventId)).toEqual([first.eventId]);
    await receiver.close();
  });
});

describe("a receiver that fails for good", () => {
  it("refusing with 400 ends in the dead-letter topic after one attempt; the command lists it and a replay delivers it once fixed", async () => {
    receiver = await caseworkerWithReceiver("cw-refuses");
    receiver.state.status = 400;
    const c = aCase();
    const { eventId } = await h.publish("case.assigned.v1", assigned(c, "cw-refuses"));
    const row = await eventually(async () => {
      const r = await deliveryOf(eventId);
      return r?.status === "dead_lettered" ? r : undefined;
    }, 20_000, "the dead letter");
    expect(row).toMatchObject({ attempts: 1, last_error: "webhook: http 400" });

    const [message] = await deadLetters((m) => header(m, "dlq-delivery-id") === row.id, 1);
    expect(header(message!, "dlq-reason")).toBe("webhook: http 400");
    expect(header(message!, "dlq-attempts")).toBe("1");
    expect(header(message!, "ce_id")).toBe(eventId);
    expect(header(message!, "ce_type")).toBe("case.assigned.v1");
    expect(header(message!, "dlq-topic")).toBe(h.env.topicPrefix + Topics.casesInternal);
    expect(message!.key?.toString()).toBe(c.grievanceId);
    expect(JSON.parse(message!.value!.toString())).toMatchObject({ caseId: c.caseId, caseworkerId: "cw-refuses", trackingCode: c.trackingCode });

    const listed = await dl("list");
    const line = listed.stdout.split("\n").find((l) => l.startsWith(`${row.id}\t`));
    expect(line?.split("\t").slice(2)).toEqual(["case.assigned.v1", "caseworker", "webhook", "1", "webhook: http 400"]);

    receiver.state.status = 204;
    expect((await dl("replay", row.id)).stdout).toBe(`replayed 1: ${row.id}\n`);
    await eventually(async () => ((await deliveryOf(eventId))?.status === "sent" ? true : undefined), 20_000, "the replayed delivery");
    expect(receiver.received.map((w) => w.body.eventId)).toEqual([eventId]);
    expect((await dl("list")).stdout).not.toContain(`\n${row.id}\t`);
    await expect(dl("replay", row.id)).rejects.toMatchObject({ code: 1, stderr: `dead-letters: delivery ${row.id} is not a dead letter\n` });
    await receiver.close();
  });

  it("answering 503 every time ends in the dead-letter topic after the last attempt; replay --all delivers it", async () => {
    receiver = await caseworkerWithReceiver("cw-always-down");
    receiver.state.status = 503;
    const { eventId } = await h.publish("case.assigned.v1", assigned(aCase(), "cw-always-down"));
    const row = await eventually(async () => {
      const r = await deliveryOf(eventId);
      return r?.status === "dead_lettered" ? r : undefined;
    }, 30_000, "the dead letter");
    expect(row).toMatchObject({ attempts: MAX_ATTEMPTS, last_error: "webhook: http 503" });
    const [message] = await deadLetters((m) => header(m, "dlq-delivery-id") === row.id, 1);
    expect(header(message!, "dlq-attempts")).toBe(String(MAX_ATTEMPTS));

    receiver.state.status = 204;
    expect((await dl("replay", "--all")).stdout).toMatch(new RegExp(`^replayed \\d+: .*\\b${row.id}\\b`));
    await eventually(async () => ((await deliveryOf(eventId))?.status === "sent" ? true : undefined), 20_000, "the replayed delivery");
    expect(receiver.received.map((w) => w.body.eventId)).toEqual([eventId]);
    await receiver.close();
  });
});
