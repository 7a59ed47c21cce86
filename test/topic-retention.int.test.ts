// Topic retention per kind of topic (internal, public, dead-letter), read back from the real
// broker: set when the kit creates a topic, and set again on a topic that exists with another.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import kafkajs, { Kafka, logLevel } from "kafkajs";
import { ensureTopics } from "@grievance-hub/kit";
import { topicRetentionMs, topicSpecs, Topics } from "@grievance-hub/schema";
import { createTestEnv, type TestEnv } from "./support";

const { ConfigResourceTypes } = kafkajs;
let env: TestEnv;
let kafka: Kafka;

async function topicConfigs(): Promise<Map<string, Record<string, string>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: topicSpecs.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: env.topicPrefix + t.name })) });
    return new Map(resources.map((r) => [r.resourceName.slice(env.topicPrefix.length), Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  env = await createTestEnv();
  kafka = new Kafka({ clientId: "topic-retention-test", brokers: env.kafkaBrokers.split(","), logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await env?.drop();
});

describe("topic retention", () => {
  it("is a year on internal and public topics and a month on dead-letter topics", () => {
    expect(topicRetentionMs).toEqual({ internal: 31_536_000_000, public: 31_536_000_000, "dead-letter": 2_592_000_000 });
    expect(Object.fromEntries(topicSpecs.map((t) => [t.name, t.kind]))).toEqual({
      [Topics.grievancesInternal]: "internal",
      [Topics.casesInternal]: "internal",
      [Topics.grievancesPublic]: "public",
      [Topics.casesPublic]: "public",
      [Topics.deadLetterIntake]: "dead-letter",
      [Topics.deadLetterTriage]: "dead-letter",
      [Topics.deadLetterNotification]: "dead-letter",
    });
  });

  it("is set on every topic the kit creates, as the broker reports it", async () => {
    await ensureTopics(kafka, env.topicPrefix);
    const configs = await topicConfigs();
    for (const t of topicSpecs) {
      expect(configs.get(t.name)?.["retention.ms"], t.name).toBe(String(topicRetentionMs[t.kind]));
      expect(configs.get(t.name)?.["min.insync.replicas"], t.name).toBe("1");
    }
  });

  it("is set again on a topic that exists with another retention, keeping its other settings", async () => {
    const admin = kafka.admin();
    await admin.connect();
    const changed = env.topicPrefix + Topics.deadLetterTriage;
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: changed, configEntries: [{ name: "retention.ms", value: "1000" }, { name: "min.insync.replicas", value: "1" }, { name: "max.message.bytes", value: "2000000" }] }],
    });
    await admin.disconnect();
    expect((await topicConfigs()).get(Topics.deadLetterTriage)?.["retention.ms"]).toBe("1000");

    await ensureTopics(kafka, env.topicPrefix);
    const after = (await topicConfigs()).get(Topics.deadLetterTriage)!;
    expect(after["retention.ms"]).toBe(String(topicRetentionMs["dead-letter"]));
    expect(after["max.message.bytes"]).toBe("2000000");
    expect(after["min.insync.replicas"]).toBe("1");
  });
});
