// SMS through an HTTP gateway: POST {to, text, reference} as JSON with Basic or Bearer
// credentials; the gateway's message id, when its answer carries one, becomes providerId.
import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, type DeliveryChannel, type DeliveryResult } from "./delivery";
import { postJson } from "./http";

export const SmsGatewayAuth = z.discriminatedUnion("scheme", [
  z.object({ scheme: z.literal("basic"), username: z.string().min(1), password: z.string().min(1) }),
  z.object({ scheme: z.literal("bearer"), token: z.string().min(1) }),
]);
export type SmsGatewayAuth = z.infer<typeof SmsGatewayAuth>;

export const SmsChannelConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  auth: SmsGatewayAuth,
  /** Top-level field of the gateway's JSON answer that holds its message id. */
  messageIdField: z.string().min(1).default("messageId"),
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
});
export type SmsChannelConfig = z.input<typeof SmsChannelConfig>;

export interface SmsMessage {
  /** E.164, e.g. +8613800138000. */
  to: string;
  text: string;
  /** Our delivery id, stable across retries, so the gateway can deduplicate. */
  reference: string;
}

export class SmsChannel implements DeliveryChannel<SmsMessage> {
  private readonly config: z.output<typeof SmsChannelConfig>;
  private readonly authorization: string;

  constructor(config: SmsChannelConfig) {
    this.config = SmsChannelConfig.parse(config);
    const { auth } = this.config;
    this.authorization =
      auth.scheme === "basic"
        ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`
        : `Bearer ${auth.token}`;
  }

  send(message: SmsMessage): Promise<DeliveryResult> {
    return postJson(
      {
        label: "sms",
        url: this.config.url,
        headers: { authorization: this.authorization, accept: "application/json" },
        body: JSON.stringify({ to: message.to, text: message.text, reference: message.reference }),
        timeoutMs: this.config.timeoutMs,
      },
      // The gateway has taken the message; an unreadable answer must not make us send it twice.
      async (response) => {
        const providerId = await response.json().then(
          (answer: unknown) => messageIdOf(answer, this.config.messageIdField),
          () => undefined,
        );
        return providerId === undefined ? { ok: true } : { ok: true, providerId };
      },
    );
  }
}

function messageIdOf(answer: unknown, field: string): string | undefined {
  if (typeof answer !== "object" || answer === null) return undefined;
  const id = (answer as Record<string, unknown>)[field];
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}
