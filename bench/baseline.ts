// The intake benchmark's yardstick: a bare Fastify endpoint that validates the same body with
// the same zod schema and stores it with one INSERT. No auth, no idempotency, no outbox: what
// any HTTP-to-Postgres service pays at least. Run as its own process, like intake.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { CreateGrievanceRequest } from "@grievance-hub/schema";

// fastify is the kit's dependency, not the workspace root's: load the very copy intake runs on.
const fromKit = createRequire(import.meta.resolve("@grievance-hub/kit"));
type FastifyFactory = (opts: { logger: boolean; bodyLimit: number }) => {
  get: (path: string, handler: () => Promise<unknown>) => void;
  post: (path: string, handler: (req: { body: unknown }, reply: { status: (code: number) => { send: (body: unknown) => unknown } }) => Promise<unknown>) => void;
  listen: (opts: { host: string; port: number }) => Promise<string>;
  close: () => Promise<void>;
};
const { default: Fastify } = (await import(pathToFileURL(fromKit.resolve("fastify")).href)) as { default: FastifyFactory };

const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const port = Number(process.env.PORT ?? 3101);
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_SIZE ?? 10) });

await pool.query(`CREATE SCHEMA IF NOT EXISTS bench_baseline;
  CREATE TABLE IF NOT EXISTS bench_baseline.grievances (
    id uuid PRIMARY KEY, received_at timestamptz NOT NULL, division_code text NOT NULL, language text NOT NULL,
    description text NOT NULL, body jsonb NOT NULL)`);

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
app.get("/health/ready", async () => ({ status: "ready" }));
app.post("/v1/grievances", async (req, reply) => {
  const parsed = CreateGrievanceRequest.safeParse(req.body);
  if (!parsed.success) return reply.status(400).send({ title: "Invalid request", errors: parsed.error.issues.map((i) => i.path.join(".")) });
  const g = parsed.data;
  const id = randomUUID();
  await pool.query("INSERT INTO bench_baseline.grievances (id, received_at, division_code, language, description, body) VALUES ($1, now(), $2, $3, $4, $5)", [
    id,
    g.location.divisionCode,
    g.complainant?.language ?? g.language ?? "zh",
    g.description,
    JSON.stringify(g),
  ]);
  return reply.status(202).send({ id, status: "received" });
});

await app.listen({ host: "127.0.0.1", port });
const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
