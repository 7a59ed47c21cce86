import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmsChannel, type SmsGatewayAuth, type SmsMessage } from "../src/channels/sms";
import { classifyHttpStatus, parseRetryAfter } from "../src/channels/http";

const BASIC = { scheme: "basic", username: "hub", password: "s3cret:with:colons" } as const;
const BEARER = { scheme: "bearer", token: "tok_81f2" } as const;
const message: SmsMessage = { to: "+8613800138000", text: "您的诉求已登记，受理编号：7KQ2M-X9PTR。", reference: "dlv-42" };

const received: Array<{ path: string; authorization: string | undefined; body: unknown }> = [];
let gateway: http.Server;
let base: string;

function authorised(header: string | undefined): boolean {
  const basic = `Basic ${Buffer.from(`${BASIC.username}:${BASIC.password}`).toString("base64")}`;
  return header === basic || header === `Bearer ${BEARER.token}`;
}

// An SMS gateway: checks credentials first, like a real one, then answers by path.
beforeAll(async () => {
  gateway = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const route = req.url ?? "";
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = null;
      }
      received.push({ path: route, authorization: req.headers.authorization, body });
      if (route === "/hang") return;
      if (!authorised(req.headers.authorization)) return void res.writeHead(401).end();
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
      switch (route) {
        case "/messages":
          return json(202, { messageId: "gw-9001", status: "queued" });
        case "/messages-numeric-id":
          return json(200, { id: 77123 });
        case "/messages-not-json":
          return void res.writeHead(200, { "content-type": "text/plain" }).end("OK");
        case "/invalid-number":
          return json(400, { error: `invalid destination ${message.to}` });
        case "/unavailable":
          return json(503, { error: "try later" });
        case "/throttled":
          return json(429, { error: "slow down" }, { "retry-after": new Date(Date.now() + 30_000).toUTCString() });
        default:
          return void res.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});

afterAll(async () => {
  gateway.closeAllConnections();
  await new Promise<void>((resolve) => gateway.close(() => resolve()));
});

function sms(route: string, auth: SmsGatewayAuth = BASIC, extra: { messageIdField?: string } = {}): SmsChannel {
  return new SmsChannel({ url: `${base}${route}`, auth, timeoutMs: 300, ...extra });
}

describe("SMS through a real HTTP gateway", () => {
  it("sends {to, text, reference} with Basic credentials and returns the gateway's message id", async () => {
    expect(await sms("/messages").send(message)).toEqual({ ok: true, providerId: "gw-9001" });
    const got = received.at(-1)!;
    expect(got.body).toEqual({ to: message.to, text: message.text, reference: message.reference });
    expect(got.authorization).toMatch(/^Basic /);
  });

  it("sends with a bearer token", async () => {
    expect(await sms("/messages", BEARER).send(message)).toEqual({ ok: true, providerId: "gw-9001" });
    expect(received.at(-1)!.authorization).toBe(`Bearer ${BEARER.token}`);
  });

  it("reads the message id from the configured field", async () => {
    expect(await sms("/messages-numeric-id", BASIC, { messageIdField: "id" }).send(message)).toEqual({ ok: true, providerId: "77123" });
  });

  it("counts an accepted message with an unreadable answer as sent, so it is not sent twice", async () => {
    expect(await sms("/messages-not-json").send(message)).toEqual({ ok: true });
  });

  it("gives up when the gateway rejects the credentials (401)", async () => {
    const result = await sms("/messages", { scheme: "bearer", token: "wrong" }).send(message);
    expect(result).toEqual({ ok: false, permanent: true, error: "sms: http 401" });
  });

  it("gives up on a 400 and never repeats the phone number", async () => {
    const result = await sms("/invalid-number").send(message);
    expect(result).toEqual({ ok: false, permanent: true, error: "sms: http 400" });
    expect(JSON.stringify(result)).not.toContain("13800138000");
  });

  it("retries a 503", async () => {
    expect(await sms("/unavailable").send(message)).toEqual({ ok: false, permanent: false, error: "sms: http 503" });
  });

  it("retries a 429 after the HTTP-date in Retry-After", async () => {
    const result = await sms("/throttled").send(message);
    expect(result).toMatchObject({ ok: false, permanent: false, error: "sms: http 429" });
    const after = result.ok ? undefined : result.retryAfterMs;
    // HTTP dates have whole-second precision.
    expect(after).toBeGreaterThanOrEqual(28_000);
    expect(after).toBeLessThanOrEqual(30_000);
  });

  it("gives up waiting at the timeout and reports it as transient", async () => {
    const started = performance.now();
    const result = await sms("/hang").send(message);
    expect(result).toEqual({ ok: false, permanent: false, error: "sms: timeout after 300 ms" });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("reports a refused connection as transient", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await new SmsChannel({ url: `http://127.0.0.1:${port}/messages`, auth: BASIC, timeoutMs: 300 }).send(message);
    expect(result).toEqual({ ok: false, permanent: false, error: "sms: connection error ECONNREFUSED" });
  });

  it("refuses a configuration without credentials", () => {
    expect(() => new SmsChannel({ url: `${base}/messages`, auth: { scheme: "bearer", token: "" } })).toThrow();
  });
});

describe("reading an HTTP answer", () => {
  it.each([
    [400, true],
    [401, true],
    [403, true],
    [404, true],
    [410, true],
    [422, true],
    [301, true],
    [408, false],
    [429, false],
    [500, false],
    [502, false],
    [503, false],
    [504, false],
  ])("status %i is permanent: %s", (status, permanent) => {
    expect(classifyHttpStatus("x", status, null, 0)).toEqual({ ok: false, permanent, error: expect.stringContaining(`x: http ${status}`) });
  });

  it("keeps Retry-After on a 503 too", () => {
    expect(classifyHttpStatus("x", 503, "7", 0)).toMatchObject({ permanent: false, retryAfterMs: 7_000 });
  });

  it.each([
    ["120", 120_000],
    [" 0 ", 0],
    ["Wed, 21 Oct 2015 07:28:10 GMT", 10_000],
    ["Wed, 21 Oct 2015 07:27:00 GMT", 0],
    ["soon", undefined],
    ["-5", undefined],
    [null, undefined],
  ])("Retry-After %j is %j ms", (value, expected) => {
    expect(parseRetryAfter(value, Date.parse("2015-10-21T07:28:00Z"))).toBe(expected);
  });
});
