// kafkajs stays behind this module: the rest of the code sees producers and topic set-up only.
import { Kafka, logLevel, Partitioners, type Producer, type Admin } from "kafkajs";
import { topicSpecs } from "@grievance-hub/schema";
import { safeErrorMessage, type Logger } from "./logger";

export type { Producer };

export function createKafka(opts: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
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

/** An idempotent producer: acks from all in-sync replicas, no duplicates on retry. */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Creates the contract's topics (with the deployment prefix) when they do not exist. */
export async function ensureTopics(kafka: Kafka, prefix: string, replicationFactor = 1): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicSpecs.filter((t) => !existing.has(prefix + t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: prefix + t.name, numPartitions: t.partitions, replicationFactor })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}
