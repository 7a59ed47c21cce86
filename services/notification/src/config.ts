import { z } from "zod";
import { BaseConfig, developmentDefault } from "@grievance-hub/kit";

const flag = z.enum(["true", "false"]).transform((v) => v === "true");
const optionalText = z.string().min(1).optional();

export const NotificationConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3003),
  NOTIFICATION_CONSUMER_GROUP: z.string().min(1).default("notification"),

  /** Links put into messages: staff get `${CASE_URL_BASE}/${caseId}` (the console's case page), complainants
   * STATUS_URL with `{code}` replaced by their tracking code (the console's public `/track/<code>` page). */
  CASE_URL_BASE: developmentDefault(z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:3004/cases")),
  STATUS_URL: developmentDefault(z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:3004/track/{code}")),

  /** E-mail is off unless SMTP_HOST is set. */
  SMTP_HOST: optionalText,
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: flag.default(false),
  SMTP_USER: optionalText,
  SMTP_PASS: optionalText,
  SMTP_FROM: z.string().min(3).default('"Grievance Hub" <noreply@grievance-hub.invalid>'),

  /** SMS is off unless SMS_GATEWAY_URL is set; then Basic (user + password) or Bearer (token) credentials. */
  SMS_GATEWAY_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMS_GATEWAY_USER: optionalText,
  SMS_GATEWAY_PASSWORD: optionalText,
  SMS_GATEWAY_TOKEN: optionalText,

  /** One attempt's time limit, per channel call. */
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Attempts before a delivery is dead-lettered (a permanent error ends it at once). */
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
  DELIVERY_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(2_000),
  DELIVERY_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(15 * 60_000),
  /** Consecutive failures of one endpoint that pause it, and for how long. */
  CIRCUIT_BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(5),
  CIRCUIT_BREAKER_COOL_DOWN_MS: z.coerce.number().int().min(0).default(30_000),
  /** How often the delivery worker looks for due retries when no new delivery wakes it. */
  DELIVERY_WORKER_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  DELIVERY_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(50),

  /** SSE comment lines that keep idle feed connections open through proxies. */
  FEED_HEARTBEAT_MS: z.coerce.number().int().min(100).default(15_000),
}).superRefine((c, ctx) => {
  if (c.DELIVERY_BACKOFF_MAX_MS < c.DELIVERY_BACKOFF_BASE_MS) {
    ctx.addIssue({ code: "custom", path: ["DELIVERY_BACKOFF_MAX_MS"], message: "must be at least DELIVERY_BACKOFF_BASE_MS" });
  }
  if (Boolean(c.SMTP_USER) !== Boolean(c.SMTP_PASS)) {
    ctx.addIssue({ code: "custom", path: [c.SMTP_USER ? "SMTP_PASS" : "SMTP_USER"], message: "SMTP_USER and SMTP_PASS go together" });
  }
  if (c.SMS_GATEWAY_URL) {
    const basic = Boolean(c.SMS_GATEWAY_USER && c.SMS_GATEWAY_PASSWORD);
    if (basic === Boolean(c.SMS_GATEWAY_TOKEN)) {
      ctx.addIssue({ code: "custom", path: ["SMS_GATEWAY_TOKEN"], message: "with SMS_GATEWAY_URL set either SMS_GATEWAY_USER + SMS_GATEWAY_PASSWORD or SMS_GATEWAY_TOKEN" });
    }
  }
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
