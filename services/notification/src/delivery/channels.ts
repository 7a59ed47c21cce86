// The channels as configured, and how a claimed delivery reaches its receiver through one:
// the destination is looked up when sending (a recipient who fixed their webhook gets the
// retry at the new address), and a complainant's consent is checked once more.
import { erasedMarker, isSealed, type Keyring, type PoolClient } from "@grievance-hub/kit";
import type { Language } from "@grievance-hub/schema";
import { EmailChannel } from "../channels/email";
import { SmsChannel } from "../channels/sms";
import { WebhookChannel } from "../channels/webhook";
import { permanentFailure, transientFailure, type DeliveryFailure, type DeliveryResult } from "../channels/delivery";
import type { NotificationConfig } from "../config";
import { maskDestination, type ChannelName } from "../domain/destination";
import { complainantPhoneField, mayBeTold, type ComplainantContact, type PartyContact } from "../domain/who-is-told";
import { findComplainants, findParties, type EnabledChannels } from "../db/deliveries";
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

export type Resolution =
  | { kind: "send"; target: Target; rendered?: RenderedMessage & { language: Language } }
  | { kind: "skip" }
  | { kind: "fail"; failure: DeliveryFailure };

interface StaffAddress {
  webhook_url: string | null;
  webhook_secret: string | null;
  email: string | null;
  sms_phone: string | null;
}

interface Contacts {
  staff: Map<string, StaffAddress>;
  complainants: Map<string, ComplainantContact>;
  parties: Map<string, PartyContact>;
}

/** The current contacts of the deliveries' recipients: one statement per table that any of them is in. */
async function contactsFor(client: PoolClient, keyring: Keyring, rows: DeliveryRow[]): Promise<Contacts> {
  const staffRows = rows.filter((r) => r.recipient_kind === "caseworker" || r.recipient_kind === "team_supervisor");
  const grievanceIds = [...new Set(rows.flatMap((r) => (r.recipient_kind === "complainant" ? [r.grievance_id] : [])))];
  const partyIds = [...new Set(rows.flatMap((r) => (r.recipient_kind === "party" ? [r.recipient_id] : [])))];
  const [staff, complainants, parties] = await Promise.all([
    staffRows.length === 0
      ? []
      : client
          .query<StaffAddress & { kind: string; id: string }>(
            `SELECT r.kind, r.id, r.webhook_url, r.webhook_secret, r.email, r.sms_phone FROM recipients r
             JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k (kind, id)) k ON r.kind = k.kind AND r.id = k.id`,
            [staffRows.map((r) => r.recipient_kind), staffRows.map((r) => r.recipient_id)],
          )
          .then((r) => r.rows),
    findComplainants(client, grievanceIds).then((found) => withPhonesOpened(keyring, complainantPhoneField, found)),
    findParties(client, partyIds).then((found) => withPhonesOpened(keyring, "phone", found)),
  ]);
  return {
    staff: new Map(staff.map((r) => [`${r.kind}\n${r.id}`, r])),
    complainants: new Map(complainants.map((c) => [c.grievanceId, c])),
    parties: new Map(parties.map((p) => [`${p.grievanceId}:${p.partyId}`, p])),
  };
}

/**
 * Complainants' and parties' phones are kept sealed (a complainant's for intake's field, a v2
 * party's for "phone"; a v1 party's is text and stays as it is): opened only here, to send. An
 * erased person's opens as nobody to tell.
 */
async function withPhonesOpened<C extends { phone: string | null }>(keyring: Keyring, field: string, contacts: C[]): Promise<C[]> {
  return Promise.all(contacts.map(async (c) => {
    if (c.phone === null) return c;
    const phone = await keyring.open(field, c.phone);
    return { ...c, phone: phone === erasedMarker ? null : phone };
  }));
}

export class DeliveryChannels {
  readonly enabled: EnabledChannels;
  private readonly webhook: WebhookChannel;
  private readonly email: EmailChannel | undefined;
  private readonly sms: SmsChannel | undefined;
  private readonly smtpEndpoint: string;
  private readonly smsEndpoint: string;

  constructor(config: NotificationConfig, private readonly templates: Templates, private readonly keyring: Keyring) {
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

  /**
   * How each claimed delivery reaches its receiver, in order: the contacts of all of them read
   * with one statement per table (recipients, complainants, parties), whatever their number.
   */
  async resolveAll(client: PoolClient, rows: DeliveryRow[]): Promise<Resolution[]> {
    const [contacts, opened] = await Promise.all([contactsFor(client, this.keyring, rows), Promise.all(rows.map((row) => this.openText(row)))]);
    return opened.map((row) => this.resolve(row, contacts));
  }

  /** A message kept sealed (made from sealed facts: a party's reminder) opened to be sent; an erased person's reads as the marker and is not sent. */
  private async openText(row: DeliveryRow): Promise<DeliveryRow> {
    if (row.body === null || !isSealed(row.body)) return row;
    const [subject, body, html] = await Promise.all([
      row.subject === null ? null : this.keyring.open("subject", row.subject),
      this.keyring.open("body", row.body),
      row.html === null ? null : this.keyring.open("html", row.html),
    ]);
    return { ...row, subject, body, html };
  }

  private resolve(row: DeliveryRow, contacts: Contacts): Resolution {
    if (row.recipient_kind === "complainant") return this.toComplainant(row, contacts.complainants.get(row.grievance_id));
    if (row.recipient_kind === "party") {
      // Consent is checked once more on sending, as for a complainant.
      const party = contacts.parties.get(row.recipient_id);
      if (!party?.consent || !party.phone || row.body === erasedMarker) return { kind: "skip" };
      return this.smsTo(party.phone, row.body!, row.delivery_key);
    }
    const r = contacts.staff.get(`${row.recipient_kind}\n${row.recipient_id}`);
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

  private toComplainant(row: DeliveryRow, contact: ComplainantContact | undefined): Resolution {
    // The outcome of a case can arrive before the grievance it came from has been read.
    if (!contact) return { kind: "fail", failure: transientFailure("the complainant's contact is not known yet") };
    if (!mayBeTold(contact)) return { kind: "skip" };
    if (row.body !== null) return this.smsTo(contact.phone!, row.body, row.delivery_key);
    let rendered: RenderedMessage;
    try {
      rendered = this.templates.render(row.template, contact.language, row.variables as never);
    } catch (err) {
      if (err instanceof TemplateError) return { kind: "fail", failure: permanentFailure(`template: ${err.message}`) };
      throw err;
    }
    const resolution = this.smsTo(contact.phone!, rendered.text, row.delivery_key);
    // Rendered now that the language is known: the worker keeps it with the attempt.
    return resolution.kind === "send" ? { ...resolution, rendered: { language: contact.language, ...rendered } } : resolution;
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
