// A real OpenID Provider (the `oidc-provider` package) for development and the tests, with the
// demo people of people.ts. Access tokens are JWTs (resource indicator OIDC_RESOURCE, audience
// "grievance-hub") signed with a key published at <issuer>/jwks, which the services verify.
// It refuses to run with NODE_ENV=production: real deployments point the console at their own provider.
import http from "node:http";
import { generateKeyPairSync, timingSafeEqual } from "node:crypto";
import Provider, { type Configuration } from "oidc-provider";

import { demoPeople, type Person } from "./people";

export { demoPeople };

export interface DevProviderOptions {
  port: number;
  /** Where it listens (default 127.0.0.1). */
  host?: string;
  /** Its issuer URL as browsers and the console reach it (default http://<host>:<port>). */
  issuer?: string;
  clientId: string;
  clientSecret: string;
  /** Redirect URI base of the console, e.g. http://127.0.0.1:3004 */
  consoleUrl: string;
  resource: string;
  audience?: string;
  nodeEnv?: string;
}

export interface DevProvider { issuer: string; jwksUrl: string; close: () => Promise<void> }

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function samePassword(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function loginPage(uid: string, error?: string): string {
  const people = demoPeople.map((p) => `<li><code>${escapeHtml(p.sub)}</code> (${escapeHtml(p.role)})</li>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign in</title></head>
<body style="font-family:sans-serif;max-width:26rem;margin:2rem auto;padding:0 1rem">
<h1>Grievance Hub — development sign-in</h1>
${error ? `<p role="alert" style="color:#b00">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<p><label>User name <input name="login" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
<p><button type="submit">Sign in</button></p>
</form>
<p>Demo people (password <code>demo</code>):</p><ul>${people}</ul>
</body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) break;
  }
  return new URLSearchParams(body);
}

export async function startDevProvider(opts: DevProviderOptions): Promise<DevProvider> {
  if ((opts.nodeEnv ?? process.env.NODE_ENV ?? "production") === "production") {
    throw new Error("the development OpenID Provider cannot run with NODE_ENV=production; configure OIDC_ISSUER to your identity provider");
  }
  const host = opts.host ?? "127.0.0.1";
  const issuer = (opts.issuer ?? `http://${host}:${opts.port}`).replace(/\/+$/, "");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: `dev-${Date.now().toString(36)}`, alg: "RS256", use: "sig" };
  const audience = opts.audience ?? "grievance-hub";
  const byId = new Map(demoPeople.map((p) => [p.sub, p]));
  const claimsOf = (p: Person) => ({ sub: p.sub, name: p.name, role: p.role, ...(p.team ? { team: p.team } : {}), ...(p.division ? { division: p.division } : {}) });

  const configuration: Configuration = {
    clients: [
      {
        client_id: opts.clientId,
        client_secret: opts.clientSecret,
        redirect_uris: [`${opts.consoleUrl}/auth/callback`],
        post_logout_redirect_uris: [`${opts.consoleUrl}/`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    jwks: { keys: [jwk as never] },
    pkce: { required: () => true },
    claims: { openid: ["sub"], profile: ["name", "role", "team", "division"] },
    findAccount: async (_ctx, id) => {
      const person = byId.get(id);
      return person ? { accountId: id, claims: async () => claimsOf(person) } : undefined;
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource: async (ctx, form) => {
        // Sign-out needs no second confirmation in development: submit the provider's own form at once,
        // with logout=yes (what its button would send), so the provider's session ends too.
        ctx.body = `<!doctype html><html><body>${form}<script>const f = document.forms[0]; const yes = document.createElement("input"); yes.type = "hidden"; yes.name = "logout"; yes.value = "yes"; f.appendChild(yes); f.submit();</script><noscript><button form="op.logoutForm" type="submit" name="logout" value="yes">Sign out</button></noscript></body></html>`;
      } },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => opts.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== opts.resource) throw new Error(`unknown resource ${resource}`);
          return { scope: "openid profile", audience, accessTokenTTL: 3600, accessTokenFormat: "jwt", jwt: { sign: { alg: "RS256" } } };
        },
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const person = "accountId" in token && token.accountId ? byId.get(token.accountId as string) : undefined;
      if (!person) return undefined;
      const { sub: _sub, name: _name, ...roleClaims } = claimsOf(person);
      return roleClaims;
    },
    loadExistingGrant: async (ctx) => {
      // First-party console: consent is implied; every sign-in gets the grant it asks for.
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope("openid profile");
      grant.addOIDCClaims(["name", "role", "team", "division"]);
      grant.addResourceScope(opts.resource, "openid profile");
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { AccessToken: 3600, Session: 8 * 3600, Grant: 8 * 3600, Interaction: 600, AuthorizationCode: 60, IdToken: 3600 },
    cookies: { keys: [jwk.kid!] },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname);
    if (!match) return void callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      res.setHeader("cache-control", "no-store");
      if (!match[2] && req.method === "GET") {
        res.setHeader("content-type", "text/html; charset=utf-8");
        return void res.end(loginPage(details.uid));
      }
      if (match[2] && req.method === "POST") {
        const form = await readForm(req);
        const person = byId.get(form.get("login") ?? "");
        if (!person || !samePassword(form.get("password") ?? "", person.password)) {
          res.statusCode = 401;
          res.setHeader("content-type", "text/html; charset=utf-8");
          return void res.end(loginPage(details.uid, "Unknown user name or wrong password."));
        }
        return void (await provider.interactionFinished(req, res, { login: { accountId: person.sub } }, { mergeWithLastSubmission: false }));
      }
      res.statusCode = 405;
      res.end();
    } catch (err) {
      res.statusCode = 400;
      res.end(`sign-in failed: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port, host, resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  if (port !== opts.port) throw new Error("the provider needs a fixed port (its issuer URL names it)");
  return { issuer, jwksUrl: `${issuer}/jwks`, close: () => new Promise((r) => server.close(() => r())) };
}
