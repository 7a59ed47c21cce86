import { describe, expect, it } from "vitest";
import { afterAttempt } from "../src/delivery/retry-policy";
import { maskDestination } from "../src/domain/destination";
import { deliveryKey } from "../src/db/deliveries";
import { NotificationConfig } from "../src/config";

const policy = { maxAttempts: 4, backoff: { baseMs: 1_000, maxMs: 60_000 } };
const half = () => 0.5;

describe("what follows an attempt", () => {
  it.each([
    ["a success", { ok: true as const }, 1, { status: "sent" }],
    ["a transient error, first attempt", { ok: false as const, permanent: false, error: "webhook: http 503" }, 1, { status: "pending", retryInMs: 500 }],
    ["a transient error, third attempt", { ok: false as const, permanent: false, error: "webhook: http 503" }, 3, { status: "pending", retryInMs: 2_000 }],
    ["a transient error on the last attempt", { ok: false as const, permanent: false, error: "webhook: http 503" }, 4, { status: "dead_lettered" }],
    ["a permanent error, at once", { ok: false as const, permanent: true, error: "webhook: http 400" }, 1, { status: "dead_lettered" }],
    ["a 429 with Retry-After beyond the backoff", { ok: false as const, permanent: false, error: "webhook: http 429", retryAfterMs: 30_000 }, 1, { status: "pending", retryInMs: 30_000 }],
  ])("%s", (_label, result, attempts, expected) => {
    expect(afterAttempt(result, attempts, policy, half)).toEqual(expected);
  });
});

describe("the delivery log's destinations", () => {
  it.each([
    ["sms", "+8613800138000", "+86*******8000"],
    ["email", "li.na@mediation.example.org", "l***@mediation.example.org"],
    ["webhook", "https://hooks.example.org/grievance?token=s3cret", "https://hooks.example.org"],
    ["feed", "anything", "feed"],
  ] as const)("masks a %s destination", (channel, raw, masked) => {
    expect(maskDestination(channel, raw)).toBe(masked);
  });
});

describe("the delivery key", () => {
  it("is a stable UUID per (event, recipient, channel)", () => {
    const a = deliveryKey("e1", "caseworker", "cw-7", "webhook");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliveryKey("e1", "caseworker", "cw-7", "webhook")).toBe(a);
    expect(deliveryKey("e1", "caseworker", "cw-7", "email")).not.toBe(a);
    expect(deliveryKey("e2", "caseworker", "cw-7", "webhook")).not.toBe(a);
  });
});

describe("configuration", () => {
  it("runs with no channel configured", () => {
    expect(NotificationConfig.safeParse({}).success).toBe(true);
  });

  it.each([
    ["an SMS gateway without credentials", { SMS_GATEWAY_URL: "https://sms.example.org/send" }, "SMS_GATEWAY_TOKEN"],
    ["an SMS gateway with two kinds of credentials", { SMS_GATEWAY_URL: "https://sms.example.org/send", SMS_GATEWAY_TOKEN: "t", SMS_GATEWAY_USER: "u", SMS_GATEWAY_PASSWORD: "p" }, "SMS_GATEWAY_TOKEN"],
    ["an SMTP user without a password", { SMTP_HOST: "mail", SMTP_USER: "u" }, "SMTP_PASS"],
    ["a backoff ceiling below its base", { DELIVERY_BACKOFF_BASE_MS: "5000", DELIVERY_BACKOFF_MAX_MS: "1000" }, "DELIVERY_BACKOFF_MAX_MS"],
    ["SMTP_SECURE that is not true or false", { SMTP_SECURE: "yes" }, "SMTP_SECURE"],
  ])("refuses %s, naming the variable", (_label, env, variable) => {
    const result = NotificationConfig.safeParse(env);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toContain(variable);
  });
});
