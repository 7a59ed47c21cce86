// The supervisor's console in a real browser (Debian's chromium) against the real stack: the team
// queue with a queued and an unaccepted case, assigning and reassigning them; the first load's
// size, the Content-Security-Policy, axe on every page, and the sign-in rate limit.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthConfig, signDevelopmentToken } from "@grievance-hub/kit";
import { eventually } from "./support";
import { root, signIn, startConsoleStack, type ConsoleStack } from "./console-stack";
import { startConsole } from "@grievance-hub/console";
import { seriousAxeViolations } from "./axe";
import { BUDGET_BYTES, firstLoad } from "../services/console/scripts/bundle-budget";

let stack: ConsoleStack;
const SIGNIN_LIMIT = 40;
const division = "440402001001";

beforeAll(async () => {
  stack = await startConsoleStack("supervisor", { consoleEnv: { SIGNIN_RATE_LIMIT_PER_MINUTE: String(SIGNIN_LIMIT) } });
});

afterAll(async () => {
  await stack?.stop();
});

async function putCaseworker(id: string, capacity: number, name: string): Promise<void> {
  const res = await fetch(`${stack.triageUrl}/v1/admin/caseworkers/${id}`, {
    method: "PUT",
    headers: await stack.adminHeaders(),
    body: JSON.stringify({ teamId: "lianhua-community", name, categories: ["family", "neighbour", "consumer", "other"], languages: ["zh", "en"], capacity }),
  });
  expect(res.status).toBe(200);
}

/** Files a grievance as the operator through intake's API; its tracking code. */
async function file(description: string): Promise<string> {
  const token = await signDevelopmentToken({ sub: "op-1", role: "operator" }, AuthConfig.parse({}));
  const res = await fetch(`${stack.intakeUrl}/v1/grievances`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ channel: "phone", anonymous: true, language: "zh", location: { divisionCode: division }, description, hints: { category: "neighbour", urgency: "P3" } }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { trackingCode: string }).trackingCode;
}

async function caseOf(trackingCode: string): Promise<{ status: string; caseworker_id: string | null } | undefined> {
  const { rows } = await stack.db.query<{ status: string; caseworker_id: string | null }>("SELECT status, caseworker_id FROM triage.cases WHERE tracking_code = $1", [trackingCode]);
  return rows[0];
}

describe("the supervisor's console in a real browser", () => {
  let queued = "";
  let unaccepted = "";

  beforeAll(async () => {
    // Nobody free: the first grievance waits in the team's queue.
    await putCaseworker("cw-chen", 0, "Chen Jing");
    queued = await file("小区路灯坏了一周，晚上很危险。");
    await eventually(async () => ((await caseOf(queued))?.status === "queued" ? true : undefined), 30_000, "the queued case");
    await putCaseworker("cw-chen", 12, "Chen Jing");
    unaccepted = await file("楼下餐馆油烟太大，多次反映无果。");
    await eventually(async () => ((await caseOf(unaccepted))?.caseworker_id === "cw-chen" ? true : undefined), 30_000, "the case assigned to cw-chen");
    await putCaseworker("cw-li", 12, "Li Na");
  });

  it("keeps the first load within 250 KiB of JavaScript gzipped, the dashboard's charts out of it", () => {
    const { files, total } = firstLoad(path.join(root, "services/console/dist/web"));
    expect(total).toBeGreaterThan(10 * 1024);
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(files.map((f) => f.file).join(" ")).not.toMatch(/Dashboard/);
  });

  it("sends a Content-Security-Policy that allows no inline script", async () => {
    const res = await fetch(`${stack.consoleApp.url}/track/ABCDE-FGHJK`);
    const csp = res.headers.get("content-security-policy") ?? "";
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)![1]!;
    expect(scriptSrc.trim()).toBe("'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("shows the team's queued and unaccepted cases and lets the supervisor assign and reassign them from the keyboard", async () => {
    const context = await stack.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.consoleApp.url}/queue`);
    await signIn(page, "sup-1");
    await page.getByRole("heading", { name: "团队队列" }).waitFor();
    const queuedRow = page.getByTestId(`queue-row-${queued}`);
    const unacceptedRow = page.getByTestId(`queue-row-${unaccepted}`);
    await queuedRow.waitFor();
    await expect(queuedRow.locator(".flag-queued").textContent()).resolves.toBe("排队待分派");
    await expect(unacceptedRow.locator(".flag-unaccepted").textContent()).resolves.toBe("已分派未接收");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(stack.shots, "01-queue.png"), fullPage: true });

    // Only the queued ones, then assign: a caseworker chosen, a reason typed, Enter.
    await page.getByRole("radio", { name: "排队待分派" }).check();
    await expect(unacceptedRow.count()).resolves.toBe(0);
    await queuedRow.getByLabel("分派给").selectOption("cw-li");
    await queuedRow.getByLabel("理由").fill("陈静今天请假");
    await queuedRow.getByLabel("理由").press("Enter");
    await eventually(async () => ((await caseOf(queued))?.caseworker_id === "cw-li" ? true : undefined), 30_000, "the queued case assigned to cw-li");

    await page.getByRole("radio", { name: "已分派未接收" }).check();
    await unacceptedRow.getByLabel("分派给").selectOption("cw-li");
    await unacceptedRow.getByLabel("理由").fill("平衡工作量");
    await unacceptedRow.getByRole("button", { name: "改派" }).press("Enter");
    await unacceptedRow.getByText("已改为 Li Na。").waitFor();
    expect((await caseOf(unaccepted))?.caseworker_id).toBe("cw-li");
    await page.screenshot({ path: path.join(stack.shots, "02-reassigned.png"), fullPage: true });

    // The same page in English.
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("heading", { name: "Team queue" }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();
  });

  it("counts the grievances on the supervisor's dashboard", async () => {
    const context = await stack.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${stack.consoleApp.url}/dashboard`);
    await signIn(page, "sup-1");
    await page.getByRole("heading", { name: "统计看板" }).waitFor();
    const { rows } = await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM intake.grievances WHERE division_code LIKE '440402%'");
    // The statistics projection follows the events: reload until it has counted them.
    await eventually(async () => {
      await page.reload();
      const received = page.getByTestId("dashboard-received");
      await received.waitFor();
      return (await received.textContent()) === String(rows[0]!.n) ? true : undefined;
    }, 60_000, "the dashboard counting the grievances");
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(stack.shots, "03-dashboard.png"), fullPage: true });
    await context.close();
  });

  it("refuses the supervisor's routes to an operator, and the caller history to a caseworker", async () => {
    const statusesOf = (page: import("playwright-core").Page) =>
      page.evaluate(async () => {
        const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        const answers = [
          await fetch("/api/supervisor/queue"),
          await fetch("/api/supervisor/caseworkers"),
          await fetch("/api/supervisor/dashboard"),
          await post("/api/supervisor/cases/00000000-0000-4000-8000-000000000000/assign", { caseworkerId: "cw-li", reason: "x" }),
          await post("/api/caller-history", { phone: "13800138000" }),
        ];
        return answers.map((r) => `${r.status} ${r.headers.get("content-type")?.split(";")[0]}`);
      });
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.consoleApp.url}/grievances/new`);
    await signIn(page, "op-1");
    await page.waitForURL(`${stack.consoleApp.url}/grievances/new`);
    const forbidden = "403 application/problem+json";
    expect(await statusesOf(page)).toEqual([forbidden, forbidden, forbidden, forbidden, "200 application/json"]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await context.close();

    const caseworker = await stack.browser.newContext();
    const cwPage = await caseworker.newPage();
    await cwPage.goto(`${stack.consoleApp.url}/tasks`);
    await signIn(cwPage, "cw-chen");
    await cwPage.waitForURL(`${stack.consoleApp.url}/tasks`);
    expect(await statusesOf(cwPage)).toEqual([forbidden, forbidden, forbidden, forbidden, forbidden]);
    await caseworker.close();
  });

  it("limits sign-in attempts per client address, one budget for every console replica", async () => {
    // A second replica on the same database: the client's attempts alternate between the two.
    const other = await startConsole({ ...stack.consoleConfig, PORT: 0 });
    try {
      const replicas = [stack.consoleApp.url, other.url];
      const statuses: number[] = [];
      for (let i = 0; i < SIGNIN_LIMIT + 2; i++) statuses.push((await fetch(`${replicas[i % 2]}/auth/login`, { redirect: "manual" })).status);
      // The browser sign-ins of the tests before spent part of the budget; each replica counting
      // alone would have let all of these through (half each, well under the limit).
      expect(statuses.filter((s) => s === 302).length).toBeLessThanOrEqual(SIGNIN_LIMIT);
      expect(statuses.slice(-2)).toEqual([429, 429]);
    } finally {
      await other.stop();
    }
  });
});
