// The console in a real browser (Debian's chromium) against the real stack: the development
// OpenID Provider, intake and triage over Kafka and Postgres, and the console's BFF serving the built SPA.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { AuthConfig, loadConfig, signDevelopmentToken, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { ConsoleConfig, startConsole, startDevProvider, type DevProvider, type RunningConsole } from "@grievance-hub/console";
import { createTestEnv, eventually, type TestEnv } from "./support";
import { freePort, launchChromium } from "./browser";

const root = path.resolve(import.meta.dirname, "..");
const shots = path.join(root, "test-results/console");
let env: TestEnv;
let provider: DevProvider;
let services: RunningService[] = [];
let consoleApp: RunningConsole;
let browser: Browser;
let db: pg.Pool;

const complainant = { name: "李秀英", phone: "13800138000" };
const description = "楼上邻居每天装修到深夜，多次沟通无果，希望社区调解。";

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], { cwd: path.join(root, "services/console"), stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  mkdirSync(shots, { recursive: true });
  env = await createTestEnv();
  const [opPort, consolePort] = [await freePort(), await freePort()];
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  provider = await startDevProvider({ port: opPort, clientId: "console-test", clientSecret: "console-test-client-secret", consoleUrl, resource: "urn:grievance-hub", nodeEnv: "test" });
  const serviceEnv = { ...env.env, JWT_JWKS_URL: provider.jwksUrl };
  services = [await startIntake(loadConfig(IntakeConfig, serviceEnv), env.logger), await startTriage(loadConfig(TriageConfig, serviceEnv), env.logger)];
  const admin = { "content-type": "application/json", authorization: `Bearer ${await signDevelopmentToken({ sub: "admin-1", role: "admin" }, AuthConfig.parse({}))}` };
  const triageUrl = services[1]!.url;
  for (const [url, body] of [
    ["/v1/admin/teams/lianhua-community", { name: "Lianhua community committee", level: "community", divisionPrefix: "440402001001", categories: ["family", "neighbour", "consumer", "other"] }],
    ["/v1/admin/caseworkers/cw-chen", { teamId: "lianhua-community", name: "Chen Jing", categories: ["family", "neighbour", "consumer", "other"], languages: ["zh", "en"], capacity: 12 }],
  ] as const) {
    const res = await fetch(`${triageUrl}${url}`, { method: "PUT", headers: admin, body: JSON.stringify(body) });
    expect(res.status, url).toBe(200);
  }
  consoleApp = await startConsole(loadConfig(ConsoleConfig, {
    NODE_ENV: "test", PORT: String(consolePort), LOG_LEVEL: "warn", PUBLIC_URL: consoleUrl,
    INTAKE_URL: services[0]!.url, TRIAGE_URL: triageUrl, OIDC_ISSUER: provider.issuer,
    OIDC_CLIENT_ID: "console-test", OIDC_CLIENT_SECRET: "console-test-client-secret",
  }), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await consoleApp?.stop();
  await Promise.allSettled(services.map((s) => s.stop()));
  await provider?.close();
  await db?.end();
  await env?.drop();
});

async function grievanceCount(): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM intake.grievances");
  return rows[0]!.n;
}

async function signIn(page: Page, user: string): Promise<void> {
  await page.getByLabel("User name").fill(user);
  await page.getByLabel("Password").fill("demo");
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("the console in a real browser", () => {
  let trackingCode = "";

  it("sends a signed-out visitor of a staff page to sign in", async () => {
    const direct = await fetch(`${consoleApp.url}/cases/00000000-0000-4000-8000-000000000000`, { redirect: "manual" });
    expect(direct.status).toBe(302);
    expect(direct.headers.get("location")).toBe("/auth/login?returnTo=%2Fcases%2F00000000-0000-4000-8000-000000000000");
    expect((await fetch(`${consoleApp.url}/api/tasks`)).status).toBe(401);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${consoleApp.url}/tasks`);
    await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
    await expect(page.getByLabel("User name").isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(shots, "01-sign-in.png") });
    await context.close();
  });

  it("lets the operator sign in, refuses an empty form at its fields writing nothing, and files a grievance in Chinese", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${consoleApp.url}/grievances/new`);
    await signIn(page, "op-1");
    await page.waitForURL(`${consoleApp.url}/grievances/new`);
    const cookies = await context.cookies(consoleApp.url);
    const session = cookies.find((c) => c.name === "gh_session")!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe("Lax");
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);

    await page.getByRole("button", { name: "提交" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toBe("请修改标出的字段。");
    for (const label of ["姓名", "电话号码", "区划代码（6–12 位数字）", "诉求内容"]) {
      await expect(page.getByLabel(label).getAttribute("aria-invalid"), label).resolves.toBe("true");
    }
    await page.screenshot({ path: path.join(shots, "02-empty-form.png"), fullPage: true });
    expect(await grievanceCount()).toBe(0);

    await page.getByLabel("姓名").fill(complainant.name);
    await page.getByLabel("电话号码").fill("12345");
    await page.getByLabel("区划代码（6–12 位数字）").fill("440402001001");
    await page.getByLabel("诉求内容").fill(description);
    // The schema lets this phone through; intake refuses it, and its problem+json lands at the field.
    await page.getByRole("button", { name: "提交" }).click();
    await page.getByText("not a valid phone number").waitFor();
    await expect(page.getByLabel("电话号码").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.getByLabel("姓名").getAttribute("aria-invalid")).resolves.toBe("false");
    expect(await grievanceCount()).toBe(0);
    await page.getByLabel("电话号码").fill(complainant.phone);
    await page.screenshot({ path: path.join(shots, "03-form-filled.png"), fullPage: true });
    await page.getByRole("button", { name: "提交" }).click();
    const code = page.getByTestId("tracking-code");
    await code.waitFor();
    trackingCode = (await code.textContent())!;
    expect(trackingCode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    await page.screenshot({ path: path.join(shots, "04-tracking-code.png"), fullPage: true });
    expect(await grievanceCount()).toBe(1);

    await page.getByRole("button", { name: "退出登录" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
    const me = await fetch(`${consoleApp.url}/api/me`, { headers: { cookie: `gh_session=${session.value}` } });
    expect(me.status).toBe(401);
    await context.close();
  });

  it("shows the public track page, in both languages, with no personal data", async () => {
    expect(trackingCode).not.toBe("");
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${consoleApp.url}/track/${trackingCode}`);
    await page.getByRole("heading", { name: "诉求进展查询" }).waitFor();
    await page.getByText(trackingCode).waitFor();
    const text = (await page.locator("body").innerText());
    expect(text).toMatch(/已受理|已分类|已分派|排队中/);
    for (const personal of [complainant.name, complainant.phone, "13800", description.slice(0, 6)]) expect(text).not.toContain(personal);
    await page.screenshot({ path: path.join(shots, "05-track-zh.png"), fullPage: true });
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Grievance status" }).waitFor();
    await page.screenshot({ path: path.join(shots, "06-track-en.png"), fullPage: true });
    await context.close();
  });

  it("lists the routed case in the caseworker's tasks and lets her accept it", async () => {
    await eventually(async () => {
      const { rows } = await db.query("SELECT 1 FROM triage.cases WHERE tracking_code = $1 AND caseworker_id = 'cw-chen'", [trackingCode]);
      return rows.length > 0 ? true : undefined;
    }, 30_000, "the case routed to cw-chen");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${consoleApp.url}/tasks`);
    await signIn(page, "cw-chen");
    await page.getByRole("heading", { name: "我的任务" }).waitFor();
    await page.getByRole("link", { name: trackingCode }).waitFor();
    await page.screenshot({ path: path.join(shots, "07-tasks.png"), fullPage: true });
    await page.getByRole("link", { name: trackingCode }).click();
    await page.getByRole("button", { name: "接收" }).click();
    await page.getByText("已接收。").waitFor();
    await page.screenshot({ path: path.join(shots, "08-case-accepted.png"), fullPage: true });
    await context.close();
  });
});
