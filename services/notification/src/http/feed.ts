// GET /v1/feed: a caseworker's or supervisor's notifications as Server-Sent Events, as they
// happen. Each event's id is its feed seq; a client that reconnects with Last-Event-ID gets
// what it missed, then the live stream. Without Last-Event-ID the stream starts now.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { requireRole, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { z } from "zod";
import type { FeedAudience, FeedHub } from "../feed/feed-hub";

/**
 * Browsers' EventSource cannot send an Authorization header, so this route (and only this
 * one) also takes the token as `?access_token=`. The route logs nothing below warn, so the
 * URL with the token is not written to the request log.
 */
async function tokenFromQuery(req: FastifyRequest): Promise<void> {
  const token = (req.query as { access_token?: string }).access_token;
  // On the raw request: Fastify's `req.headers` is a merged copy once the headers were validated.
  if (token && !req.headers.authorization) req.raw.headers.authorization = `Bearer ${token}`;
}

export function feedRoutes(app: FastifyInstance, rt: ServiceRuntime, hub: FeedHub): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/v1/feed",
    {
      logLevel: "warn",
      // A HEAD of an endless stream would hang: headers of a hijacked reply go out with the first body byte, which HEAD never sends.
      exposeHeadRoute: false,
      onRequest: [tokenFromQuery, requireRole(rt.auth, ["caseworker", "supervisor", "admin"])],
      schema: {
        summary: "Live notifications of the caller (caseworker: their own; supervisor: also their team's; admin: all) as text/event-stream",
        security: [{ bearer: [] }],
        querystring: z.object({ access_token: z.string().optional() }),
        headers: z.object({ "last-event-id": z.string().regex(/^\d{1,18}$/, "the id of a feed event").optional() }),
      },
    },
    async (req, reply) => {
      const p = req.principal!;
      const audience: FeedAudience =
        p.role === "admin"
          ? "everyone"
          : [{ kind: "caseworker", id: p.sub }, ...(p.role === "supervisor" && p.team ? [{ kind: "team_supervisor" as const, id: p.team }] : [])];
      const after = req.headers["last-event-id"] ?? (await hub.head());
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      reply.raw.write("retry: 2000\n\n");
      hub.open(reply.raw, audience, after);
    },
  );
}
