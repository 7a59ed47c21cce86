// `pnpm rebuild:triage [--from 2026-11-01T00:00:00Z]` — rebuild the case projection from the
// topics. Stop the triage service first; the command refuses while its consumer group is active.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createKafka, createLogger, createPool, loadConfig, migrate, parseRebuildArgs } from "@grievance-hub/kit";
import { TriageConfig } from "../config";
import { rebuildTriage } from "../rebuild";

const { from } = parseRebuildArgs("triage", "Rebuilds triage's cases, timelines, links and reminders from grievances.internal and cases.internal.");
const config = loadConfig(TriageConfig);
const logger = createLogger("triage-rebuild", config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
await migrate({ databaseUrl: config.DATABASE_URL, schema: "triage", dir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations"), logger });
const pool = createPool({ databaseUrl: config.DATABASE_URL, size: 2, connectTimeoutMs: 5000, schema: "triage", logger });
try {
  const result = await rebuildTriage({ pool, kafka: createKafka({ clientId: "triage-rebuild", brokers: config.KAFKA_BROKERS, logger }), topicPrefix: config.KAFKA_TOPIC_PREFIX, liveGroupId: config.KAFKA_TOPIC_PREFIX + config.TRIAGE_CONSUMER_GROUP, logger, ...(from ? { from } : {}) });
  process.stdout.write(`rebuilt triage's projection from ${result.events} events in ${result.seconds.toFixed(1)} s\n`);
} catch (err) {
  process.stderr.write(`rebuild: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
