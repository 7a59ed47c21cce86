// The caseworker's routes of the BFF: tasks, a case, every case action triage offers (passing
// If-Match, so a stale view is refused there), and the live notification feed proxied as
// Server-Sent Events with the person's token on the server side, never in the browser's URL.
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { HttpProblem } from "@grievance-hub/kit";
import { CaseActionBodies } from "@grievance-hub/schema";
import type { RouteDeps } from "./deps";

/** The most tasks the list asks for: the SPA renders them virtualised, so a thousand stay smooth. */
const TASK_LIMIT = 1000;
const actions = new Set(Object.keys(CaseActionBodies));

export function staffRoutes(app: FastifyInstance, { config, requireSession, sessionAlive, forward }: RouteDeps): void {
  const caseUrl = (id: string) => `${config.TRIAGE_URL}/v1/cases/${encodeURIComponent(id)}`;

  app.get("/api/tasks", async (req, reply) => forward(reply, `${config.TRIAGE_URL}/v1/tasks?limit=${TASK_LIMIT}`, { method: "GET", token: (await requireSession(req)).accessToken }));

  app.get("/api/cases/:id", async (req, reply) => {
    const { id } = req.params as { id: string };
    return forward(reply, caseUrl(id), { method: "GET", token: (await requireSession(req)).accessToken });
  });

  app.post("/api/cases/:id/:action", async (req, reply) => {
    const s = await requireSession(req);
    const { id, action } = req.params as { id: string; action: string };
    if (!actions.has(action)) throw new HttpProblem(404, "Not found", `No case action "${action}".`);
    const ifMatch = req.headers["if-match"];
    return forward(reply, `${caseUrl(id)}/${action}`, {
      method: "POST",
      token: s.accessToken,
      headers: { "content-type": "application/json", ...(typeof ifMatch === "string" ? { "if-match": ifMatch } : {}) },
      body: JSON.stringify(req.body ?? {}),
    });
  });

  app.get("/api/feed", async (req, reply) => {
    const s = await requireSession(req);
    const lastEventId = req.headers["last-event-id"];
    const upstream = new AbortController();
    let res: Response;
    try {
      res = await fetch(`${config.NOTIFICATION_URL}/v1/feed`, {
        headers: { authorization: `Bearer ${s.accessToken}`, accept: "text/event-stream", ...(typeof lastEventId === "string" ? { "last-event-id": lastEventId } : {}) },
        signal: upstream.signal,
      });
    } catch {
      throw new HttpProblem(503, "Service unavailable", "The notification service did not answer; the feed reconnects by itself.");
    }
    if (!res.ok || !res.body) {
      reply.status(res.status).type(res.headers.get("content-type") ?? "application/problem+json");
      return reply.send(Buffer.from(await res.arrayBuffer()));
    }
    // The stream lives no longer than its session: it ends when the session is gone (signed out on
    // any replica, idle) or its token expires; the browser's reconnection is then refused (401) and
    // the page sends the person to sign in. A database that does not answer ends nothing.
    const stop = () => {
      clearInterval(check);
      clearTimeout(expiry);
      upstream.abort();
    };
    const end = () => {
      stop();
      reply.raw.end();
    };
    const check = setInterval(() => {
      sessionAlive(req).then((alive) => alive || end(), () => undefined);
    }, config.FEED_SESSION_CHECK_SECONDS * 1000);
    const expiry = setTimeout(end, Math.min(Math.max(0, s.expiresAt - Date.now()), 2 ** 31 - 1));
    // The browser leaving ends the upstream stream, so notification holds no stream for nobody.
    req.raw.on("close", stop);
    reply.hijack();
    reply.raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
    Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>)
      .on("error", () => reply.raw.end())
      .pipe(reply.raw);
  });
}
