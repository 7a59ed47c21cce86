// The HTTP shell every service shares: RFC 9457 problem+json for every error, health
// endpoints, and a 503 (not a hang, not a 500) when the database cannot be reached.
import Fastify, { type FastifyInstance, type FastifyError, type FastifyReply } from "fastify";
import { ZodError } from "zod";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { isDatabaseUnavailable } from "./db";
import { safeErrorMessage, type Logger } from "./logger";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** `code` (zod's issue code, or a service's own such as `invalid_phone`) lets a client say it in its own language. */
  errors?: { field: string; message: string; code?: string }[];
  [extension: string]: unknown;
}

/** Thrown by route code for an answer that is not a success; turned into problem+json. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

const problemBase = "https://grievance-hub.example/problems/";

export function problemType(slug: string): string {
  return problemBase + slug;
}

function fieldErrors(err: ZodError): { field: string; message: string }[] {
  return err.issues.map((i) => ({ field: i.path.join(".") || "(body)", message: i.message, code: i.code }));
}

export function toProblem(err: unknown, instance: string): Problem {
  if (err instanceof HttpProblem) {
    return { type: problemType(slug(err.title)), title: err.title, status: err.status, ...(err.detail ? { detail: err.detail } : {}), instance, ...err.extra };
  }
  if (err instanceof ZodError) {
    return { type: problemType("invalid-request"), title: "Invalid request", status: 400, detail: "The request does not match the schema.", instance, errors: fieldErrors(err) };
  }
  if (isDatabaseUnavailable(err)) {
    return { type: problemType("service-unavailable"), title: "Service unavailable", status: 503, detail: "The database cannot be reached, or is too busy to answer in time; try again shortly.", instance };
  }
  const fe = err as FastifyError & { validation?: { instancePath?: string; message?: string }[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const where = fe.validationContext && fe.validationContext !== "body" ? `${fe.validationContext}.` : "";
    const errors = fe.validation.map((v) => ({
      field: where + ((v.instancePath ?? "").replace(/^\//, "").replaceAll("/", ".") || "(body)"),
      message: v.message ?? "invalid",
    }));
    return { type: problemType("invalid-request"), title: "Invalid request", status: 400, detail: "The request does not match the schema.", instance, errors };
  }
  if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    const known: Record<string, [number, string]> = {
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "Unsupported media type"],
      FST_ERR_CTP_BODY_TOO_LARGE: [413, "Payload too large"],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, "Invalid request"],
      FST_ERR_CTP_INVALID_JSON_BODY: [400, "Malformed JSON"],
      FST_ERR_BAD_URL: [400, "Bad request"],
      FST_ERR_MAX_PARAM_LENGTH: [414, "URI too long"],
    };
    const [status, title] = known[fe.code] ?? [fe.statusCode, fe.statusCode === 429 ? "Too many requests" : "Bad request"];
    return { type: problemType(slug(title)), title, status, detail: fe.message, instance };
  }
  return { type: problemType("internal-error"), title: "Internal error", status: 500, detail: "An unexpected error occurred; it has been logged.", instance };
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

export interface ReadinessCheck {
  name: string;
  check: () => Promise<Record<string, unknown> | void>;
}

/** NUL (which Postgres text cannot hold) or a lone surrogate (which UTF-8 cannot encode): text that could not be stored as sent. */
const unstorable = /\u0000|\p{Cs}/u;

/** The first field of a parsed body, query or params holding unstorable text, walked without recursion (bodies may nest deep). */
function unstorableField(value: unknown, prefix = ""): string | undefined {
  const stack: [unknown, string][] = [[value, prefix]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (typeof v === "string") {
      if (unstorable.test(v)) return at || "(body)";
    } else if (v && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        const field = at ? `${at}.${k}` : k;
        if (unstorable.test(k)) return field;
        stack.push([child, field]);
      }
    }
  }
  return undefined;
}

/** Refusals written by the HTTP layer itself, before any route sees the request (bad request line, headers too large). */
function clientErrorProblem(err: NodeJS.ErrnoException): Problem {
  const [status, title] = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, "Request timeout"] : err.code === "HPE_HEADER_OVERFLOW" ? [431, "Request header fields too large"] : [400, "Bad request"];
  return { type: problemType(slug(title)), title, status };
}

export function buildHttp(opts: { logger: Logger; bodyLimit?: number; readiness: ReadinessCheck[]; trustProxy?: number | string[] }): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger,
    // Off unless configured: a forwarded-for header from anyone else is a client's claim, not its address.
    // A hop count trusts that many proxies nearest the service, as fastify's own number setting does.
    trustProxy: typeof opts.trustProxy === "number" ? trustHops(opts.trustProxy) : (opts.trustProxy ?? false),
    bodyLimit: opts.bodyLimit ?? 64 * 1024,
    // Requests that reach an instance while it closes are answered by the onRequest hook below
    // (problem+json with Retry-After), not by fastify's own plain-JSON 503.
    return503OnClosing: false,
    // A URL fastify cannot decode or route (bad escapes, an over-long parameter) is a problem+json like any other refusal.
    frameworkErrors: (err, req, reply) => {
      const problem = toProblem(err, req.url);
      return (reply as FastifyReply).status(problem.status).type("application/problem+json").send(problem);
    },
    clientErrorHandler: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === "ECONNRESET" || socket.destroyed) return;
      if (socket.writable) {
        const problem = clientErrorProblem(err as NodeJS.ErrnoException);
        const body = JSON.stringify(problem);
        socket.write(`HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`);
      }
      socket.destroy(err);
    },
  }) as unknown as FastifyInstance;
  // An instance that is shutting down still finishes what it started, but a request that
  // arrives on a kept-alive connection meanwhile is sent on: another instance will answer it
  // (a client retries with its Idempotency-Key).
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async (req, reply) => {
    if (!closing) return;
    const problem: Problem = {
      type: problemType("service-unavailable"),
      title: "Service unavailable",
      status: 503,
      detail: "This instance is shutting down; try again, another instance answers.",
      instance: req.url,
    };
    return reply.status(503).header("retry-after", "1").header("connection", "close").type("application/problem+json").send(problem);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // JSON is UTF-8 (RFC 8259): bytes that are not are refused rather than silently replaced by U+FFFD and stored.
  const parseJson = app.getDefaultJsonParser("error", "error");
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  // Only JSON bodies (and the forms a route adds for itself): text/plain is a 415 like any other type.
  app.removeContentTypeParser("text/plain");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new HttpProblem(400, "Malformed JSON", "The body is not valid UTF-8."), undefined);
    }
    parseJson(req, text, done);
  });
  app.addHook("preValidation", async (req) => {
    for (const [part, value] of [["", req.body], ["querystring", req.query], ["params", req.params]] as const) {
      const field = unstorableField(value, part);
      if (field !== undefined) {
        throw new HttpProblem(400, "Invalid request", "The request does not match the schema.", { errors: [{ field, message: "contains a NUL character or a lone surrogate" }] });
      }
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const problem = toProblem(err, req.url);
    if (problem.status >= 500) {
      const stack = ((err as Error).stack ?? "").split("\n").slice(1, 12).join("\n");
      req.log.error({ err: { message: safeErrorMessage(err), code: (err as FastifyError).code, stack } }, problem.title);
    }
    if (problem.status === 503) reply.header("retry-after", "2");
    return reply.status(problem.status).type("application/problem+json").send(problem);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).type("application/problem+json").send({ type: problemType("not-found"), title: "Not found", status: 404, instance: req.url } satisfies Problem),
  );

  // Probes come every few seconds: their requests are not logged at info.
  app.get("/health/live", { logLevel: "warn" }, async () => ({ status: "ok" }));
  app.get("/health/ready", { logLevel: "warn" }, async (_req, reply) => {
    const results = await Promise.all(
      opts.readiness.map(async (c) => {
        try {
          const detail = await withTimeout(c.check(), 2000, `${c.name} did not answer within 2 s`);
          return { name: c.name, ok: true, ...(detail ?? {}) };
        } catch (err) {
          return { name: c.name, ok: false, error: (err as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ready" : "unavailable", checks: results });
  });
  return app;
}

function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}
