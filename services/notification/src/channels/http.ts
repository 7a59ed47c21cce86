// The JSON POST that webhook and SMS-gateway deliveries share, and how its outcome reads:
// 2xx delivered; 408, 429, 5xx, timeouts and connection errors worth retrying; any other
// status (other 4xx, redirects, which are not followed) permanent.
import { permanentFailure, transientFailure, type DeliveryFailure, type DeliveryResult } from "./delivery";

export interface JsonPost {
  /** Names the channel in error strings, e.g. "webhook". */
  label: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * Sends `request`; on a 2xx hands the response to `onAccepted`, still inside the deadline,
 * so a caller that reads the body cannot hang on it.
 */
export async function postJson(request: JsonPost, onAccepted: (response: Response) => Promise<DeliveryResult>): Promise<DeliveryResult> {
  const { label } = request;
  if (!isHttpUrl(request.url)) return permanentFailure(`${label}: endpoint is not an http(s) URL`);
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...request.headers },
      body: request.body,
      redirect: "manual",
      signal,
    });
    if (response.status >= 200 && response.status < 300) return await onAccepted(response);
    await response.body?.cancel().catch(() => undefined);
    return classifyHttpStatus(label, response.status, response.headers.get("retry-after"), Date.now());
  } catch (err) {
    if (signal.aborted) return transientFailure(`${label}: timeout after ${request.timeoutMs} ms`);
    return transientFailure(`${label}: connection error ${networkErrorCode(err)}`);
  }
}

export function classifyHttpStatus(label: string, status: number, retryAfter: string | null, nowMs: number): DeliveryFailure {
  const error = `${label}: http ${status}`;
  if (status === 408 || status === 429 || status >= 500) return transientFailure(error, parseRetryAfter(retryAfter, nowMs));
  if (status >= 300 && status < 400) return permanentFailure(`${error} (redirects are not followed)`);
  return permanentFailure(error);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `nowMs`; undefined if absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; without this check Date.parse reads "-5" as a year.
  const at = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) under undici's "fetch failed"; never the message, which names the host. */
function networkErrorCode(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z0-9_]+$/.test(code)) return code;
    current = current.cause ?? (current instanceof AggregateError ? current.errors[0] : undefined);
  }
  return "unknown";
}
