// kafkajs stays behind this module: the rest of the code sees producers and topic set-up only.
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import kafkajs, { Kafka, logLevel, Partitioners, type Admin, type Message, type PartitionMetadata, type Producer, type ProducerBatch, type RecordMetadata, type SASLOptions, type TopicMessages } from "kafkajs";
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

/** The partitions of topics, from the cluster's metadata, kept for a minute or until a send fails. */
function partitionMetadataCache(kafka: Kafka, maxAgeMs = 60_000) {
  let admin: Admin | undefined;
  const cache = new Map<string, { at: number; partitions: PartitionMetadata[] }>();
  return {
    async of(topics: string[]): Promise<Map<string, PartitionMetadata[]>> {
      const now = Date.now();
      const stale = topics.filter((t) => (cache.get(t)?.at ?? -Infinity) < now - maxAgeMs);
      if (stale.length > 0) {
        if (!admin) {
          const fresh = kafka.admin();
          await fresh.connect();
          admin = fresh;
        }
        const { topics: found } = await admin.fetchTopicMetadata({ topics: stale });
        for (const t of found) cache.set(t.name, { at: now, partitions: t.partitions });
      }
      return new Map(topics.map((t) => [t, cache.get(t)?.partitions ?? []]));
    },
    forget(topics: Iterable<string>): void {
      for (const t of topics) cache.delete(t);
    },
    async close(): Promise<void> {
      const closing = admin;
      admin = undefined;
      await closing?.disconnect().catch(() => undefined);
    },
  };
}

/**
 * A send that failed after some of its partitions were acknowledged: `acknowledged` holds the
 * messages Kafka has (the caller's own objects), which must not be sent again; the rest were
 * not written by this send (or, at worst, will be recognised by the broker as the same batch).
 */
export class PartialPublishError extends Error {
  constructor(
    message: string,
    readonly acknowledged: ReadonlySet<Message>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PartialPublishError";
  }
}

/** Rounds of sending what the broker left unanswered before the send fails (its rows stay for the caller's next attempt). */
const COMPLETION_ROUNDS = 5;

/** How long after a failed send each partition is sent on its own. */
const UNSETTLED_MS = 60_000;

/**
 * An idempotent producer (acks from all in-sync replicas, no duplicates on retry) whose sends
 * either succeed whole or say exactly which messages Kafka has.
 *
 * kafkajs sends a batch as one request per leader and counts a partition's sequence numbers on
 * as soon as its leader answers; when another leader then fails for good, the whole send is
 * rejected with no word of what was written. Sending it all again would write the answered
 * partitions twice (under new sequence numbers, so the broker cannot tell). So the batch is
 * split by leader (from the cluster's metadata, placing each message as kafkajs would) into
 * sends of their own, all at once: each send is written whole or not at all, and a failed one
 * throws a PartialPublishError naming the messages that were acknowledged. For a minute after
 * a failure, while leaders move, each partition is a send of its own: kafkajs re-routes a
 * failed send's partitions to their new leaders, and one send must never span two of them.
 * (kafkajs puts one request at a time on a broker, so a partition's order is kept.)
 *
 * It renews itself when the broker says its sequence numbers are out of step (after a broker
 * restart, kafkajs #598): the failed send still fails, and the next one goes out on a new
 * producer id.
 *
 * And it makes sure every partition was acknowledged: kafkajs 2.2.4 keeps a send's answers per
 * broker across its retries (tulios/kafkajs#1303) and may resolve a send whose partition moved
 * to a broker that had already answered without sending it. Such a partition is sent again on
 * the same partition by the same producer: its sequence numbers were rolled back, so a copy
 * that did reach the log is recognised by the broker, not written twice.
 */
export function createProducer(kafka: Kafka, logger?: Logger): Publisher {
  const metadata = partitionMetadataCache(kafka);
  const make = () => kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const place = Partitioners.DefaultPartitioner();
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
  const renewIfDesynchronised = async (errors: unknown[]) => {
    const err = errors.find((e) => isDesynchronised(e));
    if (err === undefined) return;
    const stale = current;
    current = make();
    currentConnected = false;
    logger?.warn({ kafka: { error: safeErrorMessage(err) } }, "kafka: the producer's sequence is out of step with the broker; publishing on a new producer id from the next send");
    await stale.disconnect().catch(() => undefined);
  };
  type Share = { topic: string; partition: number; leader: number; messages: Message[] };
  /** The batch split by partition, in order, each message placed as kafkajs would place it, with its partition's leader. */
  const split = async (topicMessages: TopicMessages[]): Promise<Share[]> => {
    const partitionsOf = await metadata.of([...new Set(topicMessages.map((t) => t.topic))]);
    const shares = new Map<string, Share>();
    for (const { topic, messages } of topicMessages) {
      const partitionMetadata = partitionsOf.get(topic) ?? [];
      if (partitionMetadata.length === 0) throw new Error(`kafka: no partitions known for topic ${topic}`);
      for (const message of messages) {
        const partition = message.partition ?? place({ topic, partitionMetadata, message });
        const id = `${partition}@${topic}`;
        const share = shares.get(id) ?? { topic, partition, leader: partitionMetadata.find((p) => p.partitionId === partition)?.leader ?? -1, messages: [] };
        share.messages.push(message);
        shares.set(id, share);
      }
    }
    return [...shares.values()];
  };
  /** Until then, each partition is a send of its own (see below). */
  let unsettledUntil = 0;
  /** The shares as sends: one per leader, or one per partition while the cluster is unsettled. */
  const sends = (shares: Share[]): Share[][] => {
    if (Date.now() < unsettledUntil) return shares.map((s) => [s]);
    const byLeader = new Map<number, Share[]>();
    for (const s of shares) byLeader.set(s.leader, [...(byLeader.get(s.leader) ?? []), s]);
    return [...byLeader.values()];
  };
  const topicMessagesOf = (shares: Share[]): TopicMessages[] => {
    const byTopic = new Map<string, Message[]>();
    for (const s of shares) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), ...s.messages.map((m) => ({ ...m, partition: s.partition }))]);
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  };
  const sendAll = async (topicMessages: TopicMessages[], options: Omit<ProducerBatch, "topicMessages">): Promise<RecordMetadata[]> => {
    const producer = await ready();
    const answers: RecordMetadata[] = [];
    const acknowledged = new Set<Message>();
    let pending = await split(topicMessages);
    for (let round = 1; pending.length > 0; round++) {
      const calls = sends(pending);
      const outcomes = await Promise.allSettled(calls.map((call) => producer.sendBatch({ ...options, topicMessages: topicMessagesOf(call) })));
      const unanswered: Share[] = [];
      const errors: unknown[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.status === "rejected") return void errors.push(outcome.reason);
        for (const share of calls[i]!) {
          const answer = outcome.value.filter((r) => r.topicName === share.topic && r.partition === share.partition);
          if (answer.length === 0) {
            unanswered.push(share);
            continue;
          }
          answers.push(...answer);
          for (const m of share.messages) acknowledged.add(m);
        }
      });
      if (errors.length > 0) {
        // A leader moved or is gone: fresh metadata, and for a while a send per partition, so that
        // a send kafkajs re-routes to several brokers mid-way cannot half succeed unseen.
        metadata.forget(pending.map((s) => s.topic));
        unsettledUntil = Date.now() + UNSETTLED_MS;
        await renewIfDesynchronised(errors);
        const first = errors[0];
        throw new PartialPublishError(`kafka: ${errors.length} of ${calls.length} sends failed (${acknowledged.size} messages acknowledged): ${safeErrorMessage(first)}`, acknowledged, { cause: first });
      }
      pending = unanswered;
      if (pending.length === 0) break;
      const names = pending.map((s) => `${s.topic} [${s.partition}]`).join("; ");
      if (round === COMPLETION_ROUNDS) throw new PartialPublishError(`kafka: no acknowledgement for ${names} after ${round} sends`, acknowledged);
      unsettledUntil = Date.now() + UNSETTLED_MS;
      logger?.warn({ kafka: { unanswered: names } }, "kafka: partitions left unanswered by a send (a leader moved during it); sending their messages again");
    }
    return answers;
  };
  return {
    connect: async () => {
      wanted = true;
      await ready();
    },
    disconnect: async () => {
      wanted = false;
      currentConnected = false;
      await Promise.all([current.disconnect(), metadata.close()]);
    },
    send: ({ topic, messages, ...options }) => sendAll([{ topic, messages }], options),
    sendBatch: ({ topicMessages = [], ...options }) => sendAll(topicMessages, options),
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
