// The producer's check that every partition of a send answered, against a fake kafkajs that
// behaves like kafkajs 2.2.4 when a leader dies mid-send (tulios/kafkajs#1303): the partitions
// that moved to a broker which had already answered are skipped and the send still resolves.
import { describe, expect, it } from "vitest";
import type { Kafka, Message, ProducerBatch, ProducerConfig, ProducerRecord, RecordMetadata } from "kafkajs";
import { createProducer } from "../src/kafka";

const PARTITIONS = 6;
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: (partitionId % 3) + 1, partitionErrorCode: 0, replicas: [1, 2, 3], isr: [1, 2, 3] }));

/**
 * A cluster of six partitions. `skipped[n]` lists the partitions the n-th send leaves out: not
 * written, not answered, and no error either.
 */
function fakeCluster(skipped: number[][]) {
  const log = new Map<string, string[]>(); // "topic/partition" -> values written
  const sends: { partition: number | undefined; value: string }[][] = [];
  const write = (topic: string, messages: Message[], pick: (m: Message) => number): RecordMetadata[] => {
    const skip = skipped.shift() ?? [];
    const round: { partition: number | undefined; value: string }[] = [];
    const answered = new Set<number>();
    for (const m of messages) {
      round.push({ partition: m.partition, value: String(m.value) });
      const partition = m.partition ?? pick(m);
      if (skip.includes(partition)) continue;
      log.set(`${topic}/${partition}`, [...(log.get(`${topic}/${partition}`) ?? []), String(m.value)]);
      answered.add(partition);
    }
    sends.push(round);
    return [...answered].map((partition) => ({ topicName: topic, partition, errorCode: 0, baseOffset: "0" }));
  };
  const kafka = {
    producer: (config: ProducerConfig) => {
      const partitioner = config.createPartitioner!();
      const pick = (topic: string) => (message: Message) => partitioner({ topic, partitionMetadata, message });
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        send: async (r: ProducerRecord) => write(r.topic, r.messages, pick(r.topic)),
        sendBatch: async (b: ProducerBatch) => (b.topicMessages ?? []).flatMap((t) => write(t.topic, t.messages, pick(t.topic))),
      };
    },
  } as unknown as Kafka;
  return { kafka, log, sends };
}

const messages = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: `grievance-${i}`, value: `event-${i}` }));
const written = (log: Map<string, string[]>) => [...log.values()].flat().sort();

describe("the services' producer when a leader moves during a send", () => {
  it("sends the messages of partitions left unanswered again, on their partitions, and each is written once", async () => {
    const { kafka, log, sends } = fakeCluster([[0, 3]]);
    const producer = createProducer(kafka);
    await producer.connect();
    const batch = messages(30);
    const answers = await producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.grievances", messages: batch }] });

    expect(written(log)).toEqual(batch.map((m) => String(m.value)).sort());
    expect(sends).toHaveLength(2);
    const resent = sends[1]!;
    expect(resent.length).toBe((log.get("t.grievances/0")?.length ?? 0) + (log.get("t.grievances/3")?.length ?? 0));
    expect(new Set(resent.map((m) => m.partition))).toEqual(new Set([0, 3].filter((p) => log.has(`t.grievances/${p}`))));
    expect(new Set(answers.map((a) => a.partition))).toEqual(new Set(Array.from(log.keys(), (k) => Number(k.split("/")[1]))));
  });

  it("does the same for a single-topic send", async () => {
    const { kafka, log, sends } = fakeCluster([[1, 2, 4, 5]]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ acks: -1, topic: "t.dead-letter", messages: messages(12) });
    expect(written(log)).toEqual(messages(12).map((m) => String(m.value)).sort());
    expect(sends).toHaveLength(2);
  });

  it("sends once when every partition answered", async () => {
    const { kafka, sends } = fakeCluster([]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.cases", messages: messages(20) }] });
    expect(sends).toHaveLength(1);
  });

  it("fails the send, naming the topic and partitions, when they stay unanswered", async () => {
    const { kafka, log } = fakeCluster([[2], [2], [2], [2], [2]]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch({ acks: -1, topicMessages: [{ topic: "t.cases", messages: messages(20) }] })).rejects.toThrow("no acknowledgement for t.cases [2] after 5 sends");
    expect(log.has("t.cases/2")).toBe(false);
  });
});
