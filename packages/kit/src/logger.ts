// JSON logs with personal data redacted wherever it may appear in a logged object.
import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

const personalFields = ["name", "phone", "address", "description", "text", "email", "coordinates", "complainant", "note"];

/** Redaction paths for personal data, at the top level and up to two levels deep. */
export const redactPaths = [
  ...personalFields,
  ...personalFields.map((f) => `*.${f}`),
  ...personalFields.map((f) => `*.*.${f}`),
  "req.headers.authorization",
  "req.headers.cookie",
];

export function createLogger(service: string, level: string, destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    redact: { paths: redactPaths, censor: "[redacted]" },
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
