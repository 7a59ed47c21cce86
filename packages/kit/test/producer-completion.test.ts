// The services' producer over a fake kafkajs (./fake-kafkajs): each partition is its own send, so
// a send that fails after other partitions were written says which messages Kafka has, and a
// partition kafkajs left unanswered (tulios/kafkajs#1303) is sent again on the same partition.
import { describe, expect, it, vi } from "vitest";
import { Partitioners } from "kafkajs";
import { createProducer, PartialPublishError } from "../src/kafka";
import { fakeCluster, messages, PARTITIONS, written } from "./fake-kafkajs";

const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

describe("the services' producer", () => {
  it("writes each message once, in order, on the partition kafkajs' own partitioner picks for its key, in one send per leader", async () => {
    const { kafka, log, sends, calls } = fakeCluster();
    const producer = createProducer(kafka);
    await producer.connect();
    const batch = messages(30);
    const answers = await producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.grievances", messages: batch }] });

    const pick = Partitioners.DefaultPartitioner();
    const expected = new Map<string, string[]>();
    for (const m of batch) {
      const key = `t.grievances/${pick({ topic: "t.grievances", partitionMetadata, message: m })}`;
      expected.set(key, [...(expected.get(key) ?? []), String(m.value)]);
    }
    expect(log).toEqual(expected);
    expect(sends).toHaveLength(expected.size);
    expect(calls()).toBe(3);
    expect(new Set(answers.map((a) => a.partition)).size).toBe(expected.size);
  });

  it("says which messages Kafka has when one partition's send fails and the others are written; sending the rest writes each once", async () => {
    const dead = new Error("Connection error: connect ECONNREFUSED (retries exceeded)");
    const { kafka, log } = fakeCluster(({ partition, nth }) => (partition === 2 && nth === 0 ? dead : "write"));
    const producer = createProducer(kafka);
    await producer.connect();
    const batch = [...messages(20), ...messages(10, "case")];
    const topicMessages = [
      { topic: "t.grievances", messages: batch.slice(0, 20) },
      { topic: "t.cases", messages: batch.slice(20) },
    ];
    const failure = await producer.sendBatch({ acks: -1, topicMessages }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(PartialPublishError);
    const acknowledged = (failure as PartialPublishError).acknowledged;
    expect((failure as Error).message).toContain("ECONNREFUSED");
    // Exactly the caller's messages that are on the log, by identity.
    const onLog = new Set(written(log));
    expect(batch.filter((m) => acknowledged.has(m)).map((m) => String(m.value)).sort()).toEqual([...onLog].sort());
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(acknowledged.size).toBeLessThan(batch.length);

    // What the outbox relay does next: sends what was not acknowledged.
    await producer.sendBatch({ acks: -1, topicMessages: topicMessages.map((t) => ({ topic: t.topic, messages: t.messages.filter((m) => !acknowledged.has(m)) })) });
    expect(written(log)).toEqual(batch.map((m) => String(m.value)).sort());
  });

  it("sends a partition left unanswered again, on its partition, and it is written once", async () => {
    const { kafka, log, sends } = fakeCluster(({ partition, nth }) => ([0, 3].includes(partition) && nth === 0 ? "skip" : "write"));
    const producer = createProducer(kafka);
    await producer.connect();
    const batch = messages(30);
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.grievances", messages: batch }] });

    expect(written(log)).toEqual(batch.map((m) => String(m.value)).sort());
    const again = sends.filter((s, i) => sends.findIndex((o) => o.partition === s.partition) !== i);
    expect(new Set(again.map((s) => s.partition))).toEqual(new Set([0, 3].filter((p) => log.has(`t.grievances/${p}`))));
  });

  it("does the same for a single-topic send", async () => {
    const { kafka, log } = fakeCluster(({ partition, nth }) => (partition !== 0 && nth === 0 ? "skip" : "write"));
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ acks: -1, topic: "t.dead-letter", messages: messages(12) });
    expect(written(log)).toEqual(messages(12).map((m) => String(m.value)).sort());
  });

  it("fails the send, naming the topic and partition, when it stays unanswered, and names what was acknowledged", async () => {
    const { kafka, log } = fakeCluster(({ partition }) => (partition === 2 ? "skip" : "write"));
    const producer = createProducer(kafka);
    await producer.connect();
    const batch = messages(20);
    const failure = await producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.cases", messages: batch }] }).catch((err: unknown) => err);
    expect((failure as Error).message).toBe("kafka: no acknowledgement for t.cases [2] after 5 sends");
    expect(log.has("t.cases/2")).toBe(false);
    expect((failure as PartialPublishError).acknowledged.size).toBe(written(log).length);
  });

  it("sends each partition on its own for a while after a failed send, then one send per leader again", async () => {
    let now = Date.parse("2026-12-05T09:00:00Z");
    const clock = vi.spyOn(Date, "now").mockImplementation(() => now);
    try {
      const { kafka, calls } = fakeCluster(({ partition, nth }) => (partition === 1 && nth === 0 ? new Error("ECONNREFUSED") : "write"));
      const producer = createProducer(kafka);
      await producer.connect();
      const send = () => producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.cases", messages: messages(30) }] });
      await expect(send()).rejects.toBeInstanceOf(PartialPublishError);
      const before = calls();
      await send();
      expect(calls() - before).toBe(PARTITIONS);
      now += 61_000;
      await send();
      expect(calls() - before - PARTITIONS).toBe(3);
    } finally {
      clock.mockRestore();
    }
  });

  it("reads the topics' partitions once, not on every send", async () => {
    const { kafka, metadataFetches } = fakeCluster();
    const producer = createProducer(kafka);
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.cases", messages: messages(3) }] });
    expect(metadataFetches()).toBe(1);
  });
});
