import net from "node:net";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmailChannel, type EmailChannelConfig } from "../src/channels/email";

const USER = "hub-mailer";
const PASS = "pw-5a7e";
const FROM = '"申诉中心 Grievance Hub" <noreply@hotline.example.org>';

interface Received {
  rcptTo: string[];
  mailFrom: string | undefined;
  user: unknown;
  raw: string;
}

const inbox: Received[] = [];
let sink: SMTPServer;
let port: number;
let silent: net.Server;
let silentPort: number;

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

beforeAll(async () => {
  sink = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASS) callback(null, { user: USER });
      else callback(smtpError("5.7.8 Authentication credentials invalid", 535));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("nobody@")) callback(smtpError(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`, 550));
      else if (address.address.startsWith("greylisted@")) callback(smtpError(`4.7.1 <${address.address}>: Greylisted, try again later`, 451));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        inbox.push({
          rcptTo: session.envelope.rcptTo.map((a) => a.address),
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          user: session.user,
          raw: Buffer.concat(chunks).toString("latin1"),
        });
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", () => resolve()));
  port = (sink.server.address() as AddressInfo).port;

  // Accepts connections and never greets: a hung mail server.
  silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => sink.close(() => resolve()));
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

function channel(overrides: Partial<EmailChannelConfig> = {}): EmailChannel {
  return new EmailChannel({ host: "127.0.0.1", port, secure: false, from: FROM, timeoutMs: 1_000, ...overrides });
}

// --- a small MIME reader, enough to prove what arrived decodes to what was sent ---

function splitHead(entity: string): { headers: Map<string, string>; body: string } {
  const at = entity.indexOf("\r\n\r\n");
  const head = at < 0 ? entity : entity.slice(0, at);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: at < 0 ? "" : entity.slice(at + 4) };
}

function decodeQuotedPrintable(s: string): Buffer {
  const bytes: number[] = [];
  const soft = s.replace(/=\r\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(soft.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (B and Q), adjacent words joined as the RFC requires. */
function decodeHeader(value: string): string {
  const words = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  return value.replace(/\?=\s+=\?/g, "?==?").replace(words, (_m, _charset: string, enc: string, text: string) =>
    (enc.toUpperCase() === "B" ? Buffer.from(text, "base64") : decodeQuotedPrintable(text.replace(/_/g, " "))).toString("utf8"),
  );
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body).toString("utf8");
  return Buffer.from(body, "latin1").toString("utf8");
}

/** Subject and the decoded text/plain and text/html parts of a raw message. */
function readMessage(raw: string): { subject: string; headers: Map<string, string>; parts: Map<string, string> } {
  const { headers, body } = splitHead(raw);
  const parts = new Map<string, string>();
  const collect = (h: Map<string, string>, b: string): void => {
    const type = h.get("content-type") ?? "text/plain";
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith("multipart/") && boundary) {
      const sections = b.split(`--${boundary}`).slice(1, -1);
      for (const section of sections) {
        const part = splitHead(section.replace(/^\r\n/, ""));
        collect(part.headers, part.body.replace(/\r\n$/, ""));
      }
    } else {
      expect(type.toLowerCase()).toContain("charset=utf-8");
      parts.set(type.split(";")[0]!.trim().toLowerCase(), decodeBody(h, b));
    }
  };
  collect(headers, body);
  return { subject: decodeHeader(headers.get("subject") ?? ""), headers, parts };
}

const chinese = {
  subject: "[P1] 新案件 7KQ2M-X9PTR 已分派给您 — 请在 15 分钟内确认",
  text: "有一件案件分派给您办理。\n\n受理编号：7KQ2M-X9PTR\n类别：邻里纠纷\n" + "长行测试".repeat(40) + "\n",
  html: "<p>有一件案件分派给您办理。</p>\n<p>受理编号：7KQ2M-X9PTR</p>",
};

describe("e-mail through a real SMTP server", () => {
  it("delivers Chinese subject, text and HTML intact as UTF-8", async () => {
    const mailer = channel();
    const result = await mailer.send({ to: "caseworker@division.example.org", ...chinese });
    mailer.close();
    expect(result).toMatchObject({ ok: true, providerId: expect.stringMatching(/^<.+@.+>$/) });

    const got = inbox.at(-1)!;
    expect(got.rcptTo).toEqual(["caseworker@division.example.org"]);
    expect(got.mailFrom).toBe("noreply@hotline.example.org");
    // Nothing but 7-bit ASCII on the wire: no relay can mangle it.
    expect(/^[\x00-\x7f]*$/.test(got.raw)).toBe(true);
    const message = readMessage(got.raw);
    expect(message.subject).toBe(chinese.subject);
    expect(decodeHeader(message.headers.get("from")!)).toBe(FROM.replace(/"/g, ""));
    expect(message.headers.get("message-id")).toBe(result.ok ? result.providerId : "");
    expect(message.headers.get("auto-submitted")).toBe("auto-generated");
    expect(message.parts.get("text/plain")?.replace(/\r\n/g, "\n")).toBe(chinese.text);
    expect(message.parts.get("text/html")?.replace(/\r\n/g, "\n")).toBe(chinese.html);
  });

  it("sends plain text alone when there is no HTML", async () => {
    const mailer = channel();
    expect(await mailer.send({ to: "caseworker@division.example.org", subject: chinese.subject, text: chinese.text })).toMatchObject({ ok: true });
    const message = readMessage(inbox.at(-1)!.raw);
    expect([...message.parts.keys()]).toEqual(["text/plain"]);
  });

  it("authenticates with the configured credentials", async () => {
    const mailer = channel({ auth: { user: USER, pass: PASS } });
    expect(await mailer.send({ to: "supervisor@division.example.org", subject: "s", text: "t" })).toMatchObject({ ok: true });
    expect(inbox.at(-1)!.user).toBe(USER);
  });

  it("gives up when the credentials are refused (535)", async () => {
    const result = await channel({ auth: { user: USER, pass: "wrong" } }).send({ to: "supervisor@division.example.org", subject: "s", text: "t" });
    expect(result).toMatchObject({ ok: false, permanent: true, error: expect.stringMatching(/^smtp 535 5\.7\.8 at AUTH/) });
  });

  it("gives up on a recipient rejected with 550, without naming the address", async () => {
    const result = await channel().send({ to: "nobody@division.example.org", ...chinese });
    expect(result).toEqual({ ok: false, permanent: true, error: "smtp 550 5.1.1 at RCPT TO" });
    expect(JSON.stringify(result)).not.toContain("nobody");
  });

  it("retries a recipient deferred with 451", async () => {
    const result = await channel().send({ to: "greylisted@division.example.org", ...chinese });
    expect(result).toEqual({ ok: false, permanent: false, error: "smtp 451 4.7.1 at RCPT TO" });
  });

  it("gives up waiting for a server that never greets, within the timeout, as transient", async () => {
    const started = performance.now();
    const result = await channel({ port: silentPort, timeoutMs: 300 }).send({ to: "caseworker@division.example.org", subject: "s", text: "t" });
    const elapsed = performance.now() - started;
    expect(result).toEqual({ ok: false, permanent: false, error: "smtp: timeout after 300 ms" });
    expect(elapsed).toBeLessThan(2_000);
  });

  it("reports a refused connection as transient", async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await channel({ port: freePort }).send({ to: "caseworker@division.example.org", subject: "s", text: "t" });
    expect(result).toEqual({ ok: false, permanent: false, error: "smtp: ECONNREFUSED" });
  });
});
