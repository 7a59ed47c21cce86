// The channels as configured, and how a claimed delivery reaches its receiver through one:
// the destination is looked up when sending (a recipient who fixed their webhook gets the
// retry at the new address), and a complainant's consent is checked once more.
import type { PoolClient } from "@grievance-hub/kit";
import type { Language } from "@grievance-hub/schema";
import { EmailChannel } from "../channels/email";
import { SmsChannel } from "../channels/sms";
import { WebhookChannel } from "../channels/webhook";
import { permanentFailure, transientFailure, type DeliveryFailure, type DeliveryResult } from "../channels/delivery";
import type { NotificationConfig } from "../config";
import { maskDestination, type ChannelName } from "../domain/destination";
import { mayBeTold } from "../domain/who-is-told";
import { findComplainant, findParty, type EnabledChannels } from "../db/deliveries";
import type { TemplateName } from "../templates/catalogue";
import { TemplateError, type RenderedMessage, type Templates } from "../templates/render";

/** The columns of a claimed delivery that sending needs. */
export interface DeliveryRow {
  id: string;
  delivery_key: string;
  event_id: string;
  event_type: string;
  grievance_id: string;
  recipient_kind: "caseworker" | "team_supervisor" | "complainant" | "party";
  recipient_id: string;
  channel: ChannelName;
  attempts: number;
  template: TemplateName;
  language: Language | null;
  variables: Record<string, unknown>;
  subject: string | null;
  body: string | null;
  html: string | null;
}

export interface Target {
  /** What the circuit breaker keys on: the receiver, not the message. */
  endpoint: string;
  /** Masked, for the delivery log. */
  destination: string;
  send: () => Promise<DeliveryResult>;
}

export type Resolution = { kind: "send"; target: Target } | { kind: "skip" } | { kind: "fail"; failure: DeliveryFailure };

export class DeliveryChannels {
  readonly enabled: EnabledChannels;
  private readonly webhook: WebhookChannel;
  private readonly email: EmailChannel | undefined;
  private readonly sms: SmsChannel | undefined;
  private readonly smtpEndpoint: string;
  private readonly smsEndpoint: string;

  constructor(config: NotificationConfig, private readonly templates: Templates) {
    const timeoutMs = config.DELIVERY_TIMEOUT_MS;
    this.webhook = new WebhookChannel({ timeoutMs });
    this.email = config.SMTP_HOST
      ? new EmailChannel({
          host: config.SMTP_HOST,
          port: config.SMTP_PORT,
          secure: config.SMTP_SECURE,
          from: config.SMTP_FROM,
          timeoutMs,
          ...(config.SMTP_USER && config.SMTP_PASS ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASS } } : {}),
        })
      : undefined;
    this.sms = config.SMS_GATEWAY_URL
      ? new SmsChannel({
          url: config.SMS_GATEWAY_URL,
          auth: config.SMS_GATEWAY_TOKEN
            ? { scheme: "bearer", token: config.SMS_GATEWAY_TOKEN }
            : { scheme: "basic", username: config.SMS_GATEWAY_USER!, password: config.SMS_GATEWAY_PASSWORD! },
          timeoutMs,
        })
      : undefined;
    this.smtpEndpoint = `smtp://${config.SMTP_HOST}:${config.SMTP_PORT}`;
    this.smsEndpoint = config.SMS_GATEWAY_URL ?? "";
    this.enabled = { email: this.email !== undefined, sms: this.sms !== undefined };
  }

  close(): void {
    this.email?.close();
  }

  async resolve(client: PoolClient, row: DeliveryRow): Promise<Resolution> {
    if (row.recipient_kind === "complainant") return this.toComplainant(client, row);
    if (row.recipient_kind === "party") {
      // Consent is checked once more on sending, as for a complainant.
      const party = await findParty(client, row.recipient_id);
      if (!party?.consent || !party.phone) return { kind: "skip" };
      return this.smsTo(party.phone, row.body!, row.delivery_key);
    }
    const { rows } = await client.query<{ webhook_url: string | null; webhook_secret: string | null; email: string | null; sms_phone: string | null }>(
      "SELECT webhook_url, webhook_secret, email, sms_phone FROM recipients WHERE kind = $1 AND id = $2",
      [row.recipient_kind, row.recipient_id],
    );
    const r = rows[0];
    const gone = permanentFailure(`${row.channel}: the recipient has no ${row.channel} address any more`);
    switch (row.channel) {
      case "webhook": {
        if (!r?.webhook_url || !r.webhook_secret) return { kind: "fail", failure: gone };
        const message = { url: r.webhook_url, secret: r.webhook_secret, eventId: row.delivery_key, payload: webhookPayload(row) };
        return { kind: "send", target: { endpoint: r.webhook_url, destination: maskDestination("webhook", r.webhook_url), send: () => this.webhook.send(message) } };
      }
      case "email": {
        if (!r?.email) return { kind: "fail", failure: gone };
        const email = this.email;
        if (!email) return { kind: "fail", failure: permanentFailure("email: SMTP is not configured") };
        const message = { to: r.email, subject: row.subject!, text: row.body!, ...(row.html ? { html: row.html } : {}) };
        return { kind: "send", target: { endpoint: this.smtpEndpoint, destination: maskDestination("email", r.email), send: () => email.send(message) } };
      }
      case "sms":
        if (!r?.sms_phone) return { kind: "fail", failure: gone };
        return this.smsTo(r.sms_phone, row.body!, row.delivery_key);
      case "feed":
        return { kind: "fail", failure: permanentFailure("feed: delivered when recorded, never by the worker") };
    }
  }

  private async toComplainant(client: PoolClient, row: DeliveryRow): Promise<Resolution> {
    const contact = await findComplainant(client, row.grievance_id);
    // The outcome of a case can arrive before the grievance it came from has been read.
    if (!contact) return { kind: "fail", failure: transientFailure("the complainant's contact is not known yet") };
    if (!mayBeTold(contact)) return { kind: "skip" };
    let text = row.body;
    if (text === null) {
      let rendered: RenderedMessage;
      try {
        rendered = this.templates.render(row.template, contact.language, row.variables as never);
      } catch (err) {
        if (err instanceof TemplateError) return { kind: "fail", failure: permanentFailure(`template: ${err.message}`) };
        throw err;
      }
      await client.query("UPDATE deliveries SET language = $2, subject = $3, body = $4, html = $5 WHERE id = $1", [row.id, contact.language, rendered.subject, rendered.text, rendered.html]);
      text = rendered.text;
    }
    return this.smsTo(contact.phone!, text, row.delivery_key);
  }

  private smsTo(phone: string, text: string, reference: string): Resolution {
    const sms = this.sms;
    if (!sms) return { kind: "fail", failure: permanentFailure("sms: no SMS gateway is configured") };
    return { kind: "send", target: { endpoint: this.smsEndpoint, destination: maskDestination("sms", phone), send: () => sms.send({ to: phone, text: text.trim(), reference }) } };
  }
}

/** What a webhook receiver gets: the rendered message and the facts it was made from (no personal data). */
function webhookPayload(row: DeliveryRow) {
  return {
    deliveryId: row.delivery_key,
    eventId: row.event_id,
    eventType: row.event_type,
    grievanceId: row.grievance_id,
    recipient: { kind: row.recipient_kind, id: row.recipient_id },
    template: row.template,
    language: row.language,
    subject: row.subject,
    text: row.body,
    facts: row.variables,
  };
}
