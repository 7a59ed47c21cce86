// docker-compose.yml cannot run on machines without Docker; this keeps it true to the code: each
// service's environment in compose, with what its Dockerfile sets (NODE_ENV=production among
// it), must pass the service's own start-up checks, and each secret it sets must be needed.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError, loadConfig } from "@grievance-hub/kit";
import { IntakeConfig } from "@grievance-hub/intake";
import { TriageConfig, triageService } from "@grievance-hub/triage";
import { NotificationConfig } from "@grievance-hub/notification";
import { ConsoleConfig, startDevProvider } from "@grievance-hub/console";
import { readImage, root } from "./dockerfiles";

interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
  build?: { dockerfile: string };
  healthcheck?: { test: string[] };
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> };
const initSql = readFileSync(path.join(root, "infra/postgres/init.sql"), "utf8");

const services = [
  // JWT_SECRET or JWT_JWKS_URL: compose sets both (the provider's tokens and scripts/dev-token's), either suffices.
  { name: "intake", schema: IntakeConfig, port: 3001, required: ["DATABASE_URL", "KAFKA_BROKERS", "PHONE_HASH_KEY"] },
  { name: "triage", schema: TriageConfig, port: 3002, required: ["DATABASE_URL", "KAFKA_BROKERS"] },
  { name: "notification", schema: NotificationConfig, port: 3003, required: ["DATABASE_URL", "KAFKA_BROKERS", "CASE_URL_BASE", "STATUS_URL"] },
] as const;

/** The compose Postgres' own role of `databaseUrl` owns the schema `schema` and no other; its password is local-only. */
function expectOwnRole(databaseUrl: string, schema: string): void {
  const url = new URL(databaseUrl);
  expect(url.hostname).toBe("postgres");
  expect(url.pathname).toBe(`/${compose.services.postgres!.environment!.POSTGRES_DB}`);
  const owned = [...initSql.matchAll(/CREATE SCHEMA (\w+) AUTHORIZATION (\w+)/g)].filter((m) => m[2] === url.username).map((m) => m[1]);
  expect(owned).toEqual([schema]);
  expect(decodeURIComponent(url.password)).toMatch(/^local-only-/);
  expect(initSql).toMatch(new RegExp(`CREATE ROLE ${url.username} LOGIN PASSWORD '${decodeURIComponent(url.password)}'`));
}

/** What `runService` does before it opens anything: the config loader, then (triage) the ruleset. */
async function startUpChecks(s: (typeof services)[number], env: Record<string, string>): Promise<void> {
  const config = loadConfig(s.schema as never, env) as never;
  if (s.name === "triage") await triageService(config);
}

describe("docker-compose.yml", () => {
  it("has Kafka, Postgres, the three services, the console and its development OpenID Provider", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["console", "intake", "kafka", "notification", "oidc", "postgres", "triage"]);
  });

  it("gives Postgres the init script that makes one role per service, each owning its own schema", () => {
    expect(compose.services.postgres!.volumes).toContain("./infra/postgres/init.sql:/docker-entrypoint-initdb.d/10-service-roles.sql:ro");
    expect(compose.services.postgres!.healthcheck?.test.join(" ")).toContain("pg_isready");
    expect(compose.services.kafka!.healthcheck?.test.join(" ")).toContain("kafka-broker-api-versions");
  });

  for (const s of services) {
    describe(s.name, () => {
      const def = compose.services[s.name]!;
      const env = { ...readImage(def.build!.dockerfile).env, ...def.environment };

      it("starts in production mode and passes the service's own start-up checks", async () => {
        expect(env.NODE_ENV).toBe("production");
        await expect(startUpChecks(s, env)).resolves.toBeUndefined();
      });

      it.each(s.required)("refuses to start without %s, naming it", async (name) => {
        const { [name]: _, ...without } = env;
        const failure = await startUpChecks(s, without).then(() => undefined, (err: unknown) => err);
        expect(failure).toBeInstanceOf(ConfigError);
        expect((failure as Error).message).toContain(`${name}:`);
      });

      it("refuses to start with neither JWT_SECRET nor JWT_JWKS_URL, naming JWT_SECRET", async () => {
        const { JWT_SECRET: _s, JWT_JWKS_URL: _j, ...without } = env;
        const failure = await startUpChecks(s, without).then(() => undefined, (err: unknown) => err);
        expect(failure).toBeInstanceOf(ConfigError);
        expect((failure as Error).message).toContain("JWT_SECRET:");
      });

      it("marks its secrets and passwords as local-only", () => {
        expect(def.environment!.JWT_SECRET).toMatch(/^local-only-/);
        for (const name of s.required.filter((n) => /SECRET|KEY/.test(n))) expect(def.environment![name]).toMatch(/^local-only-/);
      });

      it("logs in to Postgres as its own role, which owns its schema and no other", () => {
        expectOwnRole(env.DATABASE_URL!, s.name);
      });

      it("only sets variables its config schema reads", () => {
        const known = Object.keys(s.schema.shape);
        expect(Object.keys(def.environment ?? {}).filter((k) => !known.includes(k))).toEqual([]);
      });

      it("publishes the service's default port and points at the compose Kafka", () => {
        expect(s.schema.parse({}).PORT).toBe(s.port);
        expect(env.PORT).toBe(String(s.port));
        expect(def.ports).toContain(`${s.port}:${s.port}`);
        expect(env.KAFKA_BROKERS).toBe("kafka:9092");
      });

      it("waits for healthy Kafka and Postgres, and has a health check of its own", () => {
        expect(def.depends_on?.kafka).toEqual({ condition: "service_healthy" });
        expect(def.depends_on?.postgres).toEqual({ condition: "service_healthy" });
        for (const dependency of Object.values(def.depends_on ?? {})) expect(dependency.condition).toBe("service_healthy");
        expect(readImage(def.build!.dockerfile).healthcheckCmd.join(" ")).toContain("/health/ready");
      });
    });
  }

  describe("console", () => {
    const def = compose.services.console!;
    const env = { ...readImage(def.build!.dockerfile).env, ...def.environment };
    const oidc = compose.services.oidc!;
    const required = ["PUBLIC_URL", "INTAKE_URL", "TRIAGE_URL", "OIDC_ISSUER", "OIDC_CLIENT_SECRET", "DATABASE_URL"];

    it("starts in production mode and passes its own start-up checks", () => {
      expect(env.NODE_ENV).toBe("production");
      expect(() => loadConfig(ConsoleConfig, env)).not.toThrow();
    });

    it.each(required)("refuses to start without %s, naming it", (name) => {
      const { [name]: _, ...without } = env;
      expect(() => loadConfig(ConsoleConfig, without)).toThrow(new RegExp(`${name}:`));
    });

    it("only sets variables its config schema reads, with a local-only client secret the provider shares", () => {
      expect(Object.keys(def.environment ?? {}).filter((k) => !Object.keys(ConsoleConfig.shape).includes(k))).toEqual([]);
      expect(def.environment!.OIDC_CLIENT_SECRET).toMatch(/^local-only-/);
      expect(oidc.environment!.OIDC_CLIENT_SECRET).toBe(def.environment!.OIDC_CLIENT_SECRET);
    });

    it("keeps its sessions in Postgres as its own role, which owns the schema console and no other", () => {
      expectOwnRole(env.DATABASE_URL!, "console");
    });

    it("publishes port 3004, calls intake, triage and notification by their compose names, and waits for them, Postgres and the provider", () => {
      expect(def.ports).toContain("3004:3004");
      expect(env.PUBLIC_URL).toBe("http://localhost:3004");
      expect([env.INTAKE_URL, env.TRIAGE_URL, env.NOTIFICATION_URL]).toEqual(["http://intake:3001", "http://triage:3002", "http://notification:3003"]);
      expect(def.depends_on).toEqual({ postgres: { condition: "service_healthy" }, oidc: { condition: "service_healthy" }, intake: { condition: "service_healthy" }, triage: { condition: "service_healthy" }, notification: { condition: "service_healthy" } });
    });

    it("runs the provider from the console's image under one issuer name for browsers and containers, whose keys the services accept", async () => {
      expect(oidc.build!.dockerfile).toBe("services/console/Dockerfile");
      expect(oidc.environment!.NODE_ENV).toBe("development");
      expect(oidc.environment!.OIDC_ISSUER).toBe(env.OIDC_ISSUER);
      expect(new URL(env.OIDC_ISSUER!).hostname).toMatch(/\.localhost$/);
      expect((oidc as { networks?: { default?: { aliases?: string[] } } }).networks?.default?.aliases).toContain(new URL(env.OIDC_ISSUER!).hostname);
      expect(oidc.ports).toContain(`${new URL(env.OIDC_ISSUER!).port}:${oidc.environment!.OIDC_PORT}`);
      for (const s of services) expect(compose.services[s.name]!.environment!.JWT_JWKS_URL).toBe(`${env.OIDC_ISSUER}/jwks`);
      expect(compose.services.notification!.environment!.STATUS_URL).toBe(`${env.PUBLIC_URL}/track/{code}`);
      // The provider takes the issuer compose names, apart from the address it listens on.
      const provider = await startDevProvider({ port: await freePortForTest(), host: "127.0.0.1", issuer: "http://oidc.localhost:3005", clientId: "grievance-hub-console", clientSecret: oidc.environment!.OIDC_CLIENT_SECRET!, consoleUrl: oidc.environment!.CONSOLE_URL!, resource: "urn:grievance-hub", nodeEnv: "development" });
      try {
        expect(provider.issuer).toBe(oidc.environment!.OIDC_ISSUER);
      } finally {
        await provider.close();
      }
    });
  });
});

async function freePortForTest(): Promise<number> {
  const { freePort } = await import("./browser");
  return freePort();
}
