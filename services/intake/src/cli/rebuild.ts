// `pnpm rebuild:intake [--from 2026-11-01T00:00:00Z]` — rebuild intake's status and timeline
// from triage's case events. Stop intake first; the command refuses while its consumer group is active.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createKafka, createLogger, createPool, loadConfig, migrate, parseRebuildArgs } from "@grievance-hub/kit";
import { IntakeConfig } from "../config";
import { rebuildIntake } from "../rebuild";

const { from } = parseRebuildArgs("intake", "Rebuilds intake's status and timeline of each grievance from triage's case events.");
const config = loadConfig(IntakeConfig);
const logger = createLogger("intake-rebuild", config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
await migrate({ databaseUrl: config.DATABASE_URL, schema: "intake", dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations"), logger });
const pool = createPool({ databaseUrl: config.DATABASE_URL, size: 2, connectTimeoutMs: 5000, schema: "intake", logger });
try {
  const result = await rebuildIntake({ pool, kafka: createKafka({ clientId: "intake-rebuild", brokers: config.KAFKA_BROKERS, logger }), topicPrefix: config.KAFKA_TOPIC_PREFIX, liveGroupId: config.KAFKA_TOPIC_PREFIX + "intake", logger, ...(from ? { from } : {}) });
  process.stdout.write(`rebuilt intake's status and timeline from ${result.events} events in ${result.seconds.toFixed(1)} s\n`);
} catch (err) {
  process.stderr.write(`rebuild: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
