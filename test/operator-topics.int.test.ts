// In production the platform's operator owns the topics: a service creates none, and refuses to
// start while one of the contract's topics is missing; once they exist it starts and is ready.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { loadConfig } from "@grievance-hub/kit";
import { topicSpecs } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { createTestEnv, type TestEnv } from "./support";

let env: TestEnv;
let kafka: Kafka;
const production = () => ({
  ...env.env,
  NODE_ENV: "production",
  JWT_SECRET: "a-production-secret-for-this-test-only-0123456789",
  PHONE_HASH_KEY: "a-production-phone-hash-key-for-this-test",
  KEK_FILE: "infra/keys/local-only.kek",
  HOST: "127.0.0.1",
});
const ourTopics = async () => (await listTopics()).filter((t) => t.startsWith(env.topicPrefix)).sort();
async function listTopics(): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  env = await createTestEnv();
  kafka = new Kafka({ clientId: "operator-topics-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await env?.drop();
});

describe("a service in production with operator-managed topics", () => {
  it("refuses to start while the topics are missing, names them, and creates none", async () => {
    await expect(startIntake(loadConfig(IntakeConfig, production()), env.logger)).rejects.toThrow(`kafka topics missing: ${env.topicPrefix}grievances.internal`);
    expect(await ourTopics()).toEqual([]);
  });

  it("names only the topics still missing", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: topicSpecs.slice(1).map((t) => ({ topic: env.topicPrefix + t.name, numPartitions: t.partitions })) });
    await admin.disconnect();
    const refusal = startIntake(loadConfig(IntakeConfig, production()), env.logger);
    await expect(refusal).rejects.toThrow(new RegExp(`kafka topics missing: ${env.topicPrefix.replace(".", "\\.")}grievances\\.internal\\. With KAFKA_CREATE_TOPICS=false`));
  });

  it("starts and is ready once the operator has created them", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: env.topicPrefix + topicSpecs[0]!.name, numPartitions: topicSpecs[0]!.partitions }] });
    await admin.disconnect();
    const service = await startIntake(loadConfig(IntakeConfig, production()), env.logger);
    try {
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
    } finally {
      await service.stop();
    }
    expect(await ourTopics()).toEqual(topicSpecs.map((t) => env.topicPrefix + t.name).sort());
  });

  it("KAFKA_CREATE_TOPICS=true lets a single-host production stack create its own", async () => {
    const own = await createTestEnv();
    try {
      const service = await startIntake(loadConfig(IntakeConfig, { ...own.env, ...production(), KAFKA_TOPIC_PREFIX: own.topicPrefix, DATABASE_URL: own.databaseUrl, KAFKA_CREATE_TOPICS: "true" }), own.logger);
      await service.stop();
      expect((await listTopics()).filter((t) => t.startsWith(own.topicPrefix)).sort()).toEqual(topicSpecs.map((t) => own.topicPrefix + t.name).sort());
    } finally {
      await own.drop();
    }
  });
});
