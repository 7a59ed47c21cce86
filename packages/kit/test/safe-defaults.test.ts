// Production is the default mode, and in it no development secret or local address is taken
// silently: each refusal names the variable.
import { describe, expect, it } from "vitest";
import { BaseConfig, ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from "../src";

const production = { DATABASE_URL: "postgres://hub@db.internal:5432/hub", KAFKA_BROKERS: "kafka-0.internal:9092", JWT_SECRET: "a-real-secret-of-at-least-32-characters!", KEK_FILE: "/etc/grievance-hub-kek/kek" };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(BaseConfig, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return "accepted";
}

describe("loadConfig outside development", () => {
  it("is production when NODE_ENV is not set", () => {
    expect(loadConfig(BaseConfig, production).NODE_ENV).toBe("production");
  });

  it.each([
    ["JWT_SECRET", "must be set"],
    ["DATABASE_URL", "must be set"],
    ["KAFKA_BROKERS", "must be set"],
    ["KEK_FILE", "must be set"],
  ])("refuses to run without %s, naming it", (name, message) => {
    const env: Record<string, string> = { ...production };
    delete env[name];
    expect(refusal(env)).toMatch(new RegExp(`${name}: ${message}`));
    expect(refusal({ ...env, NODE_ENV: "production" })).toMatch(new RegExp(`${name}: ${message}`));
  });

  it("refuses the development JWT secret even when it is set explicitly", () => {
    expect(refusal({ ...production, JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toMatch(/JWT_SECRET: the development value cannot be used/);
  });

  it("needs no JWT_SECRET when a public key verifies tokens", () => {
    const { JWT_SECRET: _, ...env } = production;
    expect(refusal({ ...env, JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----" })).toBe("accepted");
  });

  it("names every missing variable at once", () => {
    const message = refusal({});
    for (const name of ["JWT_SECRET", "DATABASE_URL", "KAFKA_BROKERS"]) expect(message).toContain(`${name}:`);
  });
});

describe("loadConfig in development and test", () => {
  it.each(["development", "test"])("takes the development defaults with NODE_ENV=%s", (mode) => {
    const config = loadConfig(BaseConfig, { NODE_ENV: mode });
    expect(config.JWT_SECRET).toBe(DEVELOPMENT_JWT_SECRET);
    expect(config.KAFKA_BROKERS).toEqual(["127.0.0.1:9092"]);
  });
});
