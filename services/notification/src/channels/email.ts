// E-mail over SMTP with nodemailer: UTF-8 plain text with an optional HTML alternative.
// SMTP replies decide the outcome: 5xx permanent, 4xx and lost connections transient.
import { createTransport, type Transporter } from "nodemailer";
import { z } from "zod";
import { DEFAULT_TIMEOUT_MS, permanentFailure, transientFailure, type DeliveryChannel, type DeliveryResult } from "./delivery";

export const EmailChannelConfig = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean(),
  /** Refuse to send unless the connection was upgraded with STARTTLS. */
  requireTLS: z.boolean().default(false),
  auth: z.object({ user: z.string().min(1), pass: z.string().min(1) }).optional(),
  /** e.g. `"Grievance Hub" <noreply@hotline.example.org>` */
  from: z.string().min(3),
  timeoutMs: z.number().int().positive().default(DEFAULT_TIMEOUT_MS),
});
export type EmailChannelConfig = z.input<typeof EmailChannelConfig>;

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export class EmailChannel implements DeliveryChannel<EmailMessage> {
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly timeoutMs: number;

  constructor(config: EmailChannelConfig) {
    const c = EmailChannelConfig.parse(config);
    this.from = c.from;
    this.timeoutMs = c.timeoutMs;
    this.transport = createTransport({
      host: c.host,
      port: c.port,
      secure: c.secure,
      requireTLS: c.requireTLS,
      ...(c.auth ? { auth: { user: c.auth.user, pass: c.auth.pass } } : {}),
      connectionTimeout: c.timeoutMs,
      greetingTimeout: c.timeoutMs,
      socketTimeout: c.timeoutMs,
      dnsTimeout: c.timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(message: EmailMessage): Promise<DeliveryResult> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const info = await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        // Chinese text is mostly non-ASCII: base64 is smaller than quoted-printable and 7-bit safe.
        textEncoding: "base64",
        // RFC 3834: tells mailboxes not to send vacation replies to a notification.
        headers: { "Auto-Submitted": "auto-generated" },
        signal,
      });
      return typeof info.messageId === "string" ? { ok: true, providerId: info.messageId } : { ok: true };
    } catch (err) {
      return classifySmtpError(err, signal.aborted, this.timeoutMs);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * Reads a nodemailer failure without its message, which quotes the server's reply and so
 * often the recipient's address: the reply code, enhanced status and SMTP command suffice.
 */
export function classifySmtpError(err: unknown, timedOut: boolean, timeoutMs: number): DeliveryResult {
  const e = (typeof err === "object" && err !== null ? err : {}) as {
    code?: unknown;
    originalCode?: unknown;
    responseCode?: unknown;
    response?: unknown;
    command?: unknown;
  };
  if (typeof e.responseCode === "number" && e.responseCode >= 400 && e.responseCode < 600) {
    const enhanced = typeof e.response === "string" ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(e.response)?.[1] : undefined;
    const at = typeof e.command === "string" && /^[A-Z ]+$/.test(e.command) ? ` at ${e.command}` : "";
    const error = `smtp ${e.responseCode}${enhanced ? ` ${enhanced}` : ""}${at}`;
    return e.responseCode >= 500 ? permanentFailure(error) : transientFailure(error);
  }
  if (timedOut || e.code === "ETIMEDOUT") return transientFailure(`smtp: timeout after ${timeoutMs} ms`);
  // Rejected by nodemailer before anything was sent (e.g. a malformed address): retrying cannot help.
  if (e.code === "EENVELOPE" || e.code === "EMESSAGE") return permanentFailure(`smtp: ${e.code}`);
  // nodemailer files a refused connection under ECONNECTION and keeps the system code (ECONNREFUSED) aside.
  const code = [e.originalCode, e.code].find((c): c is string => typeof c === "string" && /^[A-Z0-9_]+$/.test(c)) ?? "unknown";
  return transientFailure(`smtp: ${code}`);
}
