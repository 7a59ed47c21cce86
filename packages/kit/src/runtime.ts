// What every service opens at start-up and closes at shutdown: logger, pool + migrations,
// Kafka topics and producer, outbox relay, readiness checks.
import type { Kafka } from "kafkajs";
import type { BaseConfig } from "./config";
import { createPool, migrate, type Pool } from "./db";
import { createKafka, createProducer, createsTopics, ensureTopics, kafkaSecurity, requireTopics, type Publisher } from "./kafka";
import { OutboxRelay, type OutboxContext } from "./outbox";
import { withTimeout, type ReadinessCheck } from "./http";
import type { Logger } from "./logger";
import { createTokenVerifier, type TokenVerifier } from "./auth";
import { createMetrics, type ServiceMetrics } from "./metrics";
import { keyEncryptionKeys } from "./crypto/config";
import { Keyring } from "./crypto/keyring";

export interface ServiceRuntime {
  name: string;
  schema: string;
  config: BaseConfig;
  logger: Logger;
  pool: Pool;
  kafka: Kafka;
  producer: Publisher;
  relay: OutboxRelay;
  outbox: OutboxContext;
  topic: (name: string) => string;
  auth: TokenVerifier;
  readiness: ReadinessCheck[];
  metrics: ServiceMetrics;
  /** Seals and opens personal data (the keyring shared by every service). */
  keyring: Keyring;
  close: () => Promise<void>;
}

export async function openRuntime(opts: { name: string; schema: string; migrationsDir: string; config: BaseConfig; logger: Logger }): Promise<ServiceRuntime> {
  const { config, logger, schema } = opts;
  // A missing or unreadable key file stops start-up before anything is opened.
  const kek = keyEncryptionKeys(config);
  await migrate({ databaseUrl: config.DATABASE_URL, schema, dir: opts.migrationsDir, logger });
  const pool = createPool({ databaseUrl: config.DATABASE_URL, size: config.DB_POOL_SIZE, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, schema, logger });
  const kafka = createKafka({ clientId: opts.name, brokers: config.KAFKA_BROKERS, logger, security: kafkaSecurity(config) });
  const replication = { replicationFactor: config.KAFKA_REPLICATION_FACTOR, minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS };
  if (createsTopics(config)) await ensureTopics(kafka, config.KAFKA_TOPIC_PREFIX, replication);
  else await requireTopics(kafka, config.KAFKA_TOPIC_PREFIX);
  const producer = createProducer(kafka, logger);
  await producer.connect();
  const relay = new OutboxRelay({ pool, databaseUrl: config.DATABASE_URL, schema, producer, logger, pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS });
  const metrics = createMetrics(opts.name, relay, kafka);
  const admin = kafka.admin();
  let adminConnected = false;

  const readiness: ReadinessCheck[] = [
    { name: "database", check: async () => void (await pool.query("SELECT 1")) },
    {
      name: "kafka",
      check: async () => {
        if (!adminConnected) {
          await withTimeout(admin.connect(), 1500, "kafka did not answer within 1.5 s");
          adminConnected = true;
        }
        const cluster = await withTimeout(admin.describeCluster(), 1500, "kafka did not answer within 1.5 s");
        return { brokers: cluster.brokers.length };
      },
    },
    { name: "outbox", check: async () => ({ ...(await relay.status()) }) },
  ];

  return {
    name: opts.name,
    schema,
    config,
    logger,
    pool,
    kafka,
    producer,
    relay,
    outbox: { schema, source: `/grievance-hub/${opts.name}`, topicPrefix: config.KAFKA_TOPIC_PREFIX, announce: () => relay.announce() },
    topic: (name) => config.KAFKA_TOPIC_PREFIX + name,
    auth: await createTokenVerifier(config),
    readiness,
    metrics,
    keyring: new Keyring(pool, kek, { size: config.KEYRING_CACHE_SIZE, ttlMs: config.KEYRING_CACHE_TTL_MS }),
    close: async () => {
      await relay.stop();
      await metrics.close();
      await producer.disconnect().catch(() => undefined);
      if (adminConnected) await admin.disconnect().catch(() => undefined);
      await pool.end();
    },
  };
}
