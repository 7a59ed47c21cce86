// `pnpm bench [--quick]`: the whole benchmark in one run on this machine, against a fresh
// database and fresh topics of its own on the local broker and server.
//   1. intake: closed loop, 50 connections, against intake and against a bare Fastify + one INSERT
//   2. end to end: open loop at 200 grievances/s, latency to case.assigned on Kafka and to the webhook
//   3. rebuild: triage's projection replayed from the topics
//   4. peak RSS of each service (VmHWM of the child process)
//   5. classification alone: the bench's descriptions through triage's classifier, models loaded once
// Prints a table and writes bench/results/latest.json.
//   --quick     shorter parts (8 s, 15 s); --rate=N  another arrival rate; --keep  leave the databases and topics
//   --find-capacity      after part 2, raise the rate in steps of 50/s from 50/s on the same stack and
//                        report the highest whose case.assigned p99 <= 250 ms (nothing lost or refused)
//   --triage-replicas=N  run N triage processes in part 2 (one consumer group; each must apply work)
//   --embedded-postgres  the bench's own Postgres with pg_stat_statements loaded, for statements per
//                        grievance (a server without it in shared_preload_libraries cannot count them)
//   BENCH_PG_PROFILE=1  sample which statements the database is busy with during part 2
//   BENCH_CPU_PROF=intake,triage,notification  V8 CPU profiles (bench/profile-summary.ts reads them)
//   BENCH_SAMPLES=1     every grievance's latencies as CSV (part 2 and each capacity step), to see when the slow ones were sent
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AssignerProtocol, Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { AuthConfig, signDevelopmentToken } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { openLoop, startWebhookReceiver, type EndToEndResult } from "./end-to-end";
import { grievance, random } from "./grievances";
import { closedLoop, type ClosedLoopResult } from "./intake-throughput";
import { measureClassification, type ClassificationResult } from "./classification";
import { measureRebuild, type RebuildResult } from "./rebuild";
import { samplePostgres } from "./pg-sampler";
import { seedDirectory } from "./seed";
import {
  commandCpuMeter, createDatabase, freePort, serviceRoles, statementProfile, statementsCounted, statementStats, machineCpuSeconds, postgresCpuSeconds, postgresCpuUsed, processCpuSeconds, resultsDir, say, serviceNodeFlags, spawnNode,
  statementCounter, useKafka, usePostgres, type Child,
} from "./stack";

const quick = process.argv.includes("--quick");
/** Leave the databases and topics in place for a look afterwards. */
const keep = process.argv.includes("--keep");
const settings = quick
  ? { mode: "quick", intakeS: 8, warmUpS: 2, rate: 200, e2eS: 15, drainS: 60, capacityS: 10 }
  : { mode: "full", intakeS: 20, warmUpS: 3, rate: 200, e2eS: 60, drainS: 120, capacityS: 20 };
const connections = 50;
/** `--rate=N` runs the end-to-end part at another arrival rate, to find what a machine sustains. */
const rateArg = process.argv.find((a) => a.startsWith("--rate="))?.slice("--rate=".length);
if (rateArg) {
  settings.rate = Number(rateArg);
  if (!(settings.rate > 0 && settings.rate <= 5000)) throw new Error(`--rate=${rateArg}: give grievances per second, e.g. --rate=100`);
}

/** Step the rate up after part 2 until case.assigned p99 passes its target. */
const findCapacity = process.argv.includes("--find-capacity");
const embeddedPostgres = process.argv.includes("--embedded-postgres");
const replicasArg = process.argv.find((a) => a.startsWith("--triage-replicas="))?.slice("--triage-replicas=".length);
const triageReplicas = replicasArg === undefined ? 1 : Number(replicasArg);
if (!(Number.isInteger(triageReplicas) && triageReplicas >= 1 && triageReplicas <= 8)) throw new Error(`--triage-replicas=${replicasArg}: give 1 to 8`);

const targets = { intakeRatio: 0.8, intakeP99Ms: 50, assignedP99Ms: 250, notifiedP99Ms: 400, lost: 0, rebuildEventsPerSecond: 20_000, classifyP50Ms: 1, rssMb: 200, cpuMsPerGrievance: 5, statementsPerGrievance: 12, capacityPerSecond: 300 };

/** All of Postgres's processes' CPU time, read before and after each part. */
const postgresCpu = commandCpuMeter("postgres");

const runId = `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;
const cleanups: (() => Promise<unknown>)[] = [];
const children: Child[] = [];

async function main(): Promise<void> {
  const loadBefore = os.loadavg();
  const started = new Date();
  const kafkaInfra = await useKafka();
  cleanups.push(kafkaInfra.stop);
  const postgres = await usePostgres({ embedded: embeddedPostgres });
  cleanups.push(postgres.stop);
  const kafka = new Kafka({ clientId: "bench", brokers: kafkaInfra.brokers.split(","), logLevel: logLevel.NOTHING });
  const prefixes: string[] = [];
  if (!keep) cleanups.push(() => deleteTopics(kafka, prefixes));

  const jwtSecret = randomBytes(32).toString("base64url");
  const auth = AuthConfig.parse({ JWT_SECRET: jwtSecret });
  const operatorToken = await signDevelopmentToken({ sub: "bench-operator", role: "operator" }, auth);
  const adminToken = await signDevelopmentToken({ sub: "bench-admin", role: "admin" }, auth);
  // The key-encryption key of personal data, as the platform would mount it: a random one per run.
  const kekFile = path.join(os.tmpdir(), `gh-bench-kek-${runId}`);
  await writeFile(kekFile, `1:${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  // Kept with the databases under --keep: their sealed values and data keys open with it only.
  if (!keep) cleanups.push(() => rm(kekFile, { force: true }));
  // Production mode, which the development secrets are refused in.
  const common = {
    KEK_FILE: kekFile,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    KAFKA_BROKERS: kafkaInfra.brokers,
    // Each part's fresh topics: no operator here to make them.
    KAFKA_CREATE_TOPICS: "true",
    JWT_SECRET: jwtSecret,
    PHONE_HASH_KEY: randomBytes(24).toString("base64url"),
    CASE_URL_BASE: "https://hub.example.org/cases",
    STATUS_URL: "https://hotline.example.org/track",
    // The load comes from one operator token and one address: a hotline's limits would shed it.
    STAFF_RATE_LIMIT_PER_MINUTE: "10000000",
    PUBLIC_RATE_LIMIT_PER_MINUTE: "10000000",
  };

  // The services run compiled, as in production (stack.ts spawnNode): build them from this tree first.
  say("building the services (pnpm build): they run as production runs them, from dist/");
  execFileSync("pnpm", ["--silent", "build"], { cwd: path.resolve(import.meta.dirname, ".."), stdio: ["ignore", "ignore", "inherit"] });

  // 1. Intake against the baseline. Only intake runs (its relay publishing to Kafka): triage and
  // notification would take the CPU the baseline never has to share.
  say(`1/3 intake throughput: ${connections} connections, ${settings.intakeS} s each (after ${settings.warmUpS} s of warm-up)`);
  const db1 = await createDatabase(postgres.adminUrl, `gh_bench_${runId}_intake`);
  if (!keep) cleanups.push(db1.drop);
  const prefix1 = `bench${runId}i.`;
  prefixes.push(prefix1);
  const intake1 = await spawnNode("intake-throughput", "services/intake/src/main.ts", { ...common, DATABASE_URL: db1.url, KAFKA_TOPIC_PREFIX: prefix1 }, await freePort());
  children.push(intake1);
  const baseline = await spawnNode("baseline", "bench/baseline.ts", { DATABASE_URL: db1.url }, await freePort());
  children.push(baseline);
  const r = random(7);
  const bodies = Array.from({ length: 2000 }, (_, i) => grievance(i, r).json);
  const load = (url: string, token: string | undefined, durationS: number) => closedLoop({ url, durationS, connections, bodies, ...(token ? { token } : {}) });
  await load(baseline.url, undefined, settings.warmUpS);
  await load(intake1.url, operatorToken, settings.warmUpS);
  // Where a request's CPU goes, for the baseline and for intake alike: the server process, Postgres
  // (all its processes: only this part's database is busy), the broker, and the load generator.
  const measured = async (server: Child, url: string, token: string | undefined) => {
    const cpuNow = async () => ({ server: await server.cpuSeconds(), postgres: await postgresCpu(), kafka: kafkaInfra.pid ? await processCpuSeconds(kafkaInfra.pid) : 0 });
    const before = await cpuNow();
    const own = process.cpuUsage();
    const result = await load(url, token, settings.intakeS);
    const after = await cpuNow();
    const ownUsed = process.cpuUsage(own);
    const perRequest = (seconds: number) => (result.requests > 0 ? Math.round((seconds * 1000 * 1000) / result.requests) / 1000 : null);
    const cpuMsPerRequest = {
      server: perRequest(after.server - before.server),
      postgres: perRequest(after.postgres - before.postgres),
      kafka: perRequest(after.kafka - before.kafka),
      loadGenerator: perRequest((ownUsed.user + ownUsed.system) / 1e6),
    };
    return { ...result, cpuMsPerRequest };
  };
  const base = await measured(baseline, baseline.url, undefined);
  say(`  baseline: ${base.rps.toFixed(0)} req/s, p50 ${base.p50Ms} ms, p99 ${base.p99Ms} ms; CPU ms per request: ${JSON.stringify(base.cpuMsPerRequest)}`);
  const intake = await measured(intake1, intake1.url, operatorToken);
  say(`  intake:   ${intake.rps.toFixed(0)} req/s, p50 ${intake.p50Ms} ms, p99 ${intake.p99Ms} ms; CPU ms per request: ${JSON.stringify(intake.cpuMsPerRequest)}`);
  const intakeRssPart1 = await intake1.peakRssMb();
  await baseline.stop();
  await intake1.stop();

  // 2. End to end with the three services.
  say(`2/3 end to end: ${settings.rate}/s for ${settings.e2eS} s`);
  const db2 = await createDatabase(postgres.adminUrl, `gh_bench_${runId}_e2e`);
  if (!keep) cleanups.push(db2.drop);
  const prefix2 = `bench${runId}e.`;
  prefixes.push(prefix2);
  let secrets = new Map<string, string>();
  let onNotice: (grievanceId: string, at: number) => void = () => undefined;
  const receiver = await startWebhookReceiver((recipient) => secrets.get(recipient), (id, at) => onNotice(id, at));
  cleanups.push(receiver.close);
  const env2 = { ...common, DATABASE_URL: db2.url, KAFKA_TOPIC_PREFIX: prefix2 };
  // With pg_stat_statements, each service connects as a role of its own, so its statements are told apart.
  const roles = (await statementsCounted(postgres.adminUrl)) ? await serviceRoles(postgres.adminUrl, runId, ["intake", "triage", "notification"]) : undefined;
  // Dropped once the database that holds their objects is (before the server stops); kept with it under --keep.
  if (roles && !keep) cleanups.splice(cleanups.indexOf(db2.drop), 0, roles.drop);
  const envOf = (service: string) => (roles ? { ...env2, DATABASE_URL: roles.urlOf(db2.url, service) } : env2);
  // One after another: each runs its own migrations, and the first creates the topics.
  const intake2 = await spawnNode("intake", "services/intake/src/main.ts", envOf("intake"), await freePort());
  children.push(intake2);
  const triages: Child[] = [];
  for (let n = 1; n <= triageReplicas; n++) {
    const replica = await spawnNode(n === 1 ? "triage" : `triage-${n}`, "services/triage/src/main.ts", envOf("triage"), await freePort());
    children.push(replica);
    triages.push(replica);
  }
  const triage = triages[0]!;
  const notification = await spawnNode("notification", "services/notification/src/main.ts", envOf("notification"), await freePort());
  children.push(notification);
  secrets = await seedDirectory({ triageUrl: triage.url, notificationUrl: notification.url, adminToken, webhookBase: receiver.url });
  const e2eDatabase = `gh_bench_${runId}_e2e`;
  // Where the CPU goes during the run: each service, Postgres (all its processes), the broker, this process.
  const cpu = async () => ({
    intake: await intake2.cpuSeconds(),
    triage: (await Promise.all(triages.map((t) => t.cpuSeconds()))).reduce((a, b) => a + b, 0),
    notification: await notification.cpuSeconds(),
    postgres: await postgresCpu(),
    kafka: kafkaInfra.pid ? await processCpuSeconds(kafkaInfra.pid) : 0,
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    machine: await machineCpuSeconds(),
    ownPostgres: await postgresCpuSeconds(postgres.adminUrl, e2eDatabase),
  });
  const statements = await statementCounter(postgres.adminUrl, db2.url, e2eDatabase);
  if ("unavailable" in statements) say(`  statements per grievance: not counted: ${statements.unavailable}`);
  const statementsBefore = "count" in statements ? await statements.count() : 0;
  const statementStatsBefore = roles ? await statementStats(db2.url, e2eDatabase) : undefined;
  const cpuBefore = await cpu();
  const pgSampler = process.env.BENCH_PG_PROFILE ? samplePostgres({ databaseUrl: postgres.adminUrl, database: `gh_bench_${runId}_e2e`, everyMs: 10 }) : undefined;
  const e2e = await openLoop({
    intakeUrl: intake2.url,
    token: operatorToken,
    kafka,
    casesTopic: prefix2 + Topics.casesInternal,
    groupId: `${prefix2}bench-observer`,
    rate: settings.rate,
    durationS: settings.e2eS,
    drainTimeoutS: settings.drainS,
    receiver: { onAssignedNotice: (handler) => void (onNotice = handler) },
    log: say,
    ...(process.env.BENCH_SAMPLES ? { samplesFile: path.join(resultsDir, "e2e-samples.csv.tmp") } : {}),
  });
  const cpuAfter = await cpu();
  const statementsAfter = "count" in statements ? await statements.count() : 0;
  const statementsByService =
    roles && statementStatsBefore && e2e.accepted > 0 ? statementProfile(statementStatsBefore, await statementStats(db2.url, e2eDatabase), e2e.accepted, roles.serviceOf) : undefined;
  // All processes together: the services, this database's Postgres backends and the server's background processes, the broker.
  const cpuUsed = (before: typeof cpuBefore, after: typeof cpuBefore) =>
    after.intake - before.intake + after.triage - before.triage + after.notification - before.notification +
    postgresCpuUsed(before.ownPostgres, after.ownPostgres) + after.kafka - before.kafka;
  const cpuSecondsUsed = cpuUsed(cpuBefore, cpuAfter);
  const perGrievance = {
    cpuMs: e2e.accepted > 0 ? Math.round((cpuSecondsUsed * 1000 * 10) / e2e.accepted) / 10 : null,
    statements: "count" in statements && e2e.accepted > 0 ? Math.round(((statementsAfter - statementsBefore) * 10) / e2e.accepted) / 10 : null,
    kafkaCounted: kafkaInfra.pid !== undefined,
  };
  if (statementsByService) {
    await writeFile(path.join(resultsDir, "statements.tmp"), statementsByService.statements.map((x) => `${String(x.perGrievance).padStart(7)}  ${String(x.meanMs).padStart(8)} ms  ${x.service.padEnd(12)}  ${x.query}`).join("\n") + "\n");
    say(`  SQL statements per grievance by service: ${JSON.stringify(statementsByService.byService)}; the most called (per grievance, mean time; all in bench/results/statements.tmp):`);
    for (const x of statementsByService.statements.slice(0, 20)) say(`  ${String(x.perGrievance).padStart(7)}  ${String(x.meanMs).padStart(8)} ms  ${x.service.padEnd(12)}  ${x.query.slice(0, 110)}`);
  }
  say(`  per grievance: ${perGrievance.cpuMs} ms CPU (all processes${perGrievance.kafkaCounted ? "" : "; the broker's not counted: no local pid"}), ${perGrievance.statements ?? "n/a"} SQL statements`);
  let replicaWork: number[] | undefined;
  if (triageReplicas > 1) {
    replicaWork = await workPerMember(kafka, `${prefix2}triage`, prefix2 + Topics.grievancesInternal, db2.url).catch((err: Error) => {
      say(`  triage replicas: could not tell their work apart: ${err.message}`);
      return undefined;
    });
    if (replicaWork) say(`  triage replicas: grievances applied on the partitions each member holds now ${JSON.stringify(replicaWork)}`);
  }
  if (pgSampler) {
    const samples = await pgSampler.stop();
    await writeFile(path.join(resultsDir, "pg-profile.tmp"), samples.map((x) => `${String(x.share).padStart(6)} %  ${x.state}  ${x.statement}`).join("\n") + "\n");
    say("  statements by share of samples (also in bench/results/pg-profile.tmp; 100 % = one connection busy all the time):");
    for (const x of samples.slice(0, 15)) say(`  ${String(x.share).padStart(6)} %  ${x.state}  ${x.statement}`);
  }
  const seconds = cpuAfter.machine.total - cpuBefore.machine.total;
  const share = (k: Exclude<keyof typeof cpuBefore, "machine" | "ownPostgres">) => Math.round(((cpuAfter[k] - cpuBefore[k]) / seconds) * 1000) / 10;
  const cpuPercent = {
    intake: share("intake"),
    triage: share("triage"),
    notification: share("notification"),
    postgres: share("postgres"),
    kafka: share("kafka"),
    bench: share("bench"),
    machineBusy: Math.round(((cpuAfter.machine.busy - cpuBefore.machine.busy) / seconds) * 1000) / 10,
    other: 0,
  };
  // Whatever else ran meanwhile (other people's work on a shared machine, the kernel's own).
  cpuPercent.other = Math.round((cpuPercent.machineBusy - cpuPercent.intake - cpuPercent.triage - cpuPercent.notification - cpuPercent.postgres - cpuPercent.kafka - cpuPercent.bench) * 10) / 10;
  say(`  assigned p99 ${e2e.assigned.p99Ms} ms, notified p99 ${e2e.notified.p99Ms} ms, lost ${e2e.lost}, rejected ${JSON.stringify(e2e.rejected)}`);
  say(`  CPU, % of the machine: ${JSON.stringify(cpuPercent)}`);
  // The same per grievance: which process a grievance costs most in (the broker and the bench included).
  const cpuMsByProcess = Object.fromEntries(
    (["intake", "triage", "notification", "postgres", "kafka", "bench"] as const).map((k) => [k, e2e.accepted > 0 ? Math.round(((cpuAfter[k] - cpuBefore[k]) * 1000 * 10) / e2e.accepted) / 10 : null]),
  );
  say(`  CPU ms per grievance by process: ${JSON.stringify(cpuMsByProcess)}`);
  if (receiver.stats.badSignature > 0) say(`  ${receiver.stats.badSignature} webhook(s) with a bad signature`);
  let capacity: { ratePerSecond: number; steps: { rate: number; assignedP99Ms: number; lost: number; rejected: number; unanswered: number; cpuMsPerGrievance: number | null }[] } | undefined;
  if (findCapacity) {
    capacity = { ratePerSecond: 0, steps: [] };
    for (let rate = 50, step = 1; rate <= 2000; rate += 50, step++) {
      say(`capacity step ${step}: ${rate}/s for ${settings.capacityS} s`);
      const stepCpuBefore = await cpu();
      const r = await openLoop({
        intakeUrl: intake2.url, token: operatorToken, kafka, casesTopic: prefix2 + Topics.casesInternal, groupId: `${prefix2}bench-capacity-${step}`,
        rate, durationS: settings.capacityS, drainTimeoutS: 30, receiver: { onAssignedNotice: (handler) => void (onNotice = handler) }, log: say, seed: 1000 + step, firstCaller: step * 1_000_000,
        ...(process.env.BENCH_SAMPLES ? { samplesFile: path.join(resultsDir, `capacity-${rate}-samples.csv.tmp`) } : {}),
      });
      const refused = Object.values(r.rejected).reduce((a, b) => a + b, 0);
      const unanswered = r.sent - r.accepted - refused;
      // On a stack past its start (compiled, caches full), as in production: what a grievance costs there.
      const stepCpuMs = r.accepted > 0 ? Math.round((cpuUsed(stepCpuBefore, await cpu()) * 1000 * 10) / r.accepted) / 10 : null;
      capacity.steps.push({ rate, assignedP99Ms: r.assigned.p99Ms, lost: r.lost, rejected: refused, unanswered, cpuMsPerGrievance: stepCpuMs });
      say(`  assigned p99 ${r.assigned.p99Ms} ms, lost ${r.lost}, refused ${refused}, not answered ${unanswered}, ${stepCpuMs} ms CPU per grievance`);
      // Every request answered 202 and every grievance assigned, within the target.
      if (r.accepted < r.sent || r.assigned.count < r.accepted || r.assigned.p99Ms > targets.assignedP99Ms || r.lost > 0 || refused > 0) break;
      capacity.ratePerSecond = rate;
    }
    say(`  capacity: ${capacity.ratePerSecond}/s with case.assigned p99 <= ${targets.assignedP99Ms} ms`);
  }
  const rssMb = {
    intake: Math.max(intakeRssPart1, await intake2.peakRssMb()),
    triage: Math.max(...(await Promise.all(triages.map((t) => t.peakRssMb())))),
    notification: await notification.peakRssMb(),
  };
  await intake2.stop();
  await notification.stop();
  for (const t of triages) await t.stop();

  // 3. Rebuild, with triage stopped (the command refuses while its group has members).
  say("3/3 rebuild of triage's projection from the topics");
  const rebuild = await measureRebuild({ databaseUrl: db2.url, brokers: kafkaInfra.brokers.split(","), topicPrefix: prefix2, liveGroupId: `${prefix2}triage`, kekFile });
  say(`  ${rebuild.events} events in ${rebuild.seconds.toFixed(2)} s`);
  if (keep) say(`  kept: pnpm bench:rebuild --database-url=${db2.url} --prefix=${prefix2} --kek-file=${kekFile} (with the bench's Postgres running)`);

  // 5. Classification alone (issue 16's target: at most 1 ms median a grievance, the model loaded once).
  say("classification alone: the bench's descriptions, three timed passes");
  const classification = await measureClassification();
  say(`  median ${classification.p50Ms} ms, p99 ${classification.p99Ms} ms a grievance`);

  const pgVersion = await serverVersion(postgres.adminUrl);
  const report = buildReport({ started, loadBefore, intake, base, e2e, cpuPercent, cpuMsByProcess, rebuild, classification, rssMb, pgVersion, webhooks: receiver.stats, perGrievance, statementsByService, capacity, replicaWork });
  await writeFile(path.join(resultsDir, "latest.json"), JSON.stringify(report, null, 2) + "\n");
  printTable(report);
  say(`written: bench/results/latest.json`);
}

/**
 * For each member of a consumer group, the grievances triage applied (its inbox) from the
 * partitions that member is assigned now: both replicas work when each figure is above zero.
 */
async function workPerMember(kafka: Kafka, groupId: string, topic: string, databaseUrl: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  const { groups } = await admin.describeGroups([groupId]).finally(() => admin.disconnect());
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const perPartition = new Map<number, number>();
  try {
    const { rows } = await c.query<{ p: number; n: string }>("SELECT kafka_partition AS p, count(*) AS n FROM triage.inbox WHERE topic = $1 GROUP BY 1", [topic]);
    for (const r of rows) perPartition.set(r.p, Number(r.n));
  } finally {
    await c.end();
  }
  return (groups[0]?.members ?? []).map((m) => {
    const partitions = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [];
    return partitions.reduce((sum, p) => sum + (perPartition.get(p) ?? 0), 0);
  });
}

async function serverVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
  } finally {
    await c.end();
  }
}

async function deleteTopics(kafka: Kafka, prefixes: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => prefixes.some((p) => t.startsWith(p)));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => prefixes.some((p) => g.startsWith(p)));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

type CpuMsPerRequest = Record<"server" | "postgres" | "kafka" | "loadGenerator", number | null>;

function buildReport(r: {
  started: Date;
  loadBefore: number[];
  intake: ClosedLoopResult & { cpuMsPerRequest: CpuMsPerRequest };
  base: ClosedLoopResult & { cpuMsPerRequest: CpuMsPerRequest };
  e2e: EndToEndResult;
  cpuPercent: Record<string, number>;
  cpuMsByProcess: Record<string, number | null>;
  rebuild: RebuildResult;
  classification: ClassificationResult;
  rssMb: Record<"intake" | "triage" | "notification", number>;
  pgVersion: string;
  webhooks: { received: number; badSignature: number };
  perGrievance: { cpuMs: number | null; statements: number | null; kafkaCounted: boolean };
  statementsByService: ReturnType<typeof statementProfile> | undefined;
  capacity: { ratePerSecond: number; steps: { rate: number; assignedP99Ms: number; lost: number; rejected: number; unanswered: number }[] } | undefined;
  replicaWork: number[] | undefined;
}) {
  const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
  const ratio = r.intake.rps / r.base.rps;
  const report = {
    date: r.started.toISOString(),
    mode: settings.mode,
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: r.pgVersion,
      kafka: "Apache Kafka 4.1.1 (KRaft, single node, infra/kafka/kafka.sh)",
      loadAverageBefore: r.loadBefore.map((l) => round(l)),
      loadAverageAfter: os.loadavg().map((l) => round(l)),
    },
    settings: { ...settings, connections, triageReplicas, embeddedPostgres, nodeFlags: serviceNodeFlags.join(" ") },
    intake: {
      baselineRps: Math.round(r.base.rps),
      rps: Math.round(r.intake.rps),
      ratio: round(ratio),
      p50Ms: r.intake.p50Ms,
      p99Ms: r.intake.p99Ms,
      p90Ms: r.intake.p90Ms,
      maxMs: r.intake.maxMs,
      requests: r.intake.requests,
      non2xx: r.intake.non2xx,
      errors: r.intake.errors,
      cpuMsPerRequest: r.intake.cpuMsPerRequest,
      baseline: { p50Ms: r.base.p50Ms, p99Ms: r.base.p99Ms, requests: r.base.requests, non2xx: r.base.non2xx, errors: r.base.errors, cpuMsPerRequest: r.base.cpuMsPerRequest },
    },
    endToEnd: {
      rate: r.e2e.rate,
      durationS: r.e2e.durationS,
      sent: r.e2e.sent,
      accepted: r.e2e.accepted,
      rejected: r.e2e.rejected,
      intake: r.e2e.intake,
      assigned: r.e2e.assigned,
      notified: r.e2e.notified,
      p1: { assigned: r.e2e.assignedP1, notified: r.e2e.notifiedP1 },
      lost: r.e2e.lost,
      notNotified: r.e2e.notNotified,
      drainS: r.e2e.drainS,
      assignedPerS: r.e2e.assignedPerS,
      senderMaxLagMs: r.e2e.senderMaxLagMs,
      webhooks: r.webhooks,
      /** CPU time of each process over the run and its drain, as % of the whole machine (all cores). */
      cpuPercent: r.cpuPercent,
      cpuMsPerGrievanceByProcess: r.cpuMsByProcess,
      /** CPU ms per accepted grievance of the services, this database's Postgres processes and the broker together. */
      cpuMsPerGrievance: r.perGrievance.cpuMs,
      brokerCpuCounted: r.perGrievance.kafkaCounted,
      /** SQL statements per accepted grievance, all services (pg_stat_statements); null when it is not loaded. */
      statementsPerGrievance: r.perGrievance.statements,
      /** The same by service (each connects as a role of its own; "bench/admin" is the bench's own reads), with --embedded-postgres. */
      ...(r.statementsByService
        ? { statementsPerGrievanceByService: r.statementsByService.byService, statementProfile: r.statementsByService.statements.slice(0, 40) }
        : {}),
      /** Grievances each triage replica applied (with --triage-replicas). */
      ...(r.replicaWork ? { triageReplicaWork: r.replicaWork } : {}),
    },
    ...(r.capacity ? { capacity: r.capacity } : {}),
    rebuild: { events: r.rebuild.events, seconds: round(r.rebuild.seconds), eventsPerSecond: r.rebuild.eventsPerSecond, casesBefore: r.rebuild.casesBefore, casesAfter: r.rebuild.casesAfter },
    classification: r.classification,
    rssMb: r.rssMb,
    targets,
    met: {
      intakeRatio: ratio >= targets.intakeRatio,
      intakeP99: r.intake.p99Ms <= targets.intakeP99Ms,
      assignedP99: r.e2e.assigned.p99Ms <= targets.assignedP99Ms,
      notifiedP99: r.e2e.notified.p99Ms <= targets.notifiedP99Ms,
      nothingLost: r.e2e.lost === 0 && r.e2e.accepted === r.e2e.sent,
      rebuild: r.rebuild.eventsPerSecond >= targets.rebuildEventsPerSecond && r.rebuild.casesAfter === r.rebuild.casesBefore,
      classification: r.classification.p50Ms <= targets.classifyP50Ms,
      rss: Object.values(r.rssMb).every((mb) => mb <= targets.rssMb),
      cpuPerGrievance: r.perGrievance.cpuMs !== null && r.perGrievance.cpuMs <= targets.cpuMsPerGrievance,
      statementsPerGrievance: r.perGrievance.statements === null ? undefined : r.perGrievance.statements <= targets.statementsPerGrievance,
      capacity: r.capacity ? r.capacity.ratePerSecond >= targets.capacityPerSecond : undefined,
      noneRejected: Object.keys(r.e2e.rejected).length === 0,
    },
  };
  return report;
}

function printTable(report: ReturnType<typeof buildReport>): void {
  const { intake, endToEnd: e, rebuild, classification, rssMb, met } = report;
  const rows: [string, string, string, boolean | undefined][] = [
    ["intake baseline (bare Fastify + 1 INSERT)", `${intake.baselineRps} req/s`, "", undefined],
    ["intake", `${intake.rps} req/s`, "", undefined],
    ["intake / baseline", `${intake.ratio}`, `>= ${targets.intakeRatio}`, met.intakeRatio],
    ["CPU ms per request: intake + its Postgres + Kafka / baseline + its Postgres", `${intake.cpuMsPerRequest.server} + ${intake.cpuMsPerRequest.postgres} + ${intake.cpuMsPerRequest.kafka} / ${intake.baseline.cpuMsPerRequest.server} + ${intake.baseline.cpuMsPerRequest.postgres}`, "", undefined],
    ["intake p50 / p99", `${intake.p50Ms} / ${intake.p99Ms} ms`, `p99 <= ${targets.intakeP99Ms} ms`, met.intakeP99],
    [`e2e ${e.rate}/s x ${e.durationS} s: POST answered p50 / p99`, `${e.intake.p50Ms} / ${e.intake.p99Ms} ms`, "", undefined],
    ["e2e assigned p50 / p95 / p99 / max", `${e.assigned.p50Ms} / ${e.assigned.p95Ms} / ${e.assigned.p99Ms} / ${e.assigned.maxMs} ms`, `p99 <= ${targets.assignedP99Ms} ms`, met.assignedP99],
    ["e2e notified p50 / p95 / p99 / max", `${e.notified.p50Ms} / ${e.notified.p95Ms} / ${e.notified.p99Ms} / ${e.notified.maxMs} ms`, `p99 <= ${targets.notifiedP99Ms} ms`, met.notifiedP99],
    ["e2e P1 only: assigned / notified p99", `${e.p1.assigned.p99Ms} / ${e.p1.notified.p99Ms} ms (${e.p1.assigned.count} P1)`, "", undefined],
    ["e2e sent / accepted / lost / not notified", `${e.sent} / ${e.accepted} / ${e.lost} / ${e.notNotified}`, "lost 0", met.nothingLost],
    ["e2e rejected (by status)", JSON.stringify(e.rejected), "none", met.noneRejected],
    ["e2e CPU per grievance (services, Postgres, Kafka)", `${e.cpuMsPerGrievance ?? "n/a"} ms${e.brokerCpuCounted ? "" : " (broker not counted)"}`, `<= ${targets.cpuMsPerGrievance} ms`, met.cpuPerGrievance],
    ["e2e SQL statements per grievance (all services)", `${e.statementsPerGrievance ?? "n/a (no pg_stat_statements)"}`, `<= ${targets.statementsPerGrievance}`, met.statementsPerGrievance],
    ...(e.triageReplicaWork ? [["e2e grievances applied by each triage replica", JSON.stringify(e.triageReplicaWork), "each > 0", e.triageReplicaWork.every((n) => n > 0)] as [string, string, string, boolean]] : []),
    ...(report.capacity ? [["capacity (assigned p99 <= 250 ms)", `${report.capacity.ratePerSecond} /s`, `>= ${targets.capacityPerSecond} /s`, met.capacity] as [string, string, string, boolean | undefined]] : []),
    ["e2e assignments per second, first send to last", `${e.assignedPerS} /s`, `${e.rate} /s`, undefined],
    ["rebuild (triage)", `${rebuild.eventsPerSecond} events/s (${rebuild.events} in ${rebuild.seconds} s)`, `>= ${targets.rebuildEventsPerSecond}`, met.rebuild],
    [`classification alone p50 / p95 / p99 (${classification.classified} calls)`, `${classification.p50Ms} / ${classification.p95Ms} / ${classification.p99Ms} ms`, `p50 <= ${targets.classifyP50Ms} ms`, met.classification],
    ["peak RSS intake / triage / notification", `${rssMb.intake} / ${rssMb.triage} / ${rssMb.notification} MB`, `each <= ${targets.rssMb} MB`, met.rss],
  ];
  const w = [Math.max(...rows.map((x) => x[0].length)), Math.max(...rows.map((x) => x[1].length)), Math.max(...rows.map((x) => x[2].length))];
  const line = (c: string[]) => `| ${c[0]!.padEnd(w[0]!)} | ${c[1]!.padEnd(w[1]!)} | ${c[2]!.padEnd(w[2]!)} | ${c[3]!.padEnd(4)} |`;
  const out = [
    `Grievance Hub benchmark (${report.mode}), ${report.date}, ${report.machine.cores} cores ${report.machine.cpu}, load before ${report.machine.loadAverageBefore.join(" ")}`,
    line(["measure", "result", "target", "met"]),
    line(["-".repeat(w[0]!), "-".repeat(w[1]!), "-".repeat(w[2]!), "----"]),
    ...rows.map(([a, b, c, d]) => line([a, b, c, d === undefined ? "" : d ? "yes" : "NO"])),
  ];
  process.stdout.write(out.join("\n") + "\n");
}

async function cleanup(): Promise<void> {
  await Promise.allSettled(children.map((c) => c.stop()));
  for (const c of cleanups.reverse()) await c().catch((err: Error) => say(`cleanup: ${err.message}`));
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say("interrupted; cleaning up");
    void cleanup().then(() => process.exit(130));
  });
}

try {
  await main();
  await cleanup();
  process.exit(0);
} catch (err) {
  say(`failed: ${(err as Error).stack ?? String(err)}`);
  await cleanup();
  process.exit(1);
}
