// JSON logs with personal data redacted wherever it may appear in a logged object.
import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

// terms, what (an obligation) and place (a mediation session) are mediation's: what the parties agreed to and where they meet.
// summary and reason are free text staff type about a case; matched is a risk signal's evidence, quoted from the description.
// sms, sms_phone, to and destination are how notification reaches a person (a recipient's SMS number, a gateway's
// recipient, a delivery's address); secret and webhook_secret are a receiver's signing secret.
const personalFields = [
  "name", "phone", "address", "description", "text", "email", "coordinates", "lat", "lon", "complainant", "note", "terms", "what", "place", "summary", "reason", "matched", "externalReference",
  "sms", "sms_phone", "to", "destination", "secret", "webhook_secret",
];
const personal = new Set(personalFields);
const CENSOR = "[redacted]";
// Deeper than any event or case view; what lies below is dropped rather than logged unread.
const MAX_DEPTH = 12;

/** Credentials in a logged request; personal fields are censored at any depth by `withoutPersonalData`. */
export const redactPaths = ["req.headers.authorization", "req.headers.cookie"];

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a log line's object with every personal field censored, however deep it sits
 * (pino's redact paths need one wildcard per level, so a party inside a case inside an
 * event slipped past them). Only plain objects and arrays are walked; errors, requests and
 * other instances go to their serializers untouched.
 */
export function withoutPersonalData(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== "object") return value;
  if (!Array.isArray(value) && !isPlain(value)) return value;
  if (depth >= MAX_DEPTH) return CENSOR;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => withoutPersonalData(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = personal.has(key) && v !== undefined && v !== null ? CENSOR : withoutPersonalData(v, depth + 1, seen);
  return out;
}

/**
 * A request as fastify logs it (its own serializer's fields), with a token sent in the query
 * string masked: the live feed takes `?access_token=`, and a client may send one anywhere.
 */
function requestForLog(req: unknown): unknown {
  if (!req || typeof req !== "object") return req;
  const r = req as { method?: string; url?: string; host?: string; ip?: string; socket?: { remotePort?: number } };
  return { method: r.method, url: r.url?.replace(/([?&]access_token=)[^&#]*/gi, "$1[redacted]"), host: r.host, remoteAddress: r.ip, remotePort: r.socket?.remotePort };
}

export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    redact: { paths: redactPaths, censor: CENSOR },
    formatters: { log: (obj) => withoutPersonalData(obj) as Record<string, unknown>, bindings: (b) => withoutPersonalData(b) as Record<string, unknown> },
    serializers: { req: requestForLog },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * An error's message fit for a log line: the values databases and parsers quote in their
 * messages (`invalid input syntax for type uuid: "…"`) are cut, since they may be what a
 * caller typed. Error details (Postgres' `detail`, which repeats whole rows) are never logged.
 */
export function safeErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : typeof err === "string" ? err : "unknown error";
  return message.replace(/"[^"]*"|'[^']*'/g, "«…»").slice(0, 300);
}
