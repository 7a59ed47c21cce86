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
