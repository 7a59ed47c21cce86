// What the hostile-input tests share: a raw HTTP client that can send any bytes from any
// loopback address, the checks every answer must pass (never a 5xx, problem+json for every
// 4xx), the personal data the tests use and the scan for it, and the hostile values.
import { createHmac } from "node:crypto";
import http, { type IncomingHttpHeaders } from "node:http";
import { Kafka, logLevel } from "kafkajs";
import fc from "fast-check";
import { createLogger, type Logger } from "@grievance-hub/kit";
import { captureLogs, eventually } from "../support";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: () => string;
  json: <T = Record<string, unknown>>() => T;
}

export interface RawRequest {
  method?: string;
  /** Header values are sent as given (latin1), so any byte a client may put there reaches the server. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The loopback address to send from, so the server sees another client. */
  localAddress?: string;
  timeoutMs?: number;
}

/**
 * One request over a fresh connection with node:http, which (unlike fetch) lets a test send
 * raw bytes, any method and content type, and bind the client address. An event stream is
 * closed as soon as its head arrives.
 */
export function send(baseUrl: string, path: string, req: RawRequest = {}): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? "GET",
        path,
        headers: { ...(req.body !== undefined ? { "content-length": String(Buffer.byteLength(req.body)) } : {}), ...req.headers },
        agent: false,
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
        timeout: req.timeoutMs ?? 15_000,
        // Paths with bytes a browser would escape are part of what is being tested.
        insecureHTTPParser: true,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: () => body.toString("utf8"),
            json: <T>() => JSON.parse(body.toString("utf8")) as T,
          });
        };
        if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
          res.destroy();
          return done();
        }
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", done);
        res.on("error", reject);
      },
    );
    r.on("timeout", () => r.destroy(new Error(`${req.method ?? "GET"} ${path}: no answer within ${req.timeoutMs ?? 15_000} ms`)));
    r.on("error", reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/** Bytes written straight to the socket, for requests node:http will not form (bad request lines, huge headers). */
export async function sendBytes(baseUrl: string, bytes: Buffer | string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const net = await import("node:net");
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
    socket.on("data", (c: Buffer) => chunks.push(c));
    // A server that refuses headers too large answers, then closes while the rest is still being
    // sent: the client sees a reset after the answer (Node 24 does this), which is the answer.
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "ECONNRESET" || chunks.length === 0) reject(err);
    });
    socket.on("close", () => {
      const raw = Buffer.concat(chunks).toString("latin1");
      const [head = "", ...rest] = raw.split("\r\n\r\n");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status: Number(statusLine.split(" ")[1] ?? 0), headers, body: rest.join("\r\n\r\n") });
    });
    socket.end(bytes);
  });
}

/** The shape every refusal has: RFC 9457 problem+json whose status is the HTTP status, no stack traces. */
export function problemIn(answer: { status: number; headers: Record<string, string | string[] | undefined>; body: string | Buffer }): Record<string, unknown> {
  const where = `${answer.status} ${String(answer.body).slice(0, 300)}`;
  if (!/^application\/problem\+json/.test(String(answer.headers["content-type"] ?? ""))) throw new Error(`not problem+json (${String(answer.headers["content-type"])}): ${where}`);
  const problem = JSON.parse(String(answer.body)) as Record<string, unknown>;
  if (problem.status !== answer.status) throw new Error(`problem.status ${String(problem.status)} is not the HTTP status: ${where}`);
  if (typeof problem.title !== "string" || typeof problem.type !== "string" || !problem.type.startsWith("https://")) throw new Error(`problem without type and title: ${where}`);
  if (/at .*\.[jt]s:\d+/.test(String(answer.body))) throw new Error(`a stack trace in the answer: ${where}`);
  return problem;
}

/** What every answer to anything must be: below 500, and problem+json when it refuses. */
export function sound(answer: Answer, what: string): Answer {
  if (answer.status >= 500 || answer.status < 100) throw new Error(`${what}: ${answer.status} ${answer.text().slice(0, 500)}`);
  if (answer.status >= 400) {
    try {
      problemIn({ status: answer.status, headers: answer.headers, body: answer.body });
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`);
    }
  }
  return answer;
}

// --- personal data ------------------------------------------------------------------------

/**
 * The complainant every valid body is about. Each value is distinctive enough that finding
 * it anywhere (a log line, a public topic) can only mean it leaked there.
 */
export const complainant = {
  name: "Qiao Mingyue",
  phone: "+86 139 2468 1357",
  language: "zh" as const,
  consentToContact: true,
};
/** The same person calling from line `n`: triage takes each number for another caller, so each grievance opens a case of its own. */
export const complainantOnLine = (n: number) => ({ ...complainant, phone: `+86 139 2468 ${String(n % 10_000).padStart(4, "0")}` });
export const address = "Lantern Alley 42, Unit 9";
export const descriptionMark = "隔壁邻居半夜敲墙威胁要放火";
export const noteMark = "caller's sister Qiao Lan can be reached at the market stall";

/** Every form the personal strings may take once stored, normalised or serialised. */
export const personalStrings = [
  complainant.name,
  // every line of complainantOnLine, in the notations it may be written in
  "1392468",
  "139 2468",
  address,
  "Lantern Alley",
  descriptionMark,
  noteMark,
  "Qiao Lan",
];

/** The personal strings (and any extra ones, e.g. tracking codes) found in `text`. */
export function personalIn(text: string, extra: string[] = []): string[] {
  return [...personalStrings, ...extra].filter((s) => text.includes(s));
}

/** A logger for a service under test that keeps every line, at debug so even request logs are scanned. */
export function capturedLogger(service: string, logs: ReturnType<typeof captureLogs>): Logger {
  return createLogger(service, "debug", logs.stream);
}

/** Every message (key, headers and value, as text) on the topics, read from the beginning. */
export async function readTopics(brokers: string, topics: string[], settleMs = 1500): Promise<{ topic: string; text: string }[]> {
  const kafka = new Kafka({ clientId: "hostile-reader", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `hostile-reader-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 200 });
  const seen: { topic: string; text: string }[] = [];
  let last = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        last = Date.now();
        const headers = Object.entries(message.headers ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.map(String).join(",") : String(v)}`);
        seen.push({ topic, text: [message.key?.toString("utf8") ?? "", ...headers, message.value?.toString("utf8") ?? ""].join("\n") });
      },
    });
    await eventually(async () => (seen.length > 0 && Date.now() - last > settleMs ? true : undefined), 30_000, `messages on ${topics.join(", ")}`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

// --- hostile values -----------------------------------------------------------------------

/** Strings that have broken real systems. Each must be refused or stored and returned as sent. */
export const injectionStrings = [
  "'; DROP TABLE grievances; --",
  "Robert'); DROP TABLE intake.grievances;--",
  "1' OR '1'='1",
  "$1; SELECT pg_sleep(10); --",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(document.cookie)>',
  "{{constructor.constructor('return process')().exit()}}",
  "${process.exit(1)}",
  "__proto__",
  "%s%s%s%n",
  "../../../../etc/passwd",
  "\u202Eevil\u202C text with a right-to-left override",
  "zero\u200Bwidth\u200Djoiner\uFEFFbom",
  "emoji 👨‍👩‍👧‍👦 and 𠜎 outside the BMP",
  "line\r\nbreak: header-injection",
  "backslash \\ quote \" tab \t",
];

/** Strings a service cannot store as sent: Postgres text has no NUL, UTF-8 has no lone surrogate. */
export const unstorableStrings = ["nul \u0000 inside", "\u0000", "lone high \uD800 surrogate", "lone low \uDC00", "reversed \uDC00\uD800 pair"];

/** Text that is valid input: any code point but NUL and lone surrogates, not blank. */
export const validText = (maxLength: number) =>
  fc.string({ unit: "binary", minLength: 1, maxLength }).filter((s) => !s.includes("\u0000") && s.trim().length > 0);

/** A string from anywhere on the hostile spectrum. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...injectionStrings, ...unstorableStrings),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
  fc.constantFrom("", " ", "\t\n", "x".repeat(10_001), "9".repeat(400), "-0", "NaN", "Infinity", "1e308", "null", "true", "[]", "{}"),
);

/** Numbers that break naive code: huge, tiny, negative zero, unsafe integers. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1e308, -1e308, 5e-324, -0, 0, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63), 2 ** 64, 0.1 + 0.2, 4.2e-9),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value with hostile leaves. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom("__proto__", "constructor", "prototype")), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** Replaces the value at `path` (keys, created where missing) in a copy of `body`. */
export function withValueAt(body: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const base = body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { ...base, [head]: withValueAt(base[head], rest, value) };
}

/** Every path to a leaf (and to each object) of a JSON body. */
export function pathsOf(body: unknown, prefix: string[] = []): string[][] {
  if (!body || typeof body !== "object" || Array.isArray(body)) return [prefix];
  return [prefix, ...Object.entries(body).flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

/** A body nested `depth` levels deep, built without recursion. */
export function nested(depth: number, kind: "array" | "object"): string {
  return kind === "array" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** Header names and values a client may send; the names avoid those HTTP itself interprets. */
export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  fc.oneof(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 }), fc.constantFrom("\u00ff\u00fe", "a".repeat(4000), "() { :; }; echo vulnerable")),
  { maxKeys: 4 },
);

/** A path segment as a client might send it: escaped, double-escaped, traversal, or broken escapes. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map((s) => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, "?"))),
  fc.constantFrom("%00", "%", "%ZZ", "%E0%A4%A", "%ED%A0%80", "%C0%AF", "..%2F..%2Fetc%2Fpasswd", "%252e%252e", "x".repeat(5000), "00000000-0000-4000-8000-000000000000", "%20", "%2F"),
);

/** A query string, possibly malformed. */
export const hostileQuery: fc.Arbitrary<string> = fc.oneof(
  fc.dictionary(fc.constantFrom("status", "urgency", "limit", "teamId", "grievanceId", "recipientKind", "recipientId", "channel", "access_token", "x", "__proto__"), hostileSegment, { maxKeys: 4 }).map(
    (q) => Object.entries(q).map(([k, v]) => `${k}=${v}`).join("&"),
  ),
  fc.constantFrom("limit=1e308", "limit=-0", "limit=NaN", "limit=99999999999999999999", "limit=0x10", "status[]=a&status[]=b", "a=%", "&&&===", "limit=1&limit=2", "=x", "a".repeat(3000)),
);

export { fc };

// --- tokens -------------------------------------------------------------------------------

/**
 * A JWT put together by hand (jose is the services' dependency, not the tests'), so a test can
 * make any token a client might: another algorithm, another key, no signature at all.
 */
export function handmadeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | null, hmac: "sha256" | "sha512" = "sha256"): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${part(header)}.${part(payload)}`;
  return secret === null ? `${input}.` : `${input}.${createHmac(hmac, secret).update(input).digest("base64url")}`;
}

/** The claims the services accept, for `sub` in `role`, valid for an hour. */
export function claims(role: string, sub: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub, role, iss: "grievance-hub", aud: "grievance-hub", iat: now, exp: now + 3600, ...extra };
}
