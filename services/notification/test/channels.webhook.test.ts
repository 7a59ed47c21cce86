import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, WebhookChannel, signWebhook, verifyWebhook } from "../src/channels/webhook";

const SECRET = "whsec_test_4f9a1c";
const PHONE = "+8613800138000";

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const received: Received[] = [];
let receiver: http.Server;
let base: string;

// A subscriber: verifies each delivery with verifyWebhook exactly as the recipe says.
function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  const route = req.url ?? "/";
  if (route === "/hooks/ok") {
    const header = req.headers[SIGNATURE_HEADER.toLowerCase()];
    const check = verifyWebhook(SECRET, typeof header === "string" ? header : undefined, body, Math.floor(Date.now() / 1000));
    res.writeHead(check.valid ? 204 : 401).end();
  } else if (route === "/hooks/400") {
    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: `bad phone ${PHONE}` }));
  } else if (route === "/hooks/408") {
    res.writeHead(408).end();
  } else if (route === "/hooks/503") {
    res.writeHead(503).end("maintenance");
  } else if (route === "/hooks/429") {
    res.writeHead(429, { "retry-after": "120" }).end();
  } else if (route === "/hooks/redirect") {
    res.writeHead(302, { location: `${base}/hooks/ok` }).end();
  } else if (route === "/hooks/hang") {
    // never answers
  } else {
    res.writeHead(404).end();
  }
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      received.push({ path: req.url ?? "", headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const channel = new WebhookChannel({ timeoutMs: 300 });
const payload = { type: "case.assigned.v1", trackingCode: "7KQ2M-X9PTR", note: "已分派 — 邻里纠纷" };

function lastTo(route: string): Received {
  const r = received.filter((x) => x.path === route).at(-1);
  if (!r) throw new Error(`nothing received at ${route}`);
  return r;
}

describe("webhook delivery to a real receiver", () => {
  it("delivers a signed JSON POST that the receiver verifies", async () => {
    const result = await channel.send({ url: `${base}/hooks/ok`, secret: SECRET, eventId: "evt-1", payload });
    expect(result).toEqual({ ok: true });
    const got = lastTo("/hooks/ok");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers[EVENT_ID_HEADER.toLowerCase()]).toBe("evt-1");
    expect(got.headers[SIGNATURE_HEADER.toLowerCase()]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(got.body.toString("utf8"))).toEqual(payload);
  });

  it("is refused by a receiver holding another secret, permanently (401)", async () => {
    const result = await channel.send({ url: `${base}/hooks/ok`, secret: "another-secret", eventId: "evt-2", payload });
    expect(result).toEqual({ ok: false, permanent: true, error: "webhook: http 401" });
  });

  it("gives up on a 400 without quoting the receiver's answer", async () => {
    const result = await channel.send({ url: `${base}/hooks/400`, secret: SECRET, eventId: "evt-3", payload });
    expect(result).toEqual({ ok: false, permanent: true, error: "webhook: http 400" });
    expect(JSON.stringify(result)).not.toContain(PHONE);
  });

  it("retries a 503 and a 408", async () => {
    expect(await channel.send({ url: `${base}/hooks/503`, secret: SECRET, eventId: "evt-4", payload })).toEqual({
      ok: false,
      permanent: false,
      error: "webhook: http 503",
    });
    expect(await channel.send({ url: `${base}/hooks/408`, secret: SECRET, eventId: "evt-4", payload })).toMatchObject({ ok: false, permanent: false });
  });

  it("retries a 429 no sooner than Retry-After says", async () => {
    const result = await channel.send({ url: `${base}/hooks/429`, secret: SECRET, eventId: "evt-5", payload });
    expect(result).toEqual({ ok: false, permanent: false, error: "webhook: http 429", retryAfterMs: 120_000 });
  });

  it("does not follow a redirect and treats it as permanent", async () => {
    const before = received.filter((r) => r.path === "/hooks/ok").length;
    const result = await channel.send({ url: `${base}/hooks/redirect`, secret: SECRET, eventId: "evt-6", payload });
    expect(result).toMatchObject({ ok: false, permanent: true, error: expect.stringContaining("http 302") });
    expect(received.filter((r) => r.path === "/hooks/ok").length).toBe(before);
  });

  it("gives up waiting at the timeout and reports it as transient", async () => {
    const started = performance.now();
    const result = await channel.send({ url: `${base}/hooks/hang`, secret: SECRET, eventId: "evt-7", payload });
    const elapsed = performance.now() - started;
    expect(result).toEqual({ ok: false, permanent: false, error: "webhook: timeout after 300 ms" });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("reports a refused connection as transient", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await channel.send({ url: `http://127.0.0.1:${port}/hooks`, secret: SECRET, eventId: "evt-8", payload });
    expect(result).toEqual({ ok: false, permanent: false, error: "webhook: connection error ECONNREFUSED" });
  });

  it("refuses an event id that cannot be a header value", async () => {
    const result = await channel.send({ url: `${base}/hooks/ok`, secret: SECRET, eventId: "evt\r\nX-Injected: 1", payload });
    expect(result).toMatchObject({ ok: false, permanent: true });
  });

  it("refuses an endpoint that is not http(s) without trying it", async () => {
    const result = await channel.send({ url: "file:///etc/passwd", secret: SECRET, eventId: "evt-9", payload });
    expect(result).toMatchObject({ ok: false, permanent: true });
  });
});

describe("verifying a delivery", () => {
  const now = 1_760_000_000;
  const body = JSON.stringify(payload);
  const header = signWebhook(SECRET, body, now);

  it("signs HMAC-SHA256 over `${t}.${rawBody}` in Stripe's header format", () => {
    const expected = createHmac("sha256", SECRET).update(`${now}.${body}`, "utf8").digest("hex");
    expect(header).toBe(`t=${now},v1=${expected}`);
  });

  it("accepts the untouched delivery, as a string or as bytes", () => {
    expect(verifyWebhook(SECRET, header, body, now)).toEqual({ valid: true, timestampSeconds: now });
    expect(verifyWebhook(SECRET, header, Buffer.from(body, "utf8"), now).valid).toBe(true);
  });

  it("rejects a tampered body", () => {
    expect(verifyWebhook(SECRET, header, body.replace("7KQ2M", "7KQ2N"), now)).toEqual({ valid: false, reason: "signature_mismatch" });
  });

  it("rejects a real delivery whose body was altered in transit", async () => {
    await channel.send({ url: `${base}/hooks/ok`, secret: SECRET, eventId: "evt-10", payload });
    const got = lastTo("/hooks/ok");
    const sig = got.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(verifyWebhook(SECRET, sig, got.body, nowSeconds).valid).toBe(true);
    const tampered = Buffer.from(got.body.toString("utf8").replace("邻里纠纷", "婚姻家庭"), "utf8");
    expect(verifyWebhook(SECRET, sig, tampered, nowSeconds)).toEqual({ valid: false, reason: "signature_mismatch" });
  });

  it("rejects a re-dated signature", () => {
    expect(verifyWebhook(SECRET, header.replace(`t=${now}`, `t=${now + 60}`), body, now + 60)).toEqual({ valid: false, reason: "signature_mismatch" });
  });

  it("rejects a delivery outside the replay window, either way, and keeps its edge", () => {
    expect(verifyWebhook(SECRET, header, body, now + 300).valid).toBe(true);
    expect(verifyWebhook(SECRET, header, body, now - 300).valid).toBe(true);
    expect(verifyWebhook(SECRET, header, body, now + 301)).toEqual({ valid: false, reason: "outside_tolerance" });
    expect(verifyWebhook(SECRET, header, body, now - 301)).toEqual({ valid: false, reason: "outside_tolerance" });
    expect(verifyWebhook(SECRET, header, body, now + 900, 1_000).valid).toBe(true);
  });

  it("rejects the wrong secret", () => {
    expect(verifyWebhook("other", header, body, now)).toEqual({ valid: false, reason: "signature_mismatch" });
  });

  it("accepts any one valid v1 among several (secret rotation)", () => {
    const rotated = `${signWebhook("old-secret", body, now)},v1=${header.split("v1=")[1]}`;
    expect(verifyWebhook(SECRET, rotated, body, now).valid).toBe(true);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["no timestamp", `v1=${"a".repeat(64)}`],
    ["no signature", `t=${now}`],
    ["short signature", `t=${now},v1=abcd`],
    ["two timestamps", `t=${now},t=${now},v1=${"a".repeat(64)}`],
    ["not key=value", `t=${now},garbage`],
  ])("rejects a malformed header (%s)", (_label, bad) => {
    expect(verifyWebhook(SECRET, bad, body, now)).toEqual({ valid: false, reason: "malformed_header" });
  });
});

describe("the recipe in WEBHOOKS.md", () => {
  it("agrees with verifyWebhook on valid, tampered and stale deliveries", async () => {
    const doc = await readFile(new URL("../src/channels/WEBHOOKS.md", import.meta.url), "utf8");
    const code = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(code).toBeDefined();
    const dir = await mkdtemp(path.join(os.tmpdir(), "webhook-recipe-"));
    try {
      const file = path.join(dir, "recipe.mjs");
      await writeFile(file, code!);
      const { verifyGrievanceHubWebhook } = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
        verifyGrievanceHubWebhook: (secret: string, header: string, rawBody: Buffer, nowSeconds: number) => boolean;
      };
      const now = 1_760_000_000;
      const body = Buffer.from(JSON.stringify(payload), "utf8");
      const header = signWebhook(SECRET, body, now);
      const cases: Array<[Buffer, number]> = [
        [body, now],
        [body, now + 301],
        [Buffer.from(body.toString().replace("7KQ2M", "7KQ2N")), now],
      ];
      for (const [raw, at] of cases) {
        expect(verifyGrievanceHubWebhook(SECRET, header, raw, at)).toBe(verifyWebhook(SECRET, header, raw, at).valid);
      }
      expect(verifyGrievanceHubWebhook(SECRET, header, body, now)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
