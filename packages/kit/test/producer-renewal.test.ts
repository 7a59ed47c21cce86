// The producer's renewal after the broker loses its sequence state, with kafkajs replaced by a
// fake at the one seam createProducer uses (kafka.producer()): the decision is pure.
import { describe, expect, it } from "vitest";
import type { Kafka, Producer } from "kafkajs";
import { createProducer } from "../src/kafka";

function fakeKafka(failures: Array<unknown>) {
  const made: Array<{ id: number; connects: number; disconnects: number; sent: number }> = [];
  const kafka = {
    producer: () => {
      const p = { id: made.length, connects: 0, disconnects: 0, sent: 0 };
      made.push(p);
      return {
        connect: async () => void p.connects++,
        disconnect: async () => void p.disconnects++,
        send: async () => [],
        sendBatch: async () => {
          const failure = failures.shift();
          if (failure) throw failure;
          p.sent++;
          return [];
        },
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, made };
}

const batch = { acks: -1, topicMessages: [{ topic: "t", messages: [{ value: "v" }] }] };
const protocolError = (type: string) => Object.assign(new Error(type), { name: "KafkaJSProtocolError", type });

describe("the services' producer", () => {
  it("fails the send that met an out-of-order sequence, then publishes on a new producer id", async () => {
    const { kafka, made } = fakeKafka([protocolError("OUT_OF_ORDER_SEQUENCE_NUMBER")]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(batch)).rejects.toThrow("OUT_OF_ORDER_SEQUENCE_NUMBER");
    await producer.sendBatch(batch);
    expect(made.map((p) => ({ connects: p.connects, disconnects: p.disconnects, sent: p.sent }))).toEqual([
      { connects: 1, disconnects: 1, sent: 0 },
      { connects: 1, disconnects: 0, sent: 1 },
    ]);
  });

  it("finds the broker's answer inside a retries-exceeded error, and renews for an unknown producer id too", async () => {
    const wrapped = Object.assign(new Error("retries exceeded"), { cause: protocolError("UNKNOWN_PRODUCER_ID") });
    const { kafka, made } = fakeKafka([wrapped]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(batch)).rejects.toThrow("retries exceeded");
    await producer.sendBatch(batch);
    expect(made).toHaveLength(2);
  });

  it("keeps its producer through any other failure (a broker away, a timeout)", async () => {
    const { kafka, made } = fakeKafka([new Error("Connection error: ECONNREFUSED"), protocolError("REQUEST_TIMED_OUT")]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(batch)).rejects.toThrow();
    await expect(producer.sendBatch(batch)).rejects.toThrow();
    await producer.sendBatch(batch);
    expect(made).toHaveLength(1);
    expect(made[0]!.sent).toBe(1);
  });
});
