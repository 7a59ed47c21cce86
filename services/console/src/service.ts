// The console: serves the SPA and is its backend-for-frontend. The browser talks only to this
// origin; the console signs people in with OpenID Connect (code + PKCE) and calls intake and
// triage with the signed-in person's access token. Sessions are kept in Postgres (schema `console`),
// so any replica serves anybody signed in at any other.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import rateLimit from "@fastify/rate-limit";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import * as oidc from "openid-client";
import { buildHttp, createLogger, createPool, HttpProblem, migrate, postgresRateLimitStore, RateLimitCounts, type Logger } from "@grievance-hub/kit";
import type { ConsoleConfig } from "./config";
import { expireSessions, SessionStore, type Session } from "./session";
import { staffRoutes } from "./routes/staff";
import { operatorRoutes } from "./routes/operator";
import { supervisorRoutes } from "./routes/supervisor";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const webDist = path.join(root, "dist/web");
const SESSION_COOKIE = "gh_session";
const SIGNIN_COOKIE = "gh_signin";
const SCHEMA = "console";
/** How often idle and expired sessions are deleted (they are refused when read anyway). */
const SESSION_CLEANUP_MS = 5 * 60_000;
/** Pages of the SPA that need a signed-in person; the server sends a signed-out browser to sign in. */
const staffPages = [/^\/$/, /^\/grievances\/new$/, /^\/tasks$/, /^\/cases\/[^/]+$/, /^\/queue$/, /^\/dashboard$/];
const publicPages = [/^\/track\/[^/]+$/, /^\/signed-out$/];

export interface RunningConsole { app: FastifyInstance; url: string; stop: () => Promise<void> }

export async function buildConsole(config: ConsoleConfig, logger: Logger): Promise<FastifyInstance> {
  const publicUrl = (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, "");
  const secure = publicUrl.startsWith("https:");
  const insecure = new URL(config.OIDC_ISSUER).protocol === "http:";
  const oidcConfig = await oidc.discovery(new URL(config.OIDC_ISSUER), config.OIDC_CLIENT_ID, config.OIDC_CLIENT_SECRET, undefined, insecure ? { execute: [oidc.allowInsecureRequests] } : {});
  // Only the console's own tables: it has no outbox, inbox or keyring.
  await migrate({ databaseUrl: config.DATABASE_URL, schema: SCHEMA, dir: path.join(root, "migrations"), logger, kitTables: false });
  const pool = createPool({ databaseUrl: config.DATABASE_URL, size: config.DB_POOL_SIZE, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, schema: SCHEMA, logger });
  const sessions = new SessionStore(pool, config.SESSION_IDLE_MINUTES * 60_000);
  const cleanup = expireSessions(sessions, SESSION_CLEANUP_MS, logger);
  cleanup.start();
  const cookieOptions = { httpOnly: true, secure, sameSite: "lax" as const, path: "/" };

  const readiness = [{ name: "database", check: async () => void (await pool.query("SELECT 1")) }];
  const app = buildHttp({ logger, readiness, ...(config.TRUST_PROXY === undefined ? {} : { trustProxy: config.TRUST_PROXY }) });
  // Sign-in is limited per client address (issue #18), counted in Postgres so that every replica
  // spends one budget (each attempt is added at once: sign-ins are few). The provider limits
  // password attempts itself; other routes are limited by the services.
  const signIns = new RateLimitCounts(pool, { syncEvery: 1, syncIntervalMs: 1000 });
  app.addHook("onClose", async () => {
    await cleanup.stop();
    await signIns.close();
    await pool.end();
  });
  await app.register(fastifyCookie);
  await app.register(rateLimit, { global: false, store: postgresRateLimitStore(signIns) });
  const signInLimit = { rateLimit: { max: config.SIGNIN_RATE_LIMIT_PER_MINUTE, timeWindow: "1 minute" } };
  app.addHook("onSend", async (_req, reply) => {
    reply.header("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self' " + new URL(config.OIDC_ISSUER).origin);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
  });

  // A database that cannot be reached fails these with a 503 (the kit's error handler), not a 401
  // that would send a signed-in person to sign in again.
  const sessionOf = (req: FastifyRequest): Promise<Session | undefined> => sessions.get(req.cookies[SESSION_COOKIE]);
  const requireSession = async (req: FastifyRequest): Promise<Session> => {
    const s = await sessionOf(req);
    if (!s) throw new HttpProblem(401, "Unauthorized", "Sign in first.");
    return s;
  };

  app.get("/auth/login", { config: signInLimit }, async (req, reply) => {
    const q = req.query as { returnTo?: string };
    const returnTo = q.returnTo && /^\/(?!\/)[\w\-/.~%]*$/.test(q.returnTo) ? q.returnTo : "/";
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const id = await sessions.startSignIn({ codeVerifier, state, returnTo, createdAt: Date.now() });
    reply.setCookie(SIGNIN_COOKIE, id, { ...cookieOptions, maxAge: 600 });
    const url = oidc.buildAuthorizationUrl(oidcConfig, {
      redirect_uri: `${publicUrl}/auth/callback`,
      scope: "openid profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
      resource: config.OIDC_RESOURCE,
    });
    return reply.redirect(url.href);
  });

  app.get("/auth/callback", { config: signInLimit }, async (req, reply) => {
    const pending = await sessions.takeSignIn(req.cookies[SIGNIN_COOKIE]);
    reply.clearCookie(SIGNIN_COOKIE, { path: "/" });
    if (!pending) return reply.redirect("/auth/login");
    const current = new URL(req.url, publicUrl);
    const tokens = await oidc.authorizationCodeGrant(oidcConfig, current, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state }, { resource: config.OIDC_RESOURCE });
    const claims = tokens.claims()!;
    const id = await sessions.create({
      sub: claims.sub,
      name: String(claims.name ?? claims.sub),
      role: String(claims.role ?? ""),
      ...(claims.team ? { team: String(claims.team) } : {}),
      accessToken: tokens.access_token,
      idToken: tokens.id_token!,
      expiresAt: Date.now() + (tokens.expiresIn() ?? 3600) * 1000,
      lastSeen: Date.now(),
    });
    reply.setCookie(SESSION_COOKIE, id, cookieOptions);
    return reply.redirect(pending.returnTo);
  });

  app.post("/auth/logout", async (req, reply) => {
    const ended = await sessions.end(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    const url = ended ? oidc.buildEndSessionUrl(oidcConfig, { id_token_hint: ended.idToken, post_logout_redirect_uri: `${publicUrl}/` }).href : "/";
    return { redirect: url };
  });

  app.get("/api/me", async (req) => {
    const s = await requireSession(req);
    return { sub: s.sub, name: s.name, role: s.role, ...(s.team ? { team: s.team } : {}) };
  });

  /** Forwards to a service with the person's token; the service's answer (problem+json included) passes through. */
  async function forward(reply: FastifyReply, url: string, init: RequestInit & { token?: string }): Promise<FastifyReply> {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    // The services' per-address limits (the public status lookup's above all) count the browser,
    // not the console: the console is the one hop they believe (TRUST_PROXY), and req.ip is the
    // client as the console's own TRUST_PROXY sees it.
    headers.set("x-forwarded-for", reply.request.ip);
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
    } catch {
      throw new HttpProblem(503, "Service unavailable", "A service the console needs did not answer; try again.");
    }
    const type = res.headers.get("content-type");
    if (type) reply.type(type);
    const etag = res.headers.get("etag");
    if (etag) reply.header("etag", etag);
    return reply.status(res.status).send(Buffer.from(await res.arrayBuffer()));
  }

  app.post("/api/grievances", async (req, reply) => {
    const s = await requireSession(req);
    const key = req.headers["idempotency-key"];
    return forward(reply, `${config.INTAKE_URL}/v1/grievances`, {
      method: "POST",
      token: s.accessToken,
      headers: { "content-type": "application/json", ...(typeof key === "string" ? { "idempotency-key": key } : {}) },
      body: JSON.stringify(req.body ?? null),
    });
  });

  app.get("/api/track/:code", async (req, reply) => {
    const { code } = req.params as { code: string };
    return forward(reply, `${config.INTAKE_URL}/v1/track/${encodeURIComponent(code)}`, { method: "GET" });
  });

  // Whether the session still exists, without counting as the person's activity; throws when the database does not answer.
  const sessionAlive = async (req: FastifyRequest): Promise<boolean> => (await sessions.get(req.cookies[SESSION_COOKIE], Date.now(), false)) !== undefined;
  const deps = { config, requireSession, sessionAlive, forward };
  staffRoutes(app, deps);
  operatorRoutes(app, deps);
  supervisorRoutes(app, deps);

  if (existsSync(webDist)) {
    await app.register(fastifyStatic, { root: webDist, prefix: "/", index: false, wildcard: false });
  }
  const indexHtml = path.join(webDist, "index.html");
  const sendApp = (reply: FastifyReply) => {
    if (!existsSync(indexHtml)) throw new HttpProblem(503, "Service unavailable", "The web app is not built: run `pnpm --filter @grievance-hub/console build:web`.");
    return reply.header("cache-control", "no-store").sendFile("index.html");
  };
  app.get("/*", async (req, reply) => {
    const pathname = new URL(req.url, publicUrl).pathname;
    if (publicPages.some((p) => p.test(pathname))) return sendApp(reply);
    if (staffPages.some((p) => p.test(pathname))) {
      if (!(await sessionOf(req))) return reply.redirect(`/auth/login?returnTo=${encodeURIComponent(pathname)}`);
      return sendApp(reply);
    }
    throw new HttpProblem(404, "Not found");
  });
  return app;
}

export async function startConsole(config: ConsoleConfig, logger?: Logger): Promise<RunningConsole> {
  const log = logger ?? createLogger("console", config.LOG_LEVEL);
  const app = await buildConsole(config, log);
  try {
    await app.listen({ host: config.HOST, port: config.PORT });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  return { app, url: `http://${config.HOST}:${port}`, stop: () => app.close() };
}
