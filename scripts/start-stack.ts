// `pnpm start`: the whole stack in the foreground. Kafka (the local broker script unless
// KAFKA_BROKERS is set), Postgres (an embedded one unless DATABASE_URL is set), the development
// OpenID Provider, the three services and the console as child processes, demo seed data.
// Ctrl-C or SIGTERM stops all it started.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { startEmbeddedPostgres } from "./embedded-postgres";
import { demoCaseworkers, demoTeams, seedDemo } from "./demo-seed";
import { demoPeople } from "../services/console/src/dev-provider/provider";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const kafkaScript = path.join(root, "infra/kafka/kafka.sh");
const cleanups: (() => Promise<unknown>)[] = [];
const children: ChildProcess[] = [];
let stopping = false;

function say(message: string): void {
  process.stdout.write(`[stack] ${message}\n`);
}

async function startKafka(): Promise<string> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const wasRunning = await run("bash", [kafkaScript, "status"]).then(() => true, () => false);
  say("starting the local Kafka broker (first run fetches Apache Kafka's jars with Maven)");
  const child = spawn("bash", [kafkaScript, "start"], { stdio: "inherit" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error("the Kafka broker did not start (see infra/kafka/run/kafka.log)");
  if (!wasRunning) cleanups.push(() => run("bash", [kafkaScript, "stop"]));
  return "127.0.0.1:9092";
}

async function startPostgres(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const port = Number(process.env.EMBEDDED_POSTGRES_PORT ?? 5488);
  say(`starting an embedded PostgreSQL on 127.0.0.1:${port} (data in .data/postgres)`);
  const pg = await startEmbeddedPostgres(path.join(root, ".data/postgres"), port);
  cleanups.push(pg.stop);
  return pg.url;
}

function startService(name: string, env: NodeJS.ProcessEnv, main = `services/${name}/src/main.ts`): void {
  // The heap limits `pnpm bench` measures peak RSS under (each service stays under 200 MB), as in the Dockerfiles.
  const child = spawn(process.execPath, ["--max-old-space-size=96", "--max-semi-space-size=8", "--import", "tsx", path.join(root, main)], {
    cwd: root,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); stopping the stack`);
    void stop(1);
  });
}

async function waitReady(name: string, url: string, probe = "/health/ready"): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(`${url}${probe}`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} did not become ready at ${url}`);
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say("stopping");
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGTERM");
          setTimeout(() => c.kill("SIGKILL"), 15_000).unref();
        }),
    ),
  );
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: Error) => say(`cleanup failed: ${err.message}`));
  say("stopped");
  process.exit(code);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
// `pnpm start` does not pass a SIGTERM on to its script: when pnpm goes, this process is
// re-parented, and that is the signal to stop everything it started.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 500).unref();

try {
  const [brokers, databaseUrl] = await Promise.all([startKafka(), startPostgres()]);
  const consolePort = process.env.CONSOLE_PORT ?? "3004";
  const oidcPort = process.env.OIDC_PORT ?? "3005";
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const issuer = `http://127.0.0.1:${oidcPort}`;
  // The development OpenID Provider signs the console's access tokens; the services verify them with its JWKS.
  startService("dev OpenID Provider", { ...process.env, OIDC_PORT: oidcPort, CONSOLE_URL: consoleUrl }, "services/console/src/dev-provider/main.ts");
  await waitReady("dev OpenID Provider", issuer, "/.well-known/openid-configuration");
  const env = { ...process.env, KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, JWT_JWKS_URL: `${issuer}/jwks`, CASE_URL_BASE: `${consoleUrl}/cases`, STATUS_URL: `${consoleUrl}/track/{code}` };
  const ports = { intake: process.env.INTAKE_PORT ?? "3001", triage: process.env.TRIAGE_PORT ?? "3002", notification: process.env.NOTIFICATION_PORT ?? "3003" };
  // Metrics on ports of their own, as infra/observability/prometheus.yml scrapes them.
  const metricsPorts: Record<string, string> = { intake: "9464", triage: "9465", notification: "9466" };
  // Sequential start: each service runs its own migrations; the first creates the topics.
  for (const [name, port] of Object.entries(ports)) {
    startService(name, { ...env, PORT: port, METRICS_PORT: metricsPorts[name]! });
    await waitReady(name, `http://127.0.0.1:${port}`);
  }
  await seedDemo(`http://127.0.0.1:${ports.triage}`);
  say(`demo data: ${demoTeams.length} teams and ${demoCaseworkers.length} caseworkers in division 440402 (Xiangzhou)`);
  say("building the console's web app (vite)");
  await run(process.execPath, [path.join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], { cwd: path.join(root, "services/console"), env: { ...process.env, NODE_ENV: "production" } });
  startService("console", { ...process.env, DATABASE_URL: databaseUrl, PORT: consolePort, PUBLIC_URL: consoleUrl, OIDC_ISSUER: issuer, INTAKE_URL: `http://127.0.0.1:${ports.intake}`, TRIAGE_URL: `http://127.0.0.1:${ports.triage}`, NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}` });
  await waitReady("console", consoleUrl);
  say("ready:");
  say(`  console       ${consoleUrl}   (sign in as ${demoPeople.map((p) => `${p.sub} [${p.role}]`).join(", ")}; password "demo")`);
  say(`  sign-in       ${issuer}   (development OpenID Provider; never with NODE_ENV=production)`);
  say(`  intake        http://127.0.0.1:${ports.intake}   (POST /v1/grievances)`);
  say(`  triage        http://127.0.0.1:${ports.triage}   (GET /v1/tasks)`);
  say(`  notification  http://127.0.0.1:${ports.notification}`);
  say(`  metrics       http://127.0.0.1:9464/metrics  :9465  :9466 (intake, triage, notification)`);
  say(`  API docs      http://127.0.0.1:${ports.intake}/docs  http://127.0.0.1:${ports.triage}/docs`);
  say("  tokens        pnpm --silent dev-token --role operator --sub op-1");
  say(`  kafka         ${brokers}`);
  say(`  postgres      ${databaseUrl.replace(/:[^:@/]+@/, ":***@")}`);
  say("Ctrl-C stops everything this command started.");
} catch (err) {
  say(`could not start: ${(err as Error).message}`);
  await stop(1);
}
