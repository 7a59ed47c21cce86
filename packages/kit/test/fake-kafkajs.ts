// A fake of the kafkajs seams createProducer uses (kafka.producer(), kafka.admin()), behaving
// like kafkajs 2.2.4 towards a cluster of six partitions led by three brokers: each send is told,
// per partition, to write and answer, to leave the partition out without an error
// (tulios/kafkajs#1303), or to fail (its leader gone, kafkajs' retries spent): then nothing of
// that leader's request is written, the other leaders' requests stay written, and the send is rejected.
import type { Kafka, Message, ProducerBatch, RecordMetadata } from "kafkajs";

export const PARTITIONS = 6;
/** Partition n is led by broker n % 3 + 1. */
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: (partitionId % 3) + 1, partitionErrorCode: 0, replicas: [1, 2, 3], isr: [1, 2, 3] }));

export type Outcome = "write" | "skip" | Error;

export function fakeCluster(decide: (send: { topic: string; partition: number; nth: number }) => Outcome = () => "write") {
  const log = new Map<string, string[]>(); // "topic/partition" -> values written
  const sends: { topic: string; partition: number; values: string[] }[] = [];
  const producers: { connects: number; disconnects: number }[] = [];
  let metadataFetches = 0;
  let calls = 0;
  /** One kafkajs send: a request per leader; a leader whose request fails writes nothing of it, the others stay written. */
  const write = (topicMessages: { topic: string; messages: Message[] }[]): RecordMetadata[] => {
    calls++;
    const byLeader = new Map<number, { topic: string; partition: number; placed: Message[] }[]>();
    for (const { topic, messages } of topicMessages) {
      for (const m of messages) {
        if (m.partition == null) throw new Error("the fake expects every message placed on a partition");
        const leader = partitionMetadata[m.partition]!.leader;
        const shares = byLeader.get(leader) ?? [];
        const share = shares.find((s) => s.topic === topic && s.partition === m.partition) ?? shares[shares.push({ topic, partition: m.partition, placed: [] }) - 1]!;
        share.placed.push(m);
        byLeader.set(leader, shares);
      }
    }
    const answers: RecordMetadata[] = [];
    const errors: Error[] = [];
    for (const shares of byLeader.values()) {
      const outcomes = shares.map(({ topic, partition, placed }) => {
        const nth = sends.filter((s) => s.topic === topic && s.partition === partition).length;
        sends.push({ topic, partition, values: placed.map((m) => String(m.value)) });
        return decide({ topic, partition, nth });
      });
      const failed = outcomes.find((o): o is Error => o instanceof Error);
      if (failed) {
        errors.push(failed);
        continue;
      }
      shares.forEach(({ topic, partition, placed }, i) => {
        if (outcomes[i] === "skip") return;
        log.set(`${topic}/${partition}`, [...(log.get(`${topic}/${partition}`) ?? []), ...placed.map((m) => String(m.value))]);
        answers.push({ topicName: topic, partition, errorCode: 0, baseOffset: "0" });
      });
    }
    // kafkajs rejects the whole send when one leader fails, whatever the others wrote.
    if (errors.length > 0) throw errors[0];
    return answers;
  };
  const kafka = {
    producer: () => {
      const p = { connects: 0, disconnects: 0 };
      producers.push(p);
      return {
        connect: async () => void p.connects++,
        disconnect: async () => void p.disconnects++,
        sendBatch: async (b: ProducerBatch) => write(b.topicMessages ?? []),
      };
    },
    admin: () => ({
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
        metadataFetches++;
        return { topics: topics.map((name) => ({ name, partitions: partitionMetadata })) };
      },
    }),
  } as unknown as Kafka;
  return { kafka, log, sends, producers, metadataFetches: () => metadataFetches, calls: () => calls };
}

export const messages = (n: number, prefix = "grievance"): Message[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-event-${i}` }));
export const written = (log: Map<string, string[]>) => [...log.values()].flat().sort();
