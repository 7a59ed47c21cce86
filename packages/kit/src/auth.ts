// Bearer JWTs: subject, role, team and division. Tokens come from an identity provider in
// production (HS256 shared secret, an RS256/ES256 public key from configuration, or the issuer's
// JWKS, fetched and refreshed so its keys rotate without a restart); in
// development `pnpm dev-token` signs one with the development secret.
import type { FastifyReply, FastifyRequest } from "fastify";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify, SignJWT } from "jose";
import { LRUCache } from "lru-cache";
import { Role } from "@grievance-hub/schema";
import { z } from "zod";
import { HttpProblem } from "./http";

export const DEVELOPMENT_JWT_SECRET = "development-only-jwt-secret-do-not-use-in-production";

export const AuthConfig = z.object({
  /** HS256 secret shared with the identity provider. */
  JWT_SECRET: z.string().min(32, "at least 32 characters").default(DEVELOPMENT_JWT_SECRET),
  /** SPKI PEM public key (RS256 or ES256); when set, it is used instead of JWT_SECRET. */
  JWT_PUBLIC_KEY: z.string().optional(),
  JWT_PUBLIC_KEY_ALG: z.enum(["RS256", "ES256"]).default("RS256"),
  /** The issuer's JWKS (e.g. `<issuer>/jwks`); tokens it signs are accepted beside those of JWT_SECRET / JWT_PUBLIC_KEY. */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The `iss` of the tokens the JWKS signs; unset: the JWKS URL's origin. */
  JWT_JWKS_ISSUER: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default("grievance-hub"),
  JWT_AUDIENCE: z.string().min(1).default("grievance-hub"),
});
export type AuthConfig = z.infer<typeof AuthConfig>;

export const Principal = z.object({
  sub: z.string().min(1),
  role: Role,
  team: z.string().min(1).optional(),
  division: z.string().regex(/^\d{6,12}$/).optional(),
});
export type Principal = z.infer<typeof Principal>;

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface TokenVerifier {
  verify: (token: string) => Promise<Principal>;
}

/** How long a verified token is remembered (never past its `exp`). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * A verifier that remembers the tokens it verified for at most VERIFIED_TOKEN_TTL_MS, never past
 * their `exp`: an operator's client sends the same token with every call, and verifying a
 * signature (a WebCrypto job on the thread pool) for each was the largest cost of intake's
 * request after its SQL. A refused token is not remembered: it is checked again every time.
 */
export function rememberingVerifier(inner: TokenVerifier, now: () => number = Date.now): TokenVerifier {
  const verified = new LRUCache<string, { principal: Principal; until: number }>({ max: 10_000 });
  return {
    verify: async (token) => {
      const hit = verified.get(token);
      if (hit && now() < hit.until) return hit.principal;
      const principal = await inner.verify(token);
      const exp = (decodeJwt(token).exp ?? 0) * 1000;
      verified.set(token, { principal, until: Math.min(now() + VERIFIED_TOKEN_TTL_MS, exp) });
      return principal;
    },
  };
}

export async function createTokenVerifier(config: AuthConfig): Promise<TokenVerifier> {
  return rememberingVerifier(await signatureVerifier(config));
}

async function signatureVerifier(config: AuthConfig): Promise<TokenVerifier> {
  const claimsOf = (payload: unknown): Principal => {
    const parsed = Principal.safeParse(payload);
    if (!parsed.success) throw new Error(`token claims: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
    return parsed.data;
  };
  const required = { audience: config.JWT_AUDIENCE, requiredClaims: ["sub", "exp"] };
  let key: CryptoKey;
  let algorithms: string[];
  if (config.JWT_PUBLIC_KEY) {
    const pem = config.JWT_PUBLIC_KEY.replace(/\\n/g, "\n");
    key = await importSPKI(pem, config.JWT_PUBLIC_KEY_ALG);
    algorithms = [config.JWT_PUBLIC_KEY_ALG];
  } else {
    // Imported once: given the raw bytes, jose would import the key again for every token.
    key = await crypto.subtle.importKey("raw", new TextEncoder().encode(config.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    algorithms = ["HS256"];
  }
  const verifyOwn = async (token: string) => claimsOf((await jwtVerify(token, key, { ...required, issuer: config.JWT_ISSUER, algorithms })).payload);
  if (!config.JWT_JWKS_URL) return { verify: verifyOwn };

  // The identity provider's tokens are checked against its published keys (fetched again when an
  // unknown key id appears, so keys rotate without a restart) and its issuer. Beside them, tokens
  // of JWT_SECRET / JWT_PUBLIC_KEY (scripts, `pnpm dev-token`) stay valid, but never with the
  // development secret outside development and test.
  const jwks = createRemoteJWKSet(new URL(config.JWT_JWKS_URL));
  const jwksIssuer = config.JWT_JWKS_ISSUER ?? new URL(config.JWT_JWKS_URL).origin;
  const mode = (config as { NODE_ENV?: string }).NODE_ENV ?? "production";
  const ownAllowed = Boolean(config.JWT_PUBLIC_KEY) || config.JWT_SECRET !== DEVELOPMENT_JWT_SECRET || mode === "development" || mode === "test";
  return {
    verify: async (token) => {
      const { alg } = decodeProtectedHeader(token);
      if (alg && algorithms.includes(alg) && ownAllowed) return verifyOwn(token);
      return claimsOf((await jwtVerify(token, jwks, { ...required, issuer: jwksIssuer, algorithms: ["RS256", "ES256", "PS256", "EdDSA"] })).payload);
    },
  };
}

export async function signDevelopmentToken(principal: Principal, config: AuthConfig, expiresIn = "12h"): Promise<string> {
  return new SignJWT({ role: principal.role, ...(principal.team ? { team: principal.team } : {}), ...(principal.division ? { division: principal.division } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(principal.sub)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(config.JWT_SECRET));
}

/**
 * An onRequest hook that lets through only a valid token whose role is one of `roles`: it runs
 * before the body is read or validated, so a caller without the right token learns nothing of the schema.
 */
export function requireRole(verifier: TokenVerifier, roles: readonly Role[]) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header ?? "");
    if (!match) {
      reply.header("www-authenticate", 'Bearer realm="grievance-hub"');
      throw new HttpProblem(401, "Unauthorized", "A bearer token is required.");
    }
    try {
      req.principal = await verifier.verify(match[1]!);
    } catch {
      reply.header("www-authenticate", 'Bearer realm="grievance-hub", error="invalid_token"');
      throw new HttpProblem(401, "Unauthorized", "The bearer token is invalid or expired.");
    }
    if (!roles.includes(req.principal.role)) throw new HttpProblem(403, "Forbidden", `This route is for: ${roles.join(", ")}.`);
  };
}
