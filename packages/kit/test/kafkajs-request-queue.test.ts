// kafkajs 2.2.4 as patched here (patches/kafkajs@2.2.4.patch, tulios/kafkajs#1704 and #1751):
// a connection with nothing pending arms no timer. Unpatched, every check re-armed a 1 ms timer
// with a negative delay (Node 24's TimeoutNegativeWarning on every service's start), so each
// connection woke its process a thousand times a second for ever: about half of an idle
// service's CPU. A request that must wait is still checked again.
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue") as new (opts: Record<string, unknown>) => {
  checkPendingRequests: () => void;
  push: (request: Record<string, unknown>) => void;
  destroy: () => void;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
};
const logger = { namespace: () => logger, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const queues: InstanceType<typeof RequestQueue>[] = [];
const queue = () => {
  const q = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: "test", broker: "127.0.0.1:9092", logger });
  queues.push(q);
  return q;
};
afterEach(() => queues.splice(0).forEach((q) => q.destroy()));

describe("kafkajs's request queue, patched", () => {
  it("arms no timer when nothing is pending", () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it("checks again later for a request that must wait out a throttle", async () => {
    const q = queue();
    q.throttledUntil = Date.now() + 30;
    let sent = 0;
    q.push({ entry: { correlationId: 1, resolve: () => undefined, reject: () => undefined }, expectResponse: false, sendRequest: () => void sent++ });
    expect(sent).toBe(0);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await new Promise((r) => setTimeout(r, 80));
    expect(sent).toBe(1);
  });
});
