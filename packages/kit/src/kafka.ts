// kafkajs stays behind this module: the rest of the code sees producers and topic set-up only.
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import kafkajs, { Kafka, logLevel, Partitioners, type Admin, type ICustomPartitioner, type Message, type Producer, type RecordMetadata, type SASLOptions, type TopicMessages } from "kafkajs";
import { topicSpecs } from "@grievance-hub/schema";
import { ConfigError, type KafkaClientConfig } from "./config";
import { safeErrorMessage, type Logger } from "./logger";

// Not named exports to Node's ESM loader (kafkajs' exports object defeats its CommonJS analysis).
const { ConfigResourceTypes, ConfigSource } = kafkajs;

export type { Producer };

/** What kafkajs is given to reach a secured cluster: TLS and SASL options. */
export interface KafkaSecurity {
  ssl?: true | ConnectionOptions;
  sasl?: SASLOptions;
}

/**
 * Maps the Kafka security settings (already checked by loadConfig) to kafkajs options, reading
 * the PEM files named. A file that cannot be read stops start-up naming its variable.
 */
export function kafkaSecurity(config: KafkaClientConfig, readFile: (path: string) => Buffer | string = (path) => readFileSync(path)): KafkaSecurity {
  const read = (name: "KAFKA_SSL_CA_FILE" | "KAFKA_SSL_CERT_FILE" | "KAFKA_SSL_KEY_FILE") => {
    const path = config[name];
    if (!path) return undefined;
    try {
      return readFile(path);
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  ${name}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
  };
  const security: KafkaSecurity = {};
  if (config.KAFKA_SSL) {
    const ca = read("KAFKA_SSL_CA_FILE");
    const cert = read("KAFKA_SSL_CERT_FILE");
    const key = read("KAFKA_SSL_KEY_FILE");
    security.ssl = ca || cert ? { ...(ca ? { ca: [ca] } : {}), ...(cert && key ? { cert, key } : {}) } : true;
  }
  if (config.KAFKA_SASL_MECHANISM && config.KAFKA_SASL_USERNAME && config.KAFKA_SASL_PASSWORD) {
    const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
    security.sasl =
      config.KAFKA_SASL_MECHANISM === "plain"
        ? { mechanism: "plain", username, password }
        : config.KAFKA_SASL_MECHANISM === "scram-sha-256"
          ? { mechanism: "scram-sha-256", username, password }
          : { mechanism: "scram-sha-512", username, password };
  }
  return security;
}

export function createKafka(opts: { clientId: string; brokers: string[]; logger: Logger; security?: KafkaSecurity }): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...opts.security,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log }) => {
      const { message, ...extra } = log;
      // Retries are bounded on purpose (the relay retries the batch itself); duplicates that
      // a retry may cause are absorbed by the idempotent consumers.
      if (message.startsWith("Limiting retries for the idempotent producer")) return;
      // Only named fields, and errors as their sanitised message: kafkajs passes handler errors
      // through whole, and a Postgres error's detail repeats the row it refused.
      const fields = { kafka: { broker: extra["broker"], clientId: extra["clientId"], groupId: extra["groupId"], ...(extra["error"] ? { error: safeErrorMessage(extra["error"]) } : {}) } };
      if (level <= logLevel.ERROR) opts.logger.error(fields, `kafka: ${safeErrorMessage(message)}`);
      else opts.logger.warn(fields, `kafka: ${safeErrorMessage(message)}`);
    },
  });
}

/** What the services publish with: a producer's connect, send and disconnect. */
export type Publisher = Pick<Producer, "connect" | "disconnect" | "send" | "sendBatch">;

/**
 * Broker answers after which an idempotent producer's sequence numbers are out of step with the
 * broker for good (after a broker restart, kafkajs #598): every later send fails the same way,
 * and only a new producer, with a new producer id, publishes again.
 */
const DESYNCHRONISED = new Set(["OUT_OF_ORDER_SEQUENCE_NUMBER", "UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"]);

function isDesynchronised(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null || depth > 3) return false;
  const e = err as { type?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.type === "string" && DESYNCHRONISED.has(e.type)) return true;
  if (isDesynchronised(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isDesynchronised(inner, depth + 1));
}

/** Rounds of sending what the broker left unanswered before the send fails (its rows stay for the caller's next attempt). */
const COMPLETION_ROUNDS = 5;

/**
 * An idempotent producer (acks from all in-sync replicas, no duplicates on retry) that renews
 * itself when the broker says its sequence numbers are out of step: the failed send still
 * fails (its rows stay for the caller's next attempt), and the next one goes out on a new
 * producer id. The failed batch was refused by the broker, so nothing of it was written.
 *
 * It also makes sure every message of a send was acknowledged. kafkajs 2.2.4 keeps a send's
 * answers per broker across its retries (tulios/kafkajs#1303): when a leader dies mid-send and
 * its partitions move to a broker that has already answered for others, the retry sends
 * nothing for them and the send resolves as if they were written. So each message's partition
 * is noted as the partitioner picks it, and a partition without an answer is sent again, on the
 * same partition by the same producer: its sequence numbers were rolled back when its request
 * failed, so a copy that did reach the log is recognised by the broker, not written twice.
 */
export function createProducer(kafka: Kafka, logger?: Logger): Publisher {
  const placed = new WeakMap<Message, number>();
  const noting: ICustomPartitioner = () => {
    const pick = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = pick(args);
      placed.set(args.message, partition);
      return partition;
    };
  };
  const make = () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: noting });
  let current = make();
  let currentConnected = false;
  let wanted = false;
  const ready = async () => {
    if (wanted && !currentConnected) {
      await current.connect();
      currentConnected = true;
    }
    return current;
  };
  const renewIfDesynchronised = async (err: unknown) => {
    if (!isDesynchronised(err)) return;
    const stale = current;
    current = make();
    currentConnected = false;
    logger?.warn({ kafka: { error: safeErrorMessage(err) } }, "kafka: the producer's sequence is out of step with the broker; publishing on a new producer id from the next send");
    await stale.disconnect().catch(() => undefined);
  };
  /** Sends, then sends again what no partition answer covers, until all is acknowledged. */
  const complete = async (producer: Producer, topicMessages: TopicMessages[], send: (p: Producer, topicMessages: TopicMessages[]) => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> => {
    const answers: RecordMetadata[] = [];
    let pending = topicMessages;
    for (let round = 1; ; round++) {
      const answered = await send(producer, pending);
      answers.push(...answered);
      const acknowledged = new Set(answered.map((r) => `${r.partition}@${r.topicName}`));
      pending = pending
        .map(({ topic, messages }) => ({
          topic,
          messages: messages.flatMap((m): Message[] => {
            const partition = m.partition ?? placed.get(m);
            // A message no partitioner placed was never in a request (kafkajs threw before): nothing to check.
            return partition === undefined || acknowledged.has(`${partition}@${topic}`) ? [] : [{ ...m, partition }];
          }),
        }))
        .filter((t) => t.messages.length > 0);
      if (pending.length === 0) return answers;
      const unanswered = pending.map((t) => `${t.topic} [${[...new Set(t.messages.map((m) => m.partition))].join(",")}]`).join("; ");
      if (round === COMPLETION_ROUNDS) throw new Error(`kafka: no acknowledgement for ${unanswered} after ${round} sends`);
      logger?.warn({ kafka: { unanswered } }, "kafka: partitions left unanswered by a send (a leader moved during it); sending their messages again");
    }
  };
  const publishing =
    <A>(call: (p: Producer, arg: A) => Promise<RecordMetadata[]>) =>
    async (arg: A): Promise<RecordMetadata[]> => {
      const producer = await ready();
      try {
        return await call(producer, arg);
      } catch (err) {
        await renewIfDesynchronised(err);
        throw err;
      }
    };
  return {
    connect: async () => {
      wanted = true;
      await ready();
    },
    disconnect: async () => {
      wanted = false;
      currentConnected = false;
      await current.disconnect();
    },
    send: publishing((p, { topic, messages, ...options }: Parameters<Producer["send"]>[0]) =>
      complete(p, [{ topic, messages }], (q, [next]) => q.send({ ...options, topic, messages: next?.messages ?? [] })),
    ),
    sendBatch: publishing((p, { topicMessages = [], ...options }: Parameters<Producer["sendBatch"]>[0]) =>
      complete(p, topicMessages, (q, next) => q.sendBatch({ ...options, topicMessages: next })),
    ),
  };
}

/**
 * Creates the contract's topics (with the deployment prefix) when they do not exist, with
 * `replicationFactor` replicas of which `minInsyncReplicas` must hold a write before it is
 * acknowledged (the producers send with acks=all).
 */
/**
 * Creates the contract's missing topics (with their kind's `retention.ms`) and sets the
 * retention of those that exist already when it differs from the contract's.
 */
export async function ensureTopics(kafka: Kafka, prefix: string, replication = { replicationFactor: 1, minInsyncReplicas: 1 }): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicSpecs.filter((t) => !existing.has(prefix + t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: prefix + t.name,
          numPartitions: t.partitions,
          replicationFactor: replication.replicationFactor,
          configEntries: [
            { name: "min.insync.replicas", value: String(replication.minInsyncReplicas) },
            { name: "retention.ms", value: String(t.retentionMs) },
          ],
        })),
      });
    }
    await setTopicRetention(
      admin,
      topicSpecs.filter((t) => existing.has(prefix + t.name)).map((t) => ({ topic: prefix + t.name, retentionMs: t.retentionMs })),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sets `retention.ms` on existing topics where it differs. AlterConfigs replaces a topic's whole
 * set of overrides, so the overrides it has (min.insync.replicas, …) are sent again with it.
 */
async function setTopicRetention(admin: Admin, topics: { topic: string; retentionMs: number }[]): Promise<void> {
  if (topics.length === 0) return;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic })),
  });
  const wanted = new Map(topics.map((t) => [t.topic, String(t.retentionMs)]));
  const changes = resources.flatMap((r) => {
    const value = wanted.get(r.resourceName);
    if (value === undefined || r.configEntries.find((e) => e.configName === "retention.ms")?.configValue === value) return [];
    const overrides = r.configEntries.filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== "retention.ms");
    return [{ type: ConfigResourceTypes.TOPIC, name: r.resourceName, configEntries: [...overrides.map((e) => ({ name: e.configName, value: e.configValue })), { name: "retention.ms", value }] }];
  });
  if (changes.length > 0) await admin.alterConfigs({ validateOnly: false, resources: changes });
}

/** Whether this process creates missing topics: by default not in production, where the platform's operator owns them. */
export function createsTopics(config: Pick<KafkaClientConfig, "KAFKA_CREATE_TOPICS"> & { NODE_ENV: string }): boolean {
  return config.KAFKA_CREATE_TOPICS ?? config.NODE_ENV !== "production";
}

/** Start-up without topic creation: every topic of the contract (with the prefix) must exist already. */
export async function requireTopics(kafka: Kafka, prefix: string): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicSpecs.map((t) => prefix + t.name).filter((name) => !existing.has(name));
    if (missing.length > 0) {
      throw new Error(
        `kafka topics missing: ${missing.join(", ")}. With KAFKA_CREATE_TOPICS=false (the default in production) the platform creates them (infra/k8s KafkaTopic resources) and grants this service Describe on them.`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}
