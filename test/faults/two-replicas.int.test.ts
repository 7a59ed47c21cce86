// Fault 6: two replicas of every service on one database and one set of topics. Both intakes
// take grievances; only one relay per service publishes at any moment (and another takes over
// when the leader goes); the consumers of each group share the partitions; a deadline breach
// is acted on once while both triage schedulers scan at the same time; nothing is published
// twice and no notification is sent twice.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import type { Kafka } from "kafkajs";
import pg from "pg";
import type { RunningService } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { groupMembers, kafkaClient, logTail, readTopic, seedDirectory, settle, sleep, startPeers, startSystem, steadyLoad, type GroupMember, type Peers, type System } from "./support";

let env: TestEnv;
let peers: Peers;
let system: System;
let db: pg.Pool;
let kafka: Kafka;

beforeAll(async () => {
  env = await createTestEnv();
  peers = await startPeers();
  system = await startSystem(env, { peers, replicas: 2 });
  await seedDirectory(system.triages[0]!.url, system.notifications[1]!.url, peers);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  kafka = kafkaClient(env.kafkaBrokers);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await Promise.allSettled([peers?.webhook.close(), peers?.sms.close()]);
  await db?.end();
  await env?.drop();
});

/** Samples every relay's leader flag until stopped: how many replicas of a service led at once. */
function watchLeaders(services: Record<string, RunningService[]>) {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(services).map((s) => [s, []]));
  const stopping = new Set<RunningService>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const [name, replicas] of Object.entries(services)) {
        const live = replicas.filter((r) => !stopping.has(r));
        const flags = await Promise.all(live.map((r) => r.runtime.relay.status().then((s) => s.leader, () => false)));
        samples[name]!.push(flags.filter(Boolean).length);
      }
      await sleep(100);
    }
  })();
  return { samples, retire: (r: RunningService) => stopping.add(r), stop: async () => ((stopped = true), await loop, samples) };
}

/** The group's members share every partition of its topics, none twice. */
function shareOf(members: GroupMember[], topics: string[], partitions: number): string | undefined {
  const owners = new Map<string, number>();
  for (const m of members) for (const [topic, ps] of Object.entries(m.assignment)) for (const p of ps) owners.set(`${topic}:${p}`, (owners.get(`${topic}:${p}`) ?? 0) + 1);
  const expected = topics.flatMap((t) => Array.from({ length: partitions }, (_, p) => `${t}:${p}`));
  const unowned = expected.filter((k) => !owners.has(k));
  const shared = [...owners].filter(([, n]) => n > 1).map(([k]) => k);
  const idle = members.filter((m) => Object.values(m.assignment).flat().length === 0).length;
  if (members.length !== 2 || unowned.length || shared.length || idle) return `${members.length} members, unowned ${unowned.join(",")}, twice ${shared.join(",")}, idle ${idle}`;
  return undefined;
}

describe("two replicas of every service", () => {
  it("take grievances on both intakes, publish each event once under one leader, share partitions and act on each breach once", async () => {
    onTestFailed(() => console.error(logTail(system.logs)));
    const { intakes, triages, notifications } = system;
    const leaders = watchLeaders({ intake: intakes, triage: triages, notification: notifications });
    const token = await tokenFor("operator");

    const load = steadyLoad({ urls: intakes.map((s) => s.url), token, perSecond: 10, timeoutMs: 5000 });
    await sleep(6000);
    // The consumers of each group share its partitions while the load runs.
    const p = env.topicPrefix;
    const groups: [string, string[]][] = [
      ["triage", [p + Topics.grievancesInternal]],
      ["intake", [p + Topics.casesInternal]],
      ["notification", [p + Topics.grievancesInternal, p + Topics.casesInternal]],
    ];
    const assignments: Record<string, GroupMember[]> = {};
    for (const [group, topics] of groups) {
      assignments[group] = await eventually(async () => {
        const members = await groupMembers(kafka, p + group);
        return shareOf(members, topics, 6) === undefined ? members : undefined;
      }, 30_000, `${group}'s two consumers to share the partitions`).catch(async () => {
        const members = await groupMembers(kafka, p + group);
        throw new Error(`${group}: ${shareOf(members, topics, 6)}`);
      });
    }

    // The intake relay that leads goes away; the other replica takes over and keeps publishing.
    const statuses = await Promise.all(intakes.map((s) => s.runtime.relay.status()));
    const leading = intakes[statuses.findIndex((s) => s.leader)]!;
    leaders.retire(leading);
    const retiredAt = Date.now();
    await leading.stop();
    await sleep(3000);
    const answers = await load.stop();
    const samples = await leaders.stop();

    // Requests to the stopped replica still unanswered when it began to stop find nobody there
    // (status 0, no answer): those sent after, and one sent on a keep-alive connection just as
    // the server closed it; or, when the request reached it while it was closing, a 503
    // problem+json saying so. A client retries those with its Idempotency-Key.
    const toTheGone = (a: (typeof answers)[number]) =>
      a.via === intakes.indexOf(leading) &&
      a.sentAt + a.ms >= retiredAt &&
      (a.status === 0 || (a.status === 503 && (a.contentType ?? "").startsWith("application/problem+json")));
    expect(answers.filter((a) => a.status !== 202 && !toTheGone(a)), "answers other than 202").toEqual([]);
    const accepted = answers.filter((a) => a.status === 202);
    expect(new Set(accepted.map((a) => a.via)), "replicas that answered").toEqual(new Set([0, 1]));
    for (const [service, counts] of Object.entries(samples)) {
      expect(counts.filter((n) => n > 1).length, `${service}: samples with two leaders`).toBe(0);
      expect(counts.filter((n) => n === 1).length, `${service}: samples with one leader`).toBeGreaterThan(counts.length * 0.8);
    }

    // Both triage schedulers scan four days later (past every acknowledge deadline) at once, twice each.
    const later = new Date(Date.now() + 4 * 24 * 3600_000);
    const [a, b] = triages;
    await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM triage.cases WHERE status = 'assigned'")).rows[0].n === accepted.length ? true : undefined), 60_000, "every case assigned");
    const ticks = await Promise.all([a!.scheduler.tick(later), b!.scheduler.tick(later), a!.scheduler.tick(later), b!.scheduler.tick(later)]);
    const acted = ticks.reduce((n, t) => n + t.breaches, 0);
    // Read from the topic, not the outbox (the relay deletes what Kafka acknowledged); copies of one event share its id.
    await eventually(async () => ((await db.query("SELECT count(*)::int AS n FROM triage.outbox")).rows[0].n === 0 ? true : undefined), 30_000, "triage's outbox to be published");
    const events = new Map<string, { type: string; data: { caseId: string; deadline?: string } }>();
    for (const m of await readTopic(kafka, p + Topics.casesInternal)) events.set(m.ce.id!, { type: m.ce.type!, data: JSON.parse(m.value!.toString()) });
    const tally = (type: string, keyOf: (d: { caseId: string; deadline?: string }) => string) => {
      const n = new Map<string, number>();
      for (const e of events.values()) if (e.type === type) n.set(keyOf(e.data), (n.get(keyOf(e.data)) ?? 0) + 1);
      return [...n].map(([k, count]) => ({ key: k, n: count }));
    };
    const breaches = tally("case.deadline_breached.v1", (d) => `${d.caseId} ${d.deadline}`).map((r) => ({ case_id: r.key.split(" ")[0]!, deadline: r.key.split(" ")[1]!, n: r.n }));
    const escalations = tally("case.escalated.v1", (d) => d.caseId).map((r) => ({ case_id: r.key, n: r.n }));
    expect(breaches.filter((r) => r.n > 1), "deadlines breached more than once").toEqual([]);
    expect(escalations.filter((r) => r.n > 1), "cases escalated more than once").toEqual([]);
    expect(new Set(breaches.filter((r) => r.deadline === "acknowledge").map((r) => r.case_id)).size, "every case's acknowledge deadline").toBe(accepted.length);
    expect(escalations.length, "every case escalated to the street team").toBe(accepted.length);
    expect(acted).toBe(breaches.length);

    const books = await settle({
      db, kafka, topicPrefix: p, accepted: accepted.map((x) => x.body!.id!), peers,
      services: ["intake", "triage", "notification"],
      caseEvents: ["case.opened.v1", "grievance.triaged.v2", "case.deadline_breached.v1", "case.escalated.v1"],
      copies: "exactly-once",
      finalStatus: "assigned",
    }, 90_000);
    console.info("fault 6 (two replicas)", JSON.stringify({
      requests: answers.length, perReplica: [0, 1].map((v) => accepted.filter((x) => x.via === v).length),
      leaderSamples: Object.fromEntries(Object.entries(samples).map(([s, c]) => [s, { samples: c.length, oneLeader: c.filter((n) => n === 1).length, twoLeaders: c.filter((n) => n > 1).length }])),
      partitions: Object.fromEntries(Object.entries(assignments).map(([g, ms]) => [g, ms.map((m) => Object.values(m.assignment).flat().length)])),
      ticks: ticks.map((t) => t.breaches), breaches: breaches.length, escalations: escalations.length,
      settledMs: books.settledMs, ...books.figures,
    }));
    expect(books.problems).toEqual([]);
  }, 180_000);
});
