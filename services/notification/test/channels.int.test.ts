// Who is told what, through each channel to a real peer, over real Kafka and Postgres:
// a webhook receiver that verifies signatures, an SMTP server, an HTTP SMS gateway.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { captureLogs } from "../../../test/support";
import {
  aCase, assigned, consumedPast, deliveriesOf, eventually, fastDelivery, liWei, received, setRecipient,
  startHarness, startSmsGateway, startSmtpSink, startWebhookReceiver, tokenFor, type Harness,
} from "./harness";

const SECRET = "whsec-caseworker-0123456789";
const SMS_TOKEN = "gw-token-5f1e";
let h: Harness;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let sms: Awaited<ReturnType<typeof startSmsGateway>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
const logs = captureLogs();

beforeAll(async () => {
  webhook = await startWebhookReceiver(SECRET);
  sms = await startSmsGateway(SMS_TOKEN);
  smtp = await startSmtpSink("hub-mailer", "mail-pass-1");
  h = await startHarness(
    {
      ...fastDelivery,
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp.port),
      SMTP_USER: "hub-mailer",
      SMTP_PASS: "mail-pass-1",
      SMTP_FROM: '"Grievance Hub" <noreply@hotline.example.org>',
      SMS_GATEWAY_URL: sms.url,
      SMS_GATEWAY_TOKEN: SMS_TOKEN,
      CASE_URL_BASE: "https://hub.example.org/cases/",
      STATUS_URL: "https://hotline.example.org/track",
    },
    createLogger("notification", "debug", logs.stream),
  );
  await setRecipient(h, "caseworker", "cw-all", {
    language: "en",
    channels: { webhook: { url: webhook.url, secret: SECRET }, email: "li.na@mediation.example.org", sms: "+8613900139000" },
  });
  await setRecipient(h, "team_supervisor", "team-community-1", { language: "zh", channels: { email: "supervisor@street.example.org", feed: false } });
});

afterAll(async () => {
  await h?.close();
  await Promise.all([webhook?.close(), sms?.close(), smtp?.close()]);
});

async function allSent(eventId: string, expected: number) {
  return eventually(async () => {
    const rows = await deliveriesOf(h, eventId);
    return rows.length === expected && rows.every((r) => r.status === "sent") ? rows : undefined;
  }, 20_000, `${expected} deliveries of ${eventId} sent`);
}

describe("a caseworker's new task", () => {
  it("reaches them at once by webhook, e-mail, SMS and the live feed, each at its real peer", async () => {
    const c = aCase();
    const { eventId } = await h.publish("case.assigned.v1", assigned(c, "cw-all"));
    const rows = await allSent(eventId, 4);
    expect(rows.map((r) => r.channel).sort()).toEqual(["email", "feed", "sms", "webhook"]);

    const hook = webhook.received.find((w) => w.body.eventId === eventId)!;
    expect(webhook.state.rejected).toBe(0);
    expect(hook.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook.body).toMatchObject({
      eventType: "case.assigned.v1",
      grievanceId: c.grievanceId,
      recipient: { kind: "caseworker", id: "cw-all" },
      template: "case.assigned",
      language: "en",
      subject: `[P3] New case ${c.trackingCode} assigned to you`,
      facts: { trackingCode: c.trackingCode, urgency: "P3", category: "neighbour", caseUrl: `https://hub.example.org/cases/${c.caseId}` },
    });

    const mail = smtp.inbox.find((m) => m.subject.includes(c.trackingCode))!;
    expect(mail.to).toEqual(["li.na@mediation.example.org"]);
    expect(mail.subject).toBe(`[P3] New case ${c.trackingCode} assigned to you`);
    expect(mail.text).toContain("Category: neighbour dispute");

    const text = sms.received.find((m) => m.text.includes(c.trackingCode))!;
    expect(text.to).toBe("+8613900139000");
    expect(text.reference).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("alerts the team's supervisors of a P1 on arrival, in their language", async () => {
    const c = aCase({ urgency: "P1" });
    const { eventId } = await h.publish("case.assigned.v1", assigned(c, "cw-not-in-directory"));
    const rows = await allSent(eventId, 2);
    expect(rows.map((r) => `${r.recipient_kind}/${r.channel}`).sort()).toEqual(["caseworker/feed", "team_supervisor/email"]);
    const mail = await eventually(async () => smtp.inbox.find((m) => m.subject.includes(c.trackingCode)), 10_000, "the P1 alert");
    expect(mail.to).toEqual(["supervisor@street.example.org"]);
    expect(mail.subject).toBe(`[P1 紧急] 案件 ${c.trackingCode} 可能危及人身安全，请立即处理`);
  });
});

describe("the complainant", () => {
  it("gets a receipt with the tracking code by SMS in their language, and the outcome when resolved", async () => {
    const c = aCase();
    const receipt = await h.publish("grievance.received.v1", received(c, { ...liWei, language: "en" }));
    await allSent(receipt.eventId, 1);
    const first = sms.received.find((m) => m.text.includes(c.trackingCode))!;
    expect(first.to).toBe("+8613800138000");
    expect(first.text).toBe(`Your grievance has been recorded. Your tracking code is ${c.trackingCode}. Keep it: with it you can check progress at https://hotline.example.org/track`);

    const outcome = await h.publish("case.resolved.v1", { ...c, outcome: "mediated_agreement", summary: "Both neighbours signed an agreement with caseworker Li Na." });
    await allSent(outcome.eventId, 1);
    const second = sms.received.filter((m) => m.text.includes(c.trackingCode))[1]!;
    expect(second.text).toContain("settled by a mediated agreement");
    expect(second.text).not.toContain("Li Na");
  });

  it("is written to in Chinese when that is their language", async () => {
    const c = aCase();
    await allSent((await h.publish("grievance.received.v1", received(c, liWei))).eventId, 1);
    expect(sms.received.find((m) => m.text.includes(c.trackingCode))!.text).toContain("您反映的问题已登记");
  });

  it("gets nothing when anonymous or without consent, neither receipt nor outcome", async () => {
    const anonymous = aCase();
    const refused = aCase();
    const published = [
      await h.publish("grievance.received.v1", received(anonymous, { anonymous: true })),
      await h.publish("grievance.received.v1", received(refused, { ...liWei, phone: "+8613700137000", consentToContact: false })),
      await h.publish("case.resolved.v1", { ...anonymous, outcome: "resolved", summary: "done" }),
      await h.publish("case.resolved.v1", { ...refused, outcome: "resolved", summary: "done" }),
    ];
    for (const p of published.slice(0, 2)) await consumedPast(h, h.env.topicPrefix + Topics.grievancesInternal, p.partition, p.offset);
    for (const p of published.slice(2)) await consumedPast(h, h.env.topicPrefix + Topics.casesInternal, p.partition, p.offset);
    // An outcome read before its grievance is queued until the contact is known, then dropped.
    const rows = await eventually(async () => {
      const { rows } = await h.db.query<{ status: string }>("SELECT status FROM deliveries WHERE grievance_id = ANY($1)", [[anonymous.grievanceId, refused.grievanceId]]);
      return rows.every((r) => r.status !== "pending") ? rows : undefined;
    }, 10_000, "no delivery pending");
    expect(rows.filter((r) => r.status !== "skipped")).toEqual([]);
    expect(sms.received.filter((m) => m.text.includes(anonymous.trackingCode) || m.text.includes(refused.trackingCode) || m.to === "+8613700137000")).toEqual([]);
    const kept = await h.db.query("SELECT anonymous, consent, phone FROM complainants WHERE grievance_id = ANY($1) ORDER BY anonymous", [[anonymous.grievanceId, refused.grievanceId]]);
    expect(kept.rows).toEqual([{ anonymous: false, consent: false, phone: null }, { anonymous: true, consent: false, phone: null }]);
  });

  it("is told the outcome even when it is read before the grievance it came from", async () => {
    const c = aCase();
    const outcome = await h.publish("case.resolved.v1", { ...c, outcome: "referred_to_agency", summary: "sent to the housing bureau" });
    await eventually(async () => ((await deliveriesOf(h, outcome.eventId))[0]?.last_error === "the complainant's contact is not known yet" ? true : undefined), 20_000, "the outcome waiting for the contact");
    await h.publish("grievance.received.v1", received(c, { ...liWei, language: "en" }));
    await allSent(outcome.eventId, 1);
    expect(sms.received.some((m) => m.text.includes(c.trackingCode) && m.text.includes("referred to the responsible agency"))).toBe(true);
  });
});

describe("the delivery log", () => {
  it("tells a supervisor what was sent to whom, when, how often, with destinations masked and no text", async () => {
    const c = aCase();
    await allSent((await h.publish("grievance.received.v1", received(c, liWei))).eventId, 1);
    const supervisor = await tokenFor("supervisor", "sup-1", { team: "team-community-1" });
    const log = async (token: string, query = "") =>
      ((await (await h.api(`/v1/deliveries?grievanceId=${c.grievanceId}${query}`, { token })).json()) as { deliveries: { recipient: { kind: string } }[] }).deliveries;
    // Not yet their team's case: nothing of it in their log; an admin sees it.
    expect(await log(supervisor)).toEqual([]);
    expect(await log(await tokenFor("admin", "admin-1"))).toHaveLength(1);
    // Once it is assigned to their team, its deliveries are, the receipt included; another team's supervisor still sees none.
    await allSent((await h.publish("case.assigned.v1", assigned(c, "cw-all"))).eventId, 4);
    expect((await log(supervisor)).length).toBeGreaterThan(1);
    expect(await log(await tokenFor("supervisor", "sup-9", { team: "team-elsewhere" }))).toEqual([]);
    const res = await h.api(`/v1/deliveries?grievanceId=${c.grievanceId}&recipientKind=complainant`, { token: supervisor });
    expect(res.status).toBe(200);
    const raw = await res.text();
    const { deliveries } = JSON.parse(raw) as { deliveries: Record<string, unknown>[] };
    expect(deliveries).toEqual([
      expect.objectContaining({
        eventType: "grievance.received.v1",
        recipient: { kind: "complainant", id: c.grievanceId },
        channel: "sms",
        destination: "+86*******8000",
        status: "sent",
        attempts: 1,
        sentAt: expect.any(String),
        history: [expect.objectContaining({ attempt: 1, outcome: "sent", error: null })],
      }),
    ]);
    for (const secret of ["13800138000", "Li Wei", c.trackingCode, "装修"]) expect(raw).not.toContain(secret);
  });

  it("filters by recipient and status, and is closed to caseworkers", async () => {
    const res = await h.api("/v1/deliveries?recipientKind=caseworker&recipientId=cw-all&status=sent", { token: await tokenFor("admin") });
    const { deliveries } = (await res.json()) as { deliveries: { recipient: { id: string }; status: string }[] };
    expect(deliveries.length).toBeGreaterThanOrEqual(4);
    expect(deliveries.every((d) => d.recipient.id === "cw-all" && d.status === "sent")).toBe(true);
    expect((await h.api("/v1/deliveries", { token: await tokenFor("caseworker") })).status).toBe(403);
    expect((await h.api("/v1/deliveries")).status).toBe(401);
  });
});

describe("logs", () => {
  it("never name a complainant, their phone, or an address", () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of ["Li Wei", "13800138000", "13700137000", "13900139000", "li.na@", "Xiangzhou", "装修"]) expect(text).not.toContain(secret);
  });
});
