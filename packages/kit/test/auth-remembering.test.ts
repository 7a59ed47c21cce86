// A verified token is remembered for a minute at most and never past its exp; a refused one is never remembered.
import { describe, expect, it } from "vitest";
import { AuthConfig, createTokenVerifier, rememberingVerifier, signDevelopmentToken, type Principal, type TokenVerifier } from "../src/auth";

const config = AuthConfig.parse({});
const principal: Principal = { sub: "op-1", role: "operator" };

function counting(inner: TokenVerifier): TokenVerifier & { calls: number } {
  const v = { calls: 0, verify: async (token: string) => (v.calls++, inner.verify(token)) };
  return v;
}

describe("rememberingVerifier", () => {
  it("verifies a token's signature once a minute, not once a request", async () => {
    let now = Date.now();
    const inner = counting(await createTokenVerifier(config));
    const verifier = rememberingVerifier(inner, () => now);
    const token = await signDevelopmentToken(principal, config, "1h");
    for (let i = 0; i < 5; i++) expect(await verifier.verify(token)).toEqual(principal);
    expect(inner.calls).toBe(1);
    now += 61_000;
    expect(await verifier.verify(token)).toEqual(principal);
    expect(inner.calls).toBe(2);
  });

  it("does not remember a token past its exp", async () => {
    let now = Date.now();
    const inner = counting({ verify: async () => principal });
    const verifier = rememberingVerifier(inner, () => now);
    const token = await signDevelopmentToken(principal, config, "10s");
    await verifier.verify(token);
    now += 11_000;
    await verifier.verify(token);
    expect(inner.calls).toBe(2);
  });

  it("checks a refused token again every time", async () => {
    const inner = counting(await createTokenVerifier(config));
    const verifier = rememberingVerifier(inner);
    const forged = await signDevelopmentToken(principal, AuthConfig.parse({ JWT_SECRET: "another-secret-of-at-least-32-characters" }), "1h");
    await expect(verifier.verify(forged)).rejects.toThrow();
    await expect(verifier.verify(forged)).rejects.toThrow();
    expect(inner.calls).toBe(2);
  });
});
