// The producer's renewal after the broker loses its sequence state, over a fake kafkajs
// (./fake-kafkajs): the decision is pure.
import { describe, expect, it } from "vitest";
import { createProducer } from "../src/kafka";
import { fakeCluster, type Outcome } from "./fake-kafkajs";

const batch = { acks: -1, topicMessages: [{ topic: "t", messages: [{ key: "k", value: "v" }] }] };
const protocolError = (type: string) => Object.assign(new Error(type), { name: "KafkaJSProtocolError", type });

/** A cluster whose next sends meet these failures, one per send. */
function failing(failures: Error[]) {
  return fakeCluster((): Outcome => failures.shift() ?? "write");
}

describe("the services' producer", () => {
  it("fails the send that met an out-of-order sequence, then publishes on a new producer id", async () => {
    const { kafka, producers, log } = failing([protocolError("OUT_OF_ORDER_SEQUENCE_NUMBER")]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(batch)).rejects.toThrow("OUT_OF_ORDER_SEQUENCE_NUMBER");
    await producer.sendBatch(batch);
    expect(producers).toEqual([
      { connects: 1, disconnects: 1 },
      { connects: 1, disconnects: 0 },
    ]);
    expect([...log.values()].flat()).toEqual(["v"]);
  });

  it("finds the broker's answer inside a retries-exceeded error, and renews for an unknown producer id too", async () => {
    const wrapped = Object.assign(new Error("retries exceeded"), { cause: protocolError("UNKNOWN_PRODUCER_ID") });
    const { kafka, producers } = failing([wrapped]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(batch)).rejects.toThrow("retries exceeded");
    await producer.sendBatch(batch);
    expect(producers).toHaveLength(2);
  });

  it("keeps its producer through any other failure (a broker away, a timeout)", async () => {
    const { kafka, producers, log } = failing([new Error("Connection error: ECONNREFUSED"), protocolError("REQUEST_TIMED_OUT")]);
    const producer = createProducer(kafka);
    await producer.connect();
    await expect(producer.sendBatch(batch)).rejects.toThrow();
    await expect(producer.sendBatch(batch)).rejects.toThrow();
    await producer.sendBatch(batch);
    expect(producers).toHaveLength(1);
    expect([...log.values()].flat()).toEqual(["v"]);
  });
});
