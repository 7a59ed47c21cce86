import { describe, expect, it } from "vitest";
import { loadConfig } from "@grievance-hub/kit";
import { ConsoleConfig } from "../src/config";
import { startDevProvider } from "../src/dev-provider/provider";

describe("the development OpenID Provider", () => {
  it("refuses to start with NODE_ENV=production", async () => {
    await expect(startDevProvider({ port: 0, clientId: "c", clientSecret: "s".repeat(16), consoleUrl: "http://127.0.0.1:1", resource: "urn:x", nodeEnv: "production" })).rejects.toThrow(/NODE_ENV=production/);
  });
});

describe("the console's configuration", () => {
  it("refuses the development provider address and client secret in production", () => {
    expect(() => loadConfig(ConsoleConfig, { NODE_ENV: "production" })).toThrow(/OIDC_ISSUER[\s\S]*OIDC_CLIENT_SECRET|OIDC_CLIENT_SECRET[\s\S]*OIDC_ISSUER/);
    expect(() => loadConfig(ConsoleConfig, { NODE_ENV: "development" })).not.toThrow();
  });
});
