// `pnpm tsx bench/seal-cost.ts`: what sealing personal data adds per grievance in intake.
//   1. CPU: grievance.received encoded as v1 (plain) and as v2 (fields sealed with a cached data
//      key, AES-256-GCM), both with their public counterpart, over the bench's grievance stream.
//   2. Keyring: the first grievance of a caller makes and stores their data key (a look-up, a
//      wrap under the local KEK and an INSERT); measured against the Postgres at DATABASE_URL
//      (default: the local one), in a database of its own that is dropped afterwards.
// Prints microseconds per grievance; compare with intake's cost per grievance in `pnpm bench`.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { createLogger, createPool, encodeEventWithPublic, Keyring, LocalKeyFile, migrate, sealWith } from "@grievance-hub/kit";
import { dataSubjectOf, sealGrievanceReceived, type GrievanceReceivedV1 } from "@grievance-hub/schema";
import { toReceivedEvent } from "../services/intake/src/domain/grievance";
import { grievance, random } from "./grievances";

const N = 20_000;
const r = random(7);
const events: GrievanceReceivedV1[] = [];
for (let n = 0; n < N; n++) {
  const decided = toReceivedEvent({ ...grievance(n, r).body, channel: "phone" }, { grievanceId: randomUUID(), trackingCode: "TAERX-6MFTA", receivedAt: new Date() }, { phoneHashKey: "bench-phone-hash-key-0123456789", defaultPhoneRegion: "CN" });
  if (decided.ok) events.push(decided.event);
}
const opts = { source: "/grievance-hub/intake", topicPrefix: "gh." };
const key = randomBytes(32);
const keyId = randomUUID();

function microsPerGrievance(fn: (g: GrievanceReceivedV1) => void): number {
  for (const g of events.slice(0, 2000)) fn(g); // warm up
  const started = process.hrtime.bigint();
  for (const g of events) fn(g);
  return Number(process.hrtime.bigint() - started) / 1000 / events.length;
}

const plain = microsPerGrievance((g) => encodeEventWithPublic("grievance.received.v1", g, opts));
const sealed = microsPerGrievance((g) => encodeEventWithPublic("grievance.received.v2", sealGrievanceReceived(g, (field, value) => sealWith(key, keyId, field, value)), opts));

const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `gh_seal_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const logger = createLogger("seal-bench", "warn");
let newKey = 0;
try {
  await migrate({ databaseUrl: url.toString(), schema: "intake", dir: mkdtempSync(path.join(tmpdir(), "gh-no-migrations-")), logger });
  const pool = createPool({ databaseUrl: url.toString(), size: 2, connectTimeoutMs: 5000, schema: "intake", logger });
  const keyring = new Keyring(pool, new LocalKeyFile(path.resolve(import.meta.dirname, "../packages/kit/dev/development.kek")));
  const callers = events.slice(0, 3000);
  for (const g of callers.slice(0, 300)) await keyring.sealerFor(`warm-up:${dataSubjectOf(g)}`);
  const started = process.hrtime.bigint();
  for (const g of callers) await keyring.sealerFor(dataSubjectOf(g));
  newKey = Number(process.hrtime.bigint() - started) / 1000 / callers.length;
  await pool.end();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}

const row = (what: string, us: number) => `${what.padEnd(58)} ${us.toFixed(1).padStart(8)} µs`;
process.stdout.write(
  [
    `${events.length} grievances of the bench's stream, one process, this machine:`,
    row("encode grievance.received.v1 + public counterpart", plain),
    row("seal fields + encode grievance.received.v2 + public", sealed),
    row("added by sealing (CPU, key cached)", sealed - plain),
    row("a caller's first grievance: make + wrap + store the key", newKey),
  ].join("\n") + "\n",
);
