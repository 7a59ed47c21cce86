// Tokens of an identity provider verified with its published JWKS, beside the service's own key.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { AuthConfig, createTokenVerifier, signDevelopmentToken } from "../src/auth";

let server: http.Server;
let issuer: string;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  server = http.createServer((_req, res) => res.setHeader("content-type", "application/json").end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const providerToken = (iss: string) =>
  new SignJWT({ role: "caseworker", team: "lianhua-community" }).setProtectedHeader({ alg: "RS256", kid: "k1" }).setSubject("cw-chen").setIssuer(iss).setAudience("grievance-hub").setIssuedAt().setExpirationTime("5m").sign(privateKey);

describe("JWT_JWKS_URL", () => {
  it("accepts the provider's token signed with a key of its JWKS, and refuses another issuer", async () => {
    const verifier = await createTokenVerifier({ ...AuthConfig.parse({ JWT_JWKS_URL: `${issuer}/jwks` }), NODE_ENV: "production" } as AuthConfig);
    await expect(verifier.verify(await providerToken(issuer))).resolves.toEqual({ sub: "cw-chen", role: "caseworker", team: "lianhua-community" });
    await expect(verifier.verify(await providerToken("http://elsewhere"))).rejects.toThrow();
  });

  it("keeps development-secret tokens valid in test but never in production", async () => {
    const config = AuthConfig.parse({ JWT_JWKS_URL: `${issuer}/jwks` });
    const devToken = await signDevelopmentToken({ sub: "admin-1", role: "admin" }, config);
    await expect((await createTokenVerifier({ ...config, NODE_ENV: "test" } as AuthConfig)).verify(devToken)).resolves.toMatchObject({ sub: "admin-1" });
    await expect((await createTokenVerifier({ ...config, NODE_ENV: "production" } as AuthConfig)).verify(devToken)).rejects.toThrow();
  });
});
