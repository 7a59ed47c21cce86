/**
 * Webhook delivery: a signed JSON POST to the subscriber's endpoint.
 *
 * Verifying a delivery (the recipe subscribers copy; see WEBHOOKS.md beside this file):
 *   1. Read the raw request body as bytes, before any JSON parsing.
 *   2. From `Grievance-Hub-Signature: t=<unix seconds>,v1=<hex>` take `t` and every `v1`.
 *   3. Expected = hex(HMAC-SHA256(secret, `${t}.${rawBody}`)).
 *   4. Accept if some `v1` equals Expected under a constant-time compare
 *      (crypto.timingSafeEqual) and |now - t| <= 300 seconds; otherwise answer 400.
 *   5. Deduplicate on `Grievance-Hub-Event-Id`: a delivery can arrive more than once.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, permanentFailure, type DeliveryChannel, type DeliveryResult } from "./delivery";
import { postJson } from "./http";

export const SIGNATURE_HEADER = "Grievance-Hub-Signature";
export const EVENT_ID_HEADER = "Grievance-Hub-Event-Id";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export const WebhookChannelConfig = z.object({
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
});
export type WebhookChannelConfig = z.input<typeof WebhookChannelConfig>;

export interface WebhookMessage {
  /** The subscriber's endpoint, http(s). */
  url: string;
  /** The subscriber's signing secret. */
  secret: string;
  /** Stable across retries of the same delivery, so the subscriber can deduplicate. */
  eventId: string;
  /** Serialised once with JSON.stringify; those exact bytes are signed and sent. */
  payload: unknown;
}

export class WebhookChannel implements DeliveryChannel<WebhookMessage> {
  private readonly timeoutMs: number;

  constructor(config: WebhookChannelConfig = {}) {
    this.timeoutMs = WebhookChannelConfig.parse(config).timeoutMs;
  }

  async send(message: WebhookMessage): Promise<DeliveryResult> {
    if (message.secret.length === 0) return permanentFailure("webhook: no signing secret");
    if (!/^[\x21-\x7e]{1,200}$/.test(message.eventId)) return permanentFailure("webhook: event id is not a printable ASCII token");
    const body = JSON.stringify(message.payload);
    if (body === undefined) return permanentFailure("webhook: payload is not JSON-serialisable");
    return postJson(
      {
        label: "webhook",
        url: message.url,
        headers: {
          [SIGNATURE_HEADER]: signWebhook(message.secret, body, Math.floor(Date.now() / 1000)),
          [EVENT_ID_HEADER]: message.eventId,
        },
        body,
        timeoutMs: this.timeoutMs,
      },
      async (response) => {
        await response.body?.cancel().catch(() => undefined);
        return { ok: true };
      },
    );
  }
}

/** The `Grievance-Hub-Signature` header value for `body` sent at `timestampSeconds`. */
export function signWebhook(secret: string, body: string | Buffer, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`;
}

export type WebhookVerification =
  | { valid: true; timestampSeconds: number }
  | { valid: false; reason: "malformed_header" | "signature_mismatch" | "outside_tolerance" };

/**
 * Checks a received delivery: some `v1` in `header` is the HMAC of `${t}.${rawBody}` and
 * `t` lies within `toleranceSeconds` of `nowSeconds` either way (replay window).
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  rawBody: string | Buffer,
  nowSeconds: number,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): WebhookVerification {
  const parsed = header === undefined ? null : parseSignatureHeader(header);
  if (parsed === null) return { valid: false, reason: "malformed_header" };
  const expected = Buffer.from(hmacHex(secret, parsed.timestampSeconds, rawBody), "hex");
  const matches = parsed.signatures.some((candidate) => timingSafeEqual(Buffer.from(candidate, "hex"), expected));
  if (!matches) return { valid: false, reason: "signature_mismatch" };
  if (Math.abs(nowSeconds - parsed.timestampSeconds) > toleranceSeconds) return { valid: false, reason: "outside_tolerance" };
  return { valid: true, timestampSeconds: parsed.timestampSeconds };
}

function hmacHex(secret: string, timestampSeconds: number, body: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestampSeconds}.`).update(body).digest("hex");
}

/** `t=<seconds>,v1=<64 hex>[,v1=...]`; unknown schemes are ignored so new ones can be added alongside. */
function parseSignatureHeader(header: string): { timestampSeconds: number; signatures: string[] } | null {
  let timestampSeconds: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value) || timestampSeconds !== null) return null;
      timestampSeconds = Number(value);
    } else if (key === "v1" && /^[0-9a-f]{64}$/.test(value)) {
      signatures.push(value);
    }
  }
  return timestampSeconds === null || signatures.length === 0 ? null : { timestampSeconds, signatures };
}
