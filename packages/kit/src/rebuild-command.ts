// What every `pnpm rebuild:<service>` command does around its service's own rebuild: read the
// arguments, load the configuration, migrate, open a small pool and a Kafka client, run, say
// what it did, and exit 1 with the reason when it could not (refused while the service runs).
import type { Kafka } from "kafkajs";
import type { z } from "zod";
import { loadConfig, type BaseConfig } from "./config";
import { createPool, migrate, type Pool } from "./db";
import { createKafka, kafkaSecurity } from "./kafka";
import { createLogger, type Logger } from "./logger";
import { parseRebuildArgs } from "./replay";
import { keyEncryptionKeys } from "./crypto/config";
import { Keyring } from "./crypto/keyring";

export interface RebuildArgs {
  pool: Pool;
  /** Opens the sealed fields of the events replayed. */
  keyring: Keyring;
  kafka: Kafka;
  topicPrefix: string;
  liveGroupId: string;
  logger: Logger;
  from?: Date;
}

export async function runRebuildCommand<C extends BaseConfig>(opts: {
  service: string;
  /** One line for --help: what is rebuilt from which topics. */
  what: string;
  /** What the last line names: "triage's projection". */
  rebuilt: string;
  configSchema: z.ZodType<C>;
  migrationsDir: string;
  liveGroup: (config: C) => string;
  rebuild: (args: RebuildArgs) => Promise<{ events: number; seconds: number }>;
}): Promise<void> {
  const { from } = parseRebuildArgs(opts.service, opts.what);
  const config = loadConfig(opts.configSchema);
  const logger = createLogger(`${opts.service}-rebuild`, config.LOG_LEVEL === "info" ? "warn" : config.LOG_LEVEL);
  await migrate({ databaseUrl: config.DATABASE_URL, schema: opts.service, dir: opts.migrationsDir, logger });
  // Room for a rebuild applying several partitions at once (triage's does).
  const pool = createPool({ databaseUrl: config.DATABASE_URL, size: 4, connectTimeoutMs: 5000, schema: opts.service, logger });
  try {
    const kafka = createKafka({ clientId: `${opts.service}-rebuild`, brokers: config.KAFKA_BROKERS, logger, security: kafkaSecurity(config) });
    const keyring = new Keyring(pool, keyEncryptionKeys(config), { size: config.KEYRING_CACHE_SIZE, ttlMs: config.KEYRING_CACHE_TTL_MS });
    const result = await opts.rebuild({ pool, keyring, kafka, topicPrefix: config.KAFKA_TOPIC_PREFIX, liveGroupId: config.KAFKA_TOPIC_PREFIX + opts.liveGroup(config), logger, ...(from ? { from } : {}) });
    process.stdout.write(`rebuilt ${opts.rebuilt} from ${result.events} events in ${result.seconds.toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(`rebuild: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}
