// Postgres: one pool per service, migrations per service schema, and the one place
// a transaction is opened.
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
    options: `-c search_path=${opts.schema},public`,
  });
  // An idle client losing its server is expected during a database restart; the pool replaces it.
  pool.on("error", (err) => opts.logger.warn({ err: { message: err.message } }, "idle database connection lost"));
  return pool;
}

/** Runs the runtime kit's migrations (outbox, inbox) and then the service's own, in the service's schema. */
export async function migrate(opts: { databaseUrl: string; schema: string; dir: string; logger: Logger }): Promise<void> {
  await runner({
    databaseUrl: opts.databaseUrl,
    dir: [`${kitMigrations}/*.sql`, `${opts.dir}/*.sql`],
    useGlob: true,
    direction: "up",
    schema: opts.schema,
    createSchema: true,
    migrationsSchema: opts.schema,
    migrationsTable: "schema_migrations",
    checkOrder: false,
    log: (msg: string) => opts.logger.debug({ migration: msg }, "migration"),
  });
}

export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client whose server goes away emits 'error'; unheard, that would crash the
  // process. The transaction's next query fails anyway, and the broken client is not reused.
  let lost: Error | undefined;
  const onLost = (err: Error) => void (lost = err);
  client.on("error", onLost);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.removeListener("error", onLost);
    client.release(lost);
  }
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
