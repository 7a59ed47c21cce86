// Postgres: one pool per service, migrations per service schema, and the one place
// a transaction is opened.
import { createHash } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { runner } from "node-pg-migrate";
import type { Logger } from "./logger";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

const kitMigrations = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../migrations");

export function createPool(opts: { databaseUrl: string; size: number; connectTimeoutMs: number; schema: string; logger: Logger }): Pool {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.size,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A query that hangs (server gone without a FIN) fails instead of holding a request.
    query_timeout: 10_000,
    // Prepared statements (see prepareStatements) are still planned for their values on every
    // execution, as unnamed ones are: a generic plan chosen after five runs can be far worse
    // (it turned the clean-up of sent notifications' source events into a scan of every delivery).
    options: `-c search_path=${opts.schema},public -c plan_cache_mode=force_custom_plan`,
  });
  // An idle client losing its server is expected during a database restart; the pool replaces it.
  pool.on("error", (err) => opts.logger.warn({ err: { message: err.message } }, "idle database connection lost"));
  pool.on("connect", (client) => {
    prepareStatements(client);
    // The pool listens for errors on idle clients only; one that is being ended (pool.end, a
    // removed idle client) may still hear its server say FATAL (an administrator's terminate, a
    // restart), which unheard would crash the process.
    client.on("error", (err) => opts.logger.debug({ err: { message: err.message } }, "database connection closed by the server"));
  });
  return pool;
}

const statementNames = new Map<string, string>();

/**
 * Sends each parameterised statement as a prepared statement named after its text, so that
 * Postgres parses and analyses it once per connection rather than on every call (a quarter of
 * the server's time for the small statements the services run). Statement texts are fixed
 * in the code; past 1000 distinct ones, further ones go unnamed.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values, ...rest] = args;
    if (typeof text !== "string" || !Array.isArray(values) || values.length === 0) return query(...args);
    let name = statementNames.get(text);
    if (name === undefined && statementNames.size < 1000) {
      name = `gh_${createHash("sha1").update(text).digest("base64url").slice(0, 20)}`;
      statementNames.set(text, name);
    }
    return name === undefined ? query(...args) : query({ name, text, values }, ...rest);
  };
}

/**
 * Runs the runtime kit's migrations (outbox, inbox, rate limits, keyring, access log) and then the
 * service's own, in the service's schema; with `kitTables: false` only the service's own (the
 * console, which keeps sessions and none of those).
 */
export async function migrate(opts: { databaseUrl: string; schema: string; dir: string; logger: Logger; kitTables?: boolean }): Promise<void> {
  await runner({
    databaseUrl: opts.databaseUrl,
    dir: [...(opts.kitTables === false ? [] : [`${kitMigrations}/*.sql`]), `${opts.dir}/*.sql`],
    useGlob: true,
    direction: "up",
    schema: opts.schema,
    // A service role may own its schema without the right to create schemas (as in the compose
    // Postgres), and CREATE SCHEMA IF NOT EXISTS needs that right even when the schema exists.
    createSchema: !(await schemaExists(opts.databaseUrl, opts.schema)),
    migrationsSchema: opts.schema,
    migrationsTable: "schema_migrations",
    checkOrder: false,
    log: (msg: string) => opts.logger.debug({ migration: msg }, "migration"),
  });
}

async function schemaExists(databaseUrl: string, schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

/** What to do once the transaction a client is in (through `withTransaction`) has committed. */
const afterCommitActions = new WeakMap<PoolClient, (() => void)[]>();

/**
 * Runs `action` once the `withTransaction` that `client` is in has committed (never after a
 * rollback); false, and nothing registered, when `client` is not in one.
 */
export function afterCommit(client: PoolClient, action: () => void): boolean {
  const actions = afterCommitActions.get(client);
  actions?.push(action);
  return actions !== undefined;
}

/** Per pool and channel: a NOTIFY is being sent (false), and another is wanted after it (true). */
const notifying = new WeakMap<Pool, Map<string, boolean>>();

/**
 * NOTIFY `channel` (without payload) once the surrounding `withTransaction` has committed, not
 * inside it: Postgres holds one cluster-wide lock from a notifying transaction's commit until
 * its WAL is flushed, so notifying writers would commit one after another. After the commit,
 * one NOTIFY at a time goes out per channel, and one more after it when more commits came
 * meanwhile: listeners wake as before, once per burst instead of once per transaction.
 * Outside `withTransaction`, the NOTIFY is sent in the caller's transaction as it stands.
 */
export async function notifyOnCommit(client: PoolClient, pool: Pool, channel: string): Promise<void> {
  if (afterCommit(client, () => notifyCoalesced(pool, channel))) return;
  await client.query("SELECT pg_notify($1, '')", [channel]);
}

/** NOTIFY `channel` from `pool`: one at a time per channel, and one more after it when called meanwhile. */
export function notifyCoalesced(pool: Pool, channel: string): void {
  let channels = notifying.get(pool);
  if (!channels) notifying.set(pool, (channels = new Map()));
  if (channels.has(channel)) return void channels.set(channel, true);
  channels.set(channel, false);
  pool
    .query("SELECT pg_notify($1, '')", [channel])
    .catch(() => undefined) // listeners also poll; a lost wake-up only delays
    .finally(() => {
      const again = channels.get(channel);
      channels.delete(channel);
      if (again) notifyCoalesced(pool, channel);
    });
}

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const actions: (() => void)[] = [];
  afterCommitActions.set(client, actions);
  // A checked-out client whose server goes away emits 'error'; unheard, that would crash the
  // process. The transaction's next query fails anyway, and the broken client is not reused.
  let lost: Error | undefined;
  const onLost = (err: Error) => void (lost = err);
  client.on("error", onLost);
  let result: T;
  try {
    await client.query("BEGIN");
    result = await fn(client);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    afterCommitActions.delete(client);
    client.removeListener("error", onLost);
    client.release(lost);
  }
  for (const action of actions) action();
  return result;
}

/** True when the error means the database cannot be reached now (as opposed to a bad query). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code ?? "";
  if (["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03", "53300", "08000", "08003", "08006", "08001", "08004"].includes(code)) {
    return true;
  }
  // "not queryable": a checked-out client whose connection was lost mid-transaction.
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection timeout|the database system is (starting up|shutting down)|connection error and is not queryable/i.test(err.message);
}
