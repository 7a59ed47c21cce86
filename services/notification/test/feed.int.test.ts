// The live feed (Server-Sent Events) and the recipients directory, over real Kafka and Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@grievance-hub/kit";
import { captureLogs } from "../../../test/support";
import { aCase, assigned, deliveriesOf, eventually, fastDelivery, openFeed, startHarness, tokenFor, type Harness } from "./harness";

let h: Harness;
const logs = captureLogs();
const open: { close: () => void }[] = [];

beforeAll(async () => {
  h = await startHarness({ ...fastDelivery, FEED_HEARTBEAT_MS: "200" }, createLogger("notification", "debug", logs.stream));
});

afterAll(async () => {
  for (const f of open) f.close();
  await h?.close();
});

async function feedOf(token: string, lastEventId?: string) {
  const feed = await openFeed(`${h.service.url}/v1/feed`, { token, ...(lastEventId ? { lastEventId } : {}) });
  open.push(feed);
  expect(feed.res.status).toBe(200);
  expect(feed.res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  return feed;
}

async function fed(eventId: string): Promise<void> {
  await eventually(async () => ((await deliveriesOf(h, eventId)).some((d) => d.channel === "feed" && d.status === "sent") ? true : undefined), 20_000, "the feed delivery");
}

function queued(c: ReturnType<typeof aCase>, teamId: string) {
  return { ...c, team: { id: teamId, level: "community" as const }, reason: "no caseworker free", alertSupervisor: false };
}

describe("the live feed", () => {
  it("gives a caseworker their notifications as they happen, and nobody else's", async () => {
    const feed = await feedOf(await tokenFor("caseworker", "cw-live"));
    const mine = aCase();
    const theirs = aCase();
    const other = await h.publish("case.assigned.v1", assigned(theirs, "cw-someone-else"));
    const { eventId } = await h.publish("case.assigned.v1", assigned(mine, "cw-live"));
    await fed(other.eventId);
    const [n] = await eventually(async () => (feed.notifications().length > 0 ? feed.notifications() : undefined), 20_000, "a notification");
    expect(n).toMatchObject({
      eventId,
      template: "case.assigned",
      recipient: { kind: "caseworker", id: "cw-live" },
      subject: `[P3] 新案件 ${mine.trackingCode} 已分派给您`,
      facts: { trackingCode: mine.trackingCode },
    });
    expect(n!.id).toMatch(/^\d+$/);
    await new Promise((r) => setTimeout(r, 300));
    expect(feed.notifications().map((x) => x.eventId)).toEqual([eventId]);
    feed.close();
  });

  it("resumes after a reconnect with Last-Event-ID: what was missed, in order, then live", async () => {
    const token = await tokenFor("caseworker", "cw-resume");
    const first = await feedOf(token);
    const a = await h.publish("case.assigned.v1", assigned(aCase(), "cw-resume"));
    const [seen] = await eventually(async () => (first.notifications().length > 0 ? first.notifications() : undefined), 20_000, "the first notification");
    expect(seen!.eventId).toBe(a.eventId);
    first.close();

    const c = aCase();
    const missed = [
      await h.publish("case.reassigned.v1", { ...c, team: { id: "team-community-1", level: "community" }, fromCaseworkerId: "cw-away", toCaseworkerId: "cw-resume", acknowledgeBy: new Date(Date.now() + 3_600_000).toISOString(), resolveBy: new Date(Date.now() + 86_400_000).toISOString(), reason: "leave" }),
      await h.publish("case.deadline_approaching.v1", { ...aCase(), deadline: "resolve", dueAt: new Date(Date.now() + 1_800_000).toISOString(), team: { id: "team-community-1", level: "community" }, caseworkerId: "cw-resume" }),
    ];
    for (const m of missed) await fed(m.eventId);

    const again = await feedOf(token, seen!.id);
    const replayed = await eventually(async () => (again.notifications().length >= 2 ? again.notifications() : undefined), 20_000, "the missed notifications");
    expect(replayed.map((x) => x.eventId).sort()).toEqual(missed.map((m) => m.eventId).sort());
    expect(replayed.map((x) => x.template).sort()).toEqual(["case.deadline_near", "case.reassigned"]);
    const ids = replayed.map((x) => Number(x.id));
    expect(ids[0]).toBeGreaterThan(Number(seen!.id));
    expect(ids[1]).toBeGreaterThan(ids[0]!);

    const live = await h.publish("case.assigned.v1", assigned(aCase(), "cw-resume"));
    await eventually(async () => (again.notifications().length >= 3 ? true : undefined), 20_000, "the live notification after the replay");
    expect(again.notifications().map((x) => x.eventId)).toEqual([...replayed.map((x) => x.eventId), live.eventId]);
    again.close();
  });

  it("gives a supervisor their team's notifications, and an admin everyone's", async () => {
    const supervisor = await feedOf(await tokenFor("supervisor", "sup-feed", { team: "team-feed" }));
    const admin = await feedOf(await tokenFor("admin", "admin-feed"));
    const ours = await h.publish("case.queued.v1", queued(aCase(), "team-feed"));
    const elsewhere = await h.publish("case.queued.v1", queued(aCase(), "team-elsewhere"));
    await fed(ours.eventId);
    await fed(elsewhere.eventId);
    await eventually(async () => (admin.notifications().filter((n) => [ours.eventId, elsewhere.eventId].includes(n.eventId)).length === 2 ? true : undefined), 20_000, "both on the admin's feed");
    await eventually(async () => (supervisor.notifications().length > 0 ? true : undefined), 20_000, "the supervisor's notification");
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisor.notifications().map((n) => [n.eventId, n.template, n.recipient.id])).toEqual([[ours.eventId, "case.queued", "team-feed"]]);
  });

  it("keeps an idle stream open with heartbeat comments", async () => {
    const feed = await feedOf(await tokenFor("caseworker", "cw-idle"));
    await eventually(async () => (feed.comments.includes(": heartbeat") ? true : undefined), 5_000, "a heartbeat");
    feed.close();
  });

  it("takes the token from ?access_token= for EventSource, and keeps it out of the logs", async () => {
    const token = await tokenFor("caseworker", "cw-browser");
    const feed = await openFeed(`${h.service.url}/v1/feed?access_token=${token}`);
    open.push(feed);
    expect(feed.res.status).toBe(200);
    const { eventId } = await h.publish("case.assigned.v1", assigned(aCase(), "cw-browser"));
    await eventually(async () => (feed.notifications().some((n) => n.eventId === eventId) ? true : undefined), 20_000, "the notification");
    feed.close();
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).not.toContain(token.split(".")[2]!);
  });

  it("ends open streams when the service stops, and the client resumes from the restarted one", async () => {
    const token = await tokenFor("caseworker", "cw-restart");
    const feed = await feedOf(token);
    const before = await h.publish("case.assigned.v1", assigned(aCase(), "cw-restart"));
    const [seen] = await eventually(async () => (feed.notifications().length > 0 ? feed.notifications() : undefined), 20_000, "the first notification");
    expect(seen!.eventId).toBe(before.eventId);

    const started = Date.now();
    let missed = "";
    await h.restart(async () => {
      missed = (await h.publish("case.assigned.v1", assigned(aCase(), "cw-restart"))).eventId;
    });
    expect(Date.now() - started).toBeLessThan(8_000);

    const again = await feedOf(token, seen!.id);
    await eventually(async () => (again.notifications().length > 0 ? true : undefined), 20_000, "the notification missed during the restart");
    expect(again.notifications().map((n) => n.eventId)).toEqual([missed]);
    again.close();
  });

  it("refuses without a valid token, to an operator, and with a malformed Last-Event-ID", async () => {
    expect((await fetch(`${h.service.url}/v1/feed`)).status).toBe(401);
    expect((await fetch(`${h.service.url}/v1/feed?access_token=not.a.token`)).status).toBe(401);
    expect((await fetch(`${h.service.url}/v1/feed`, { headers: { authorization: `Bearer ${await tokenFor("operator")}` } })).status).toBe(403);
    const bad = await fetch(`${h.service.url}/v1/feed`, { headers: { authorization: `Bearer ${await tokenFor("caseworker")}`, "last-event-id": "yesterday" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });
});

describe("the recipients directory", () => {
  const body = { language: "en", channels: { webhook: { url: "https://hooks.example.org/gh?token=abc", secret: "whsec-directory-0123456789" }, email: "li.na@mediation.example.org", sms: "+8613900139000" } };

  it("is managed by admins, and never shows a webhook secret again", async () => {
    const admin = await tokenFor("admin");
    const put = await h.api("/v1/recipients/caseworker/cw-dir", { method: "PUT", token: admin, body });
    expect(put.status).toBe(200);
    const saved = await put.json();
    expect(saved).toMatchObject({ kind: "caseworker", id: "cw-dir", language: "en", channels: { webhook: { url: body.channels.webhook.url }, email: body.channels.email, sms: body.channels.sms, feed: true } });
    const list = await (await h.api("/v1/recipients", { token: admin })).text();
    expect(list).toContain('"id":"cw-dir"');
    expect(list).not.toContain("whsec-directory");
    const cleared = await (await h.api("/v1/recipients/caseworker/cw-dir", { method: "PUT", token: admin, body: { channels: { feed: false } } })).json();
    expect(cleared).toMatchObject({ language: "zh", channels: { feed: false } });
    expect(cleared.channels).not.toHaveProperty("webhook");
  });

  it.each([
    ["an unknown kind", "/v1/recipients/complainant/x", body, 400],
    ["a phone that is not E.164", "/v1/recipients/caseworker/x", { channels: { sms: "13900139000" } }, 400],
    ["a webhook that is not http(s)", "/v1/recipients/caseworker/x", { channels: { webhook: { url: "ftp://hooks.example.org", secret: "whsec-directory-0123456789" } } }, 400],
    ["a short webhook secret", "/v1/recipients/caseworker/x", { channels: { webhook: { url: "https://hooks.example.org", secret: "short" } } }, 400],
    ["an unknown channel", "/v1/recipients/caseworker/x", { channels: { pager: "123" } }, 400],
  ])("refuses %s", async (_label, path, b, status) => {
    expect((await h.api(path, { method: "PUT", token: await tokenFor("admin"), body: b })).status).toBe(status);
  });

  it("is closed to supervisors and caseworkers", async () => {
    expect((await h.api("/v1/recipients/caseworker/cw-dir", { method: "PUT", token: await tokenFor("supervisor"), body })).status).toBe(403);
    expect((await h.api("/v1/recipients", { token: await tokenFor("caseworker") })).status).toBe(403);
  });
});
