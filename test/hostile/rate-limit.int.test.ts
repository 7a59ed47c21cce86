// The public tracking lookup is limited per client address: each client gets its own budget,
// a client cannot buy more by claiming another address in a header, probing unknown codes
// spends the same budget, and one client flooding the lookup does not starve another. Each
// client is a different loopback address the requests are sent from (127.0.0.0/8 is all
// loopback on Linux), so the service sees them as the different clients they are.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { captureLogs, createTestEnv, tokenFor, type TestEnv } from "../support";
import { address, capturedLogger, complainant, descriptionMark, personalIn, send, sound, type Answer } from "./support";

const LIMIT = 10;
let env: TestEnv;
let intake: RunningService;
let trackingCode: string;
const logs = captureLogs();

beforeAll(async () => {
  env = await createTestEnv();
  intake = await startIntake(loadConfig(IntakeConfig, { ...env.env, TRACK_RATE_LIMIT_PER_MINUTE: String(LIMIT) }), capturedLogger("intake", logs));
  const created = await send(intake.url, "/v1/grievances", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator", "op-rl")}` },
    body: JSON.stringify({ channel: "phone", complainant, location: { divisionCode: "440402001001", address }, description: descriptionMark }),
  });
  expect(created.status).toBe(202);
  trackingCode = created.json<{ trackingCode: string }>().trackingCode;
});

afterAll(async () => {
  await intake?.stop();
  await env?.drop();
});

/** A status lookup sent from the loopback address `from`. */
function track(from: string, code = trackingCode, headers: Record<string, string> = {}): Promise<Answer> {
  return send(intake.url, `/v1/track/${code}`, { localAddress: from, headers });
}

async function lookups(from: string, n: number, headers: () => Record<string, string> = () => ({})): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push(sound(await track(from, trackingCode, headers()), `track from ${from}`).status);
  return statuses;
}

describe("GET /v1/track/:code", () => {
  it(`gives each client address ${LIMIT} lookups a minute, then 429 problem+json with Retry-After`, async () => {
    expect(await lookups("127.0.0.2", LIMIT)).toEqual(Array(LIMIT).fill(200));
    const refused = sound(await track("127.0.0.2"), "over the limit");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused.json()).toMatchObject({ status: 429, title: "Too many requests" });
    // Another client still has its whole budget, and then the same limit.
    expect(await lookups("127.0.0.3", LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect((await track("127.0.0.3")).status).toBe(429);
    expect((await track("127.0.0.4")).status).toBe(200);
  });

  it("cannot be escaped by claiming another address in X-Forwarded-For, X-Real-IP or Forwarded", async () => {
    let n = 0;
    const spoofed = () => {
      n++;
      return { "x-forwarded-for": `203.0.113.${n}`, "x-real-ip": `198.51.100.${n}`, forwarded: `for=192.0.2.${n}`, "x-client-ip": `10.0.0.${n}` };
    };
    const statuses = await lookups("127.0.0.5", LIMIT + 5, spoofed);
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(200));
    expect(statuses.slice(LIMIT)).toEqual(Array(5).fill(429));
  });

  it("spends the same budget on unknown and malformed codes, so codes cannot be probed past the limit", async () => {
    const probes = ["ABCDE-FGHJK", "0000", "%00", "x".repeat(64), "ZZZZZ-ZZZZZ", "'; DROP TABLE grievances; --"];
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push(sound(await track("127.0.0.6", encodeURIComponent(probes[i % probes.length]!)), "probe").status);
    expect(statuses.every((s) => s === 404 || s === 400)).toBe(true);
    // The budget is spent: the real code answers 429 too, telling the prober nothing.
    expect((await track("127.0.0.6")).status).toBe(429);
    expect((await track("127.0.0.6", "ABCDE-FGHJK")).status).toBe(429);
  });

  it("keeps answering another client promptly while one floods it", async () => {
    const flooder = "127.0.0.7";
    const bystander = "127.0.0.8";
    const floodSize = 800;
    const concurrency = 30;
    let sent = 0;
    let bystanderDone = false;
    const flood: number[] = [];
    // The flood lasts until the bystander is done, however fast this machine answers it, and is at
    // least floodSize requests (at most 50 times that): every bystander lookup happens during it.
    const worker = async () => {
      while ((!bystanderDone || sent < floodSize) && sent < 50 * floodSize) {
        sent++;
        flood.push((await track(flooder)).status);
      }
    };
    let floodOver = false;
    const flooding = Promise.all(Array.from({ length: concurrency }, worker)).then(() => (floodOver = true));
    // The bystander's lookups are spread over the flood.
    const answered: { status: number; ms: number }[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const started = performance.now();
      const answer = sound(await track(bystander), "bystander");
      answered.push({ status: answer.status, ms: performance.now() - started });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(floodOver, "the flood still going when the bystander was done").toBe(false);
    bystanderDone = true;
    await flooding;
    expect(answered.map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
    expect(Math.max(...answered.map((a) => a.ms)), "slowest bystander lookup (ms)").toBeLessThan(2000);
    expect(flood.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(flood.filter((s) => s === 429)).toHaveLength(sent - LIMIT);
    // The flooder is still held back afterwards; the service is healthy.
    expect((await track(flooder)).status).toBe(429);
    expect((await send(intake.url, "/health/ready")).status).toBe(200);
  });

  it("holds for Open311's token lookup too, per client, in Open311's error shape", async () => {
    const lookup = (from: string) => send(intake.url, `/open311/v2/tokens/${trackingCode}.json`, { localAddress: from });
    const first = [];
    for (let i = 0; i < LIMIT; i++) first.push((await lookup("127.0.0.9")).status);
    // Not an Open311 request, so its token is unknown there: 404, but the lookup still spends the budget.
    expect(first.every((s) => s === 404)).toBe(true);
    const refused = await lookup("127.0.0.9");
    expect(refused.status).toBe(429);
    expect(refused.json<{ code: number }[]>()[0]).toMatchObject({ code: 429 });
    expect((await lookup("127.0.0.10")).status).toBe(404);
  });

  it("limits the lookup only: the flooded address can still record grievances", async () => {
    const answer = await send(intake.url, "/v1/grievances", {
      method: "POST",
      localAddress: "127.0.0.7",
      headers: { "content-type": "application/json", authorization: `Bearer ${await tokenFor("operator", "op-rl")}` },
      body: JSON.stringify({ channel: "web", anonymous: true, language: "en", location: { divisionCode: "440402" }, description: "street light out" }),
    });
    expect(answer.status).toBe(202);
  });

  it("wrote no personal data to the logs", () => {
    expect(logs.text().length).toBeGreaterThan(0);
    expect(personalIn(logs.text())).toEqual([]);
  });
});
