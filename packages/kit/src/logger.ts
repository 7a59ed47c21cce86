// JSON logs with personal data redacted wherever it may appear in a logged object.
import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

// terms, what (an obligation) and place (a mediation session) are mediation's: what the parties agreed to and where they meet.
const personalFields = ["name", "phone", "address", "description", "text", "email", "coordinates", "complainant", "note", "terms", "what", "place"];

/** Redaction paths for personal data, at the top level and up to two levels deep. */
export const redactPaths = [
  ...personalFields,
  ...personalFields.map((f) => `*.${f}`),
  ...personalFields.map((f) => `*.*.${f}`),
  "req.headers.authorization",
  "req.headers.cookie",
];

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
    redact: { paths: redactPaths, censor: "[redacted]" },
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
