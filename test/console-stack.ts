// The real stack the console's browser tests run against: the development OpenID Provider, intake,
// triage and notification over Kafka and Postgres (one isolated namespace per test file), the console's
// BFF serving the built SPA, the demo team of division 440402001001, and Debian's chromium.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { AuthConfig, loadConfig, signDevelopmentToken, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { ConsoleConfig, startConsole, startDevProvider, type DevProvider, type RunningConsole } from "@grievance-hub/console";
import { createTestEnv, type TestEnv } from "./support";
import { freePort, launchChromium } from "./browser";

export const root = path.resolve(import.meta.dirname, "..");

export interface ConsoleStack {
  env: TestEnv;
  provider: DevProvider;
  intakeUrl: string;
  triageUrl: string;
  notificationUrl: string;
  consoleApp: RunningConsole;
  /** the console's configuration, to start another replica beside it (PORT 0 for a free port) */
  consoleConfig: ConsoleConfig;
  browser: Browser;
  /** the test's own database (schemas intake, triage, notification) */
  db: pg.Pool;
  /** where this file's screenshots go: test-results/console/<name>/ */
  shots: string;
  /** a bearer token's headers for the admin, to set up teams and people through the triage API */
  adminHeaders: () => Promise<Record<string, string>>;
  stop: () => Promise<void>;
}

/** The demo team and caseworker the operator's grievances in 440402001001 are routed to. */
export const demoTeam = [
  ["/v1/admin/teams/lianhua-community", { name: "Lianhua community committee", level: "community", divisionPrefix: "440402001001", categories: ["family", "neighbour", "consumer", "other"] }],
  ["/v1/admin/caseworkers/cw-chen", { teamId: "lianhua-community", name: "Chen Jing", categories: ["family", "neighbour", "consumer", "other"], languages: ["zh", "en"], capacity: 12 }],
] as const;

/** Builds the SPA, starts everything, puts the demo team in place and launches chromium. */
export async function startConsoleStack(name: string, opts: { consoleEnv?: Record<string, string>; serviceEnv?: Record<string, string> } = {}): Promise<ConsoleStack> {
  execFileSync(process.execPath, [path.join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], { cwd: path.join(root, "services/console"), stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  const shots = path.join(root, "test-results/console", name);
  mkdirSync(shots, { recursive: true });
  const env = await createTestEnv();
  const [opPort, consolePort] = [await freePort(), await freePort()];
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const provider = await startDevProvider({ port: opPort, clientId: "console-test", clientSecret: "console-test-client-secret", consoleUrl, resource: "urn:grievance-hub", nodeEnv: "test" });
  const serviceEnv = { ...env.env, JWT_JWKS_URL: provider.jwksUrl, CASE_URL_BASE: `${consoleUrl}/cases`, STATUS_URL: `${consoleUrl}/track/{code}`, ...opts.serviceEnv };
  const services: RunningService[] = [
    await startIntake(loadConfig(IntakeConfig, serviceEnv), env.logger),
    await startTriage(loadConfig(TriageConfig, serviceEnv), env.logger),
    await startNotification(loadConfig(NotificationConfig, serviceEnv), env.logger),
  ];
  const [intakeUrl, triageUrl, notificationUrl] = services.map((s) => s.url) as [string, string, string];
  const adminHeaders = async () => ({ "content-type": "application/json", authorization: `Bearer ${await signDevelopmentToken({ sub: "admin-1", role: "admin" }, AuthConfig.parse({}))}` });
  for (const [url, body] of demoTeam) {
    const res = await fetch(`${triageUrl}${url}`, { method: "PUT", headers: await adminHeaders(), body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  }
  const consoleConfig = loadConfig(ConsoleConfig, {
    NODE_ENV: "test", PORT: String(consolePort), LOG_LEVEL: "warn", PUBLIC_URL: consoleUrl, DATABASE_URL: env.databaseUrl,
    INTAKE_URL: intakeUrl, TRIAGE_URL: triageUrl, NOTIFICATION_URL: notificationUrl, OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: "console-test", OIDC_CLIENT_SECRET: "console-test-client-secret",
    ...opts.consoleEnv,
  });
  const consoleApp = await startConsole(consoleConfig, env.logger);
  const db = new pg.Pool({ connectionString: env.databaseUrl });
  const browser = await launchChromium();
  return {
    env, provider, intakeUrl, triageUrl, notificationUrl, consoleApp, consoleConfig, browser, db, shots, adminHeaders,
    stop: async () => {
      await browser.close();
      await consoleApp.stop();
      await Promise.allSettled(services.map((s) => s.stop()));
      await provider.close();
      await db.end();
      await env.drop();
    },
  };
}

/** Signs in at the development provider's page (every demo person's password is "demo"). */
export async function signIn(page: Page, user: string): Promise<void> {
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Sign in" }).click();
}
