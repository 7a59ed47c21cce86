// The stack under test: the local Kafka broker (started when it is not running), a database
// of the bench's own on the Postgres server, and services as child processes whose peak
// resident memory is read from /proc.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { postgresAnswers } from "../scripts/postgres-answers";

const run = promisify(execFile);
export const root = path.resolve(import.meta.dirname, "..");
export const resultsDir = path.join(root, "bench/results");
const kafkaScript = path.join(root, "infra/kafka/kafka.sh");

export function say(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

/**
 * KAFKA_BROKERS, or the local broker (started here when it is not running; `stop` stops only
 * what was started), with its process id when it is the local one.
 */
export async function useKafka(): Promise<{ brokers: string; pid?: number; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BROKERS) {
    // A broker on this machine is found by its port, so its CPU is counted; a remote one is not.
    const local = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(process.env.KAFKA_BROKERS.split(",")[0]!);
    const pid = local ? await listenerPid(Number(local[2])) : 0;
    return { brokers: process.env.KAFKA_BROKERS, ...(pid > 0 ? { pid } : {}), stop: async () => undefined };
  }
  const running = await run("bash", [kafkaScript, "status"]).then(() => true, () => false);
  let stop = async () => undefined;
  if (!running) {
    say("starting the local Kafka broker (infra/kafka/kafka.sh)");
    await run("bash", [kafkaScript, "start"], { cwd: root, timeout: 300_000 });
    stop = async () => void (await run("bash", [kafkaScript, "stop"]).catch(() => undefined));
  }
  // A broker this checkout did not start (another clone's, say) has no pid file here: find it by its port, so its CPU is counted.
  const pid = Number(await readFile(path.join(root, "infra/kafka/run/kafka.pid"), "utf8").catch(() => "")) || (await listenerPid(9092));
  return { brokers: "127.0.0.1:9092", ...(pid > 0 ? { pid } : {}), stop };
}

/** The process listening on a local TCP port, from `ss`; 0 when unknown. */
async function listenerPid(port: number): Promise<number> {
  const out = await run("ss", ["-ltnpH", `sport = :${port}`]).then((r) => r.stdout, () => "");
  return Number(/pid=(\d+)/.exec(out)?.[1] ?? 0);
}

/**
 * DATABASE_URL, else the machine's server on 5432, else an embedded Postgres (as `pnpm start`
 * does); `embedded` asks for the embedded one whatever else there is. The bench starts the
 * embedded one with pg_stat_statements loaded, so it can count the statements per grievance.
 */
export async function usePostgres(opts: { embedded?: boolean } = {}): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  if (!opts.embedded) {
    if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, stop: async () => undefined };
    const local = "postgres://postgres@127.0.0.1:5432/postgres";
    if (await postgresAnswers(local)) return { adminUrl: local, stop: async () => undefined };
    say("no Postgres on 127.0.0.1:5432: starting an embedded one (data in .data/bench-postgres)");
  } else say("starting an embedded Postgres with pg_stat_statements (data in .data/bench-postgres)");
  const { startEmbeddedPostgres } = await import("../scripts/embedded-postgres");
  const embedded = await startEmbeddedPostgres(path.join(root, ".data/bench-postgres"), 5489, { shared_preload_libraries: "pg_stat_statements" });
  return { adminUrl: embedded.url, stop: embedded.stop };
}

/**
 * CPU time so far of the server's processes that work for this database: its backends and the
 * server's own background processes (WAL writer, checkpointer...), keyed by pid, in seconds.
 * Other databases' backends on a shared server are left out.
 */
export async function postgresCpuSeconds(adminUrl: string, database: string): Promise<Map<number, number>> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE (datname = $1 OR backend_type <> 'client backend') AND pid <> pg_backend_pid()", [database]);
    const cpu = new Map<number, number>();
    for (const { pid } of rows) cpu.set(pid, await processCpuSeconds(pid));
    return cpu;
  } finally {
    await c.end();
  }
}

/** Seconds used between two `postgresCpuSeconds` readings (a backend started between them counts from zero). */
export function postgresCpuUsed(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, s] of after) sum += Math.max(0, s - (before.get(pid) ?? 0));
  return sum;
}

/**
 * Statements the server has run for this database so far (pg_stat_statements, BEGIN and COMMIT
 * included), or undefined with the reason when the extension is not loaded: it must be in
 * `shared_preload_libraries`, which only a restart of the server changes.
 */
export async function statementCounter(adminUrl: string, databaseUrl: string, database: string): Promise<{ count: () => Promise<number> } | { unavailable: string }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const preload = (await admin.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v")).rows[0]!.v;
  await admin.end();
  if (!preload.split(",").map((x) => x.trim()).includes("pg_stat_statements")) {
    return { unavailable: "pg_stat_statements is not in the server's shared_preload_libraries (run with --embedded-postgres)" };
  }
  return {
    count: async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        const { rows } = await c.query<{ n: string | null }>("SELECT sum(calls) AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)", [database]);
        return Number(rows[0]!.n ?? 0);
      } finally {
        await c.end();
      }
    },
  };
}

export async function createDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Child {
  name: string;
  url: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb: () => Promise<number>;
  /** CPU time used so far (user + system), in seconds. */
  cpuSeconds: () => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * Runs `script` (a TypeScript entry point) under node with tsx, its output to
 * bench/results/<label>.log.tmp; with BENCH_CPU_PROF naming it, with --cpu-prof.
 */
/**
 * V8 heap limits for every process the bench starts (the services and the baseline alike).
 * Left to itself V8 lets a busy service's heap grow to several times what it keeps alive
 * (about 40 MB here) before collecting, to 230-270 MB of RSS; these keep the peak near
 * 170 MB, for about 5 % of intake's throughput and 5-10 ms of its p99 (more collections).
 * A deployment should run the services with the same flags.
 */
export const serviceNodeFlags = ["--max-old-space-size=96", "--max-semi-space-size=8"];

export async function spawnNode(label: string, script: string, env: Record<string, string>, port: number, readyPath = "/health/ready"): Promise<Child> {
  mkdirSync(resultsDir, { recursive: true });
  const profiled = (process.env.BENCH_CPU_PROF ?? "").split(",").includes(label.replace(/-.*$/, ""));
  // A service runs as production runs it (its Dockerfile's CMD): the compiled build (`pnpm build`,
  // which the bench runs first) under the `compiled` condition. Only the bench's own programs
  // (the baseline) run through tsx.
  const service = /^services\/([a-z]+)\/src\/main\.ts$/.exec(script);
  const entry = service ? ["--conditions=compiled", path.join(root, "services", service[1]!, "dist", "main.js")] : ["--import", "tsx", path.join(root, script)];
  const args = [
    ...serviceNodeFlags,
    // One file per thread (tsx's loader, where it is used, runs on a thread of its own); the main thread's is the largest.
    ...(profiled ? ["--cpu-prof", "--cpu-prof-dir", path.join(resultsDir, "profiles.tmp", label)] : []),
    ...entry,
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(path.join(resultsDir, `${label}.log.tmp`));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stopping = false;
  child.once("exit", (code, signal) => {
    if (!stopping) say(`${label} exited unexpectedly (${signal ?? code}); see bench/results/${label}.log.tmp`);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label} exited during start-up; see bench/results/${label}.log.tmp`);
    try {
      const res = await fetch(url + readyPath);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${label} did not become ready at ${url}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const pid = child.pid!;
  return {
    name: label,
    url,
    pid,
    peakRssMb: async () => {
      const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
      const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
      return kb ? Math.round(Number(kb) / 1024) : NaN;
    },
    cpuSeconds: () => processCpuSeconds(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const ticks = 100;

export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Busy and total CPU time of the whole machine so far, in seconds (from /proc/stat). */
export async function machineCpuSeconds(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / ticks, total: (busy + idle! + iowait!) / ticks };
}

/**
 * A reading of the CPU time so far of every process with this command name (e.g. all Postgres
 * backends), in seconds, that never goes down: a process that has exited since an earlier reading
 * keeps what that reading saw (what it used after it is lost), where a plain sum over the live
 * processes would drop it and could make the difference between two readings negative.
 */
export function commandCpuMeter(command: string): () => Promise<number> {
  const seen = new Map<number, number>();
  let gone = 0;
  return async () => {
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== command) continue;
      const pid = Number(entry);
      const seconds = await processCpuSeconds(pid);
      const before = seen.get(pid);
      // Less than before: the pid was reused by a new process; the old one's time stays counted.
      if (before !== undefined && seconds < before) gone += before;
      seen.set(pid, seconds);
    }
    let sum = gone;
    for (const seconds of seen.values()) sum += seconds;
    return sum;
  };
}

/** Whether pg_stat_statements is loaded (in `shared_preload_libraries`, which only a restart changes). */
export async function statementsCounted(adminUrl: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const preload = (await admin.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v")).rows[0]!.v;
    return preload.split(",").map((x) => x.trim()).includes("pg_stat_statements");
  } finally {
    await admin.end();
  }
}

/**
 * A login role per service on the bench's own server, so pg_stat_statements (which keeps
 * statements apart by user) tells which service ran which statement. Superusers, as the admin
 * the services otherwise connect as; only for the bench's embedded server.
 */
export async function serviceRoles(adminUrl: string, runId: string, services: string[]): Promise<{ urlOf: (databaseUrl: string, service: string) => string; serviceOf: (role: string) => string; drop: () => Promise<void> }> {
  const password = decodeURIComponent(new URL(adminUrl).password);
  const role = (s: string) => `gh_bench_${runId}_${s}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const s of services) await admin.query(`CREATE ROLE ${role(s)} LOGIN SUPERUSER${password ? ` PASSWORD '${password.replace(/'/g, "''")}'` : ""}`);
  } finally {
    await admin.end();
  }
  return {
    urlOf: (databaseUrl, s) => {
      const u = new URL(databaseUrl);
      u.username = role(s);
      return u.toString();
    },
    serviceOf: (r) => services.find((s) => r === role(s)) ?? "bench/admin",
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        for (const s of services) await c.query(`DROP ROLE IF EXISTS ${role(s)}`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface StatementStats {
  role: string;
  query: string;
  calls: number;
  totalMs: number;
}

/** This database's statements so far by role and statement (pg_stat_statements must be loaded). */
export async function statementStats(databaseUrl: string, database: string): Promise<Map<string, StatementStats>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const { rows } = await c.query<{ role: string; queryid: string; query: string; calls: string; total: number }>(
      `SELECT r.rolname AS role, s.queryid::text, s.query, s.calls, s.total_exec_time AS total FROM pg_stat_statements s
       JOIN pg_roles r ON r.oid = s.userid WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = $1)`,
      [database],
    );
    return new Map(rows.map((r) => [`${r.role}\n${r.queryid}`, { role: r.role, query: r.query.replace(/\s+/g, " "), calls: Number(r.calls), totalMs: r.total }]));
  } finally {
    await c.end();
  }
}

/**
 * What ran between two `statementStats`: per service, statements per grievance, and each
 * statement with its calls per grievance and mean time, most called first.
 */
export function statementProfile(before: Map<string, StatementStats>, after: Map<string, StatementStats>, grievances: number, serviceOf: (role: string) => string) {
  const statements = [...after].flatMap(([key, a]) => {
    const calls = a.calls - (before.get(key)?.calls ?? 0);
    if (calls <= 0) return [];
    const totalMs = a.totalMs - (before.get(key)?.totalMs ?? 0);
    return [{ service: serviceOf(a.role), perGrievance: Math.round((calls / grievances) * 100) / 100, calls, meanMs: Math.round((totalMs / calls) * 1000) / 1000, query: a.query.slice(0, 160) }];
  });
  statements.sort((x, y) => y.calls - x.calls);
  const byService: Record<string, number> = {};
  for (const s of statements) byService[s.service] = Math.round(((byService[s.service] ?? 0) + s.calls / grievances) * 100) / 100;
  return { byService, statements };
}
