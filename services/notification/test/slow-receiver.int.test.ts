// A webhook receiver that takes its time answering holds up its own deliveries only: the other
// recipients' deliveries go out while its request is still open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aCase, assigned, deliveriesOf, eventually, fastDelivery, setRecipient, startHarness, startWebhookReceiver, type Harness } from "./harness";

const SECRET = "whsec-slow-receiver-0123456789";
let h: Harness;

beforeAll(async () => {
  // A timeout far longer than the test, so the slow request is still open when the others arrive.
  h = await startHarness({ ...fastDelivery, DELIVERY_TIMEOUT_MS: "120000" });
});

afterAll(async () => {
  await h?.close();
});

describe("a webhook receiver that answers slowly", () => {
  it("does not hold up the deliveries to other receivers", async () => {
    const slow = await startWebhookReceiver(SECRET);
    const fast = await startWebhookReceiver(SECRET);
    await setRecipient(h, "caseworker", "cw-slow", { channels: { webhook: { url: slow.url, secret: SECRET }, feed: false } });
    await setRecipient(h, "caseworker", "cw-fast", { channels: { webhook: { url: fast.url, secret: SECRET }, feed: false } });
    slow.state.hold = true;

    const toSlow = await h.publish("case.assigned.v1", assigned(aCase(), "cw-slow"));
    await eventually(async () => (slow.held.length === 1 ? true : undefined), 20_000, "the slow receiver to have the request");
    const toFast: string[] = [];
    for (let i = 0; i < 3; i++) toFast.push((await h.publish("case.assigned.v1", assigned(aCase(), "cw-fast"))).eventId);
    await eventually(async () => (fast.received.length === 3 ? true : undefined), 20_000, "the fast receiver's deliveries while the slow one is still answering");
    expect(slow.held, "the slow request still open").toHaveLength(1);
    expect(fast.received.map((w) => w.body.eventId).sort()).toEqual([...toFast].sort());

    slow.release();
    await eventually(async () => ((await deliveriesOf(h, toSlow.eventId))[0]?.status === "sent" ? true : undefined), 20_000, "the slow delivery sent");
    await Promise.all([slow.close(), fast.close()]);
  });
});
