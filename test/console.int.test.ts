// The console in a real browser (Debian's chromium) against the real stack: the development
// OpenID Provider, intake and triage over Kafka and Postgres, and the console's BFF serving the built SPA.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./support";
import { signIn, startConsoleStack, type ConsoleStack } from "./console-stack";
import { seriousAxeViolations } from "./axe";

let stack: ConsoleStack;
let consoleApp: ConsoleStack["consoleApp"];
let provider: ConsoleStack["provider"];
let browser: ConsoleStack["browser"];
let db: ConsoleStack["db"];
let shots: string;

const complainant = { name: "李秀英", phone: "13800138000" };
const description = "楼上邻居每天装修到深夜，多次沟通无果，希望社区调解。";

beforeAll(async () => {
  // The feed looks at the session every second here (a minute by default), so a sign-out shows at once.
  // The console believes a proxy on this machine, and the services believe the console, as in Kubernetes.
  stack = await startConsoleStack("operator", { consoleEnv: { FEED_SESSION_CHECK_SECONDS: "1", TRUST_PROXY: "127.0.0.1" }, serviceEnv: { TRUST_PROXY: "127.0.0.1" } });
  ({ consoleApp, provider, browser, db, shots } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

async function grievanceCount(): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM intake.grievances");
  return rows[0]!.n;
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
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, "02-empty-form.png"), fullPage: true });
    expect(await grievanceCount()).toBe(0);

    await page.getByLabel("姓名").fill(complainant.name);
    // A number intake cannot read: the caller look-up says so in the UI's language (the error's code, not intake's English).
    await page.getByLabel("电话号码").fill("+86 00000000000000000");
    await page.getByLabel("区划代码（6–12 位数字）").fill("440402001001");
    await page.getByText("未能查询来电记录：不是有效的电话号码").waitFor();
    await page.getByLabel("电话号码").fill("12345");
    await page.getByLabel("诉求内容").fill(description);
    // The schema lets this phone through; intake refuses it, and its problem+json lands at the field, in Chinese.
    await page.getByRole("button", { name: "提交" }).click();
    await page.getByText("不是有效的电话号码", { exact: true }).waitFor();
    expect(await page.getByText("not a valid phone number").count()).toBe(0);
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
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The same caller again: the earlier grievance is shown before the new one is filed.
    await page.getByRole("button", { name: "再登记一件" }).click();
    await page.getByLabel("姓名").fill(complainant.name);
    await page.getByLabel("电话号码").fill(complainant.phone);
    await page.getByLabel("诉求内容").fill("楼上邻居还是每天装修到深夜。");
    const history = page.getByRole("region", { name: /该来电号码以前的诉求（1 件）/ });
    await history.getByRole("link", { name: trackingCode }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(shots, "04b-caller-history.png"), fullPage: true });
    // Too long: said at the field, nothing written.
    await page.getByLabel("诉求内容").fill("x".repeat(10_001));
    await page.getByRole("button", { name: "提交" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toBe("请修改标出的字段。");
    await expect(page.getByLabel("诉求内容").getAttribute("aria-invalid")).resolves.toBe("true");
    await page.getByText("太长了").waitFor();
    expect(await grievanceCount()).toBe(1);
    await page.getByLabel("诉求内容").fill("楼上邻居还是每天装修到深夜。");
    await page.getByRole("button", { name: "提交" }).click();
    await page.getByTestId("tracking-code").waitFor();
    expect(await grievanceCount()).toBe(2);

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
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  });

  it("counts public status lookups through the console per browser, not all as the console's", async () => {
    expect(trackingCode).not.toBe("");
    // TRACK_RATE_LIMIT_PER_MINUTE is 30: one client spends it, another still gets answers.
    const lookup = (client: string) => fetch(`${consoleApp.url}/api/track/${trackingCode}`, { headers: { "x-forwarded-for": client } });
    const spent = [];
    for (let i = 0; i < 31; i++) spent.push((await lookup("203.0.113.7")).status);
    expect(spent.slice(0, 30).every((s) => s === 200), JSON.stringify(spent)).toBe(true);
    expect(spent[30]).toBe(429);
    expect((await lookup("203.0.113.8")).status).toBe(200);
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

  it("ends the live feed of a session signed out in another tab: the task list sends her to sign in, not 'reconnecting' for ever", async () => {
    const context = await browser.newContext();
    const tasks = await context.newPage();
    await tasks.goto(`${consoleApp.url}/tasks`);
    await signIn(tasks, "cw-chen");
    await tasks.getByText("● 实时更新已连接").waitFor();
    const other = await context.newPage();
    await other.goto(`${consoleApp.url}/tasks`);
    await other.getByRole("button", { name: "退出登录" }).click();
    await other.waitForURL((url) => url.href.startsWith(`${provider.issuer}/`));
    // The open list's stream is ended by the console, its reconnection refused (401), and the page
    // goes to sign in, coming back to the task list afterwards.
    await tasks.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`), { timeout: 30_000 });
    await signIn(tasks, "cw-chen");
    await tasks.waitForURL(`${consoleApp.url}/tasks`);
    await tasks.getByText("● 实时更新已连接").waitFor();
    await context.close();
  });
});
