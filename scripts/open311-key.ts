// `pnpm --silent open311-key create --name NAME`  prints a new Open311 API key and nothing else
// `pnpm --silent open311-key list`                 every key's name, creation and revocation (never a key)
// `pnpm --silent open311-key revoke --name NAME`   the key of that name stops working at once
// Reads DATABASE_URL like the services and runs intake's migrations first, so it works on a
// fresh database. A key is shown once: only its SHA-256 is stored.
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { BaseConfig, ConfigError, createLogger, loadConfig, migrate } from "@grievance-hub/kit";
import { ApiKeyName, ApiKeyNameTaken, createApiKey, listApiKeys, revokeApiKey } from "../services/intake/src/db/api-keys";

const usage = "usage: pnpm --silent open311-key create --name NAME | list | revoke --name NAME\n";

function fail(message: string, code: number): never {
  process.stderr.write(`open311-key: ${message}\n`);
  process.exit(code);
}

function readArgs(): { command: "create" | "list" | "revoke"; name: string | undefined } {
  let parsed;
  try {
    parsed = parseArgs({ options: { name: { type: "string" } }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`open311-key: ${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  const [command, ...extra] = parsed.positionals;
  const name = parsed.values.name;
  if (extra.length > 0 || !((command === "list" && name === undefined) || ((command === "create" || command === "revoke") && name !== undefined))) {
    process.stderr.write(usage);
    process.exit(2);
  }
  if (name !== undefined) {
    const valid = ApiKeyName.safeParse(name);
    if (!valid.success) fail(`--name: ${valid.error.issues[0]!.message}`, 2);
  }
  return { command, name };
}

const { command, name } = readArgs();

const KeyCommandConfig = BaseConfig.pick({ DATABASE_URL: true, LOG_LEVEL: true });
let config: Pick<BaseConfig, "DATABASE_URL" | "LOG_LEVEL">;
try {
  config = loadConfig(KeyCommandConfig);
} catch (err) {
  if (err instanceof ConfigError) fail(err.message, 2);
  throw err;
}

// Logs go to stderr: stdout carries the key alone, for `KEY=$(pnpm --silent open311-key create ...)`.
const logger = createLogger("open311-key", config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL, process.stderr);
await migrate({ databaseUrl: config.DATABASE_URL, schema: "intake", dir: path.resolve(import.meta.dirname, "../services/intake/migrations"), logger });
const db = new pg.Client({ connectionString: config.DATABASE_URL, options: "-c search_path=intake,public" });
await db.connect();
try {
  if (command === "create") {
    process.stdout.write(`${await createApiKey(db, name!)}\n`);
  } else if (command === "revoke") {
    if (!(await revokeApiKey(db, name!))) fail(`no working key named "${name}"`, 1);
    process.stdout.write(`revoked ${name}\n`);
  } else {
    process.stdout.write(["name", "created at", "revoked at"].join("\t") + "\n");
    for (const k of await listApiKeys(db)) process.stdout.write([k.name, k.createdAt.toISOString(), k.revokedAt?.toISOString() ?? "-"].join("\t") + "\n");
  }
} catch (err) {
  if (err instanceof ApiKeyNameTaken) fail(err.message, 1);
  throw err;
} finally {
  await db.end();
}
