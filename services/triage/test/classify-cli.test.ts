// Runs the rule authors' command as they run it: tsx on the CLI, JSON lines on stdin.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { classify } from "../src/domain/classification/classify";
import { loadRuleset, type Ruleset } from "../src/domain/classification/ruleset";
import { loadCategoryModel, type CategoryModel } from "../src/domain/classification/category-model";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

function runCli(stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, "node_modules/.bin/tsx"), ["services/triage/src/cli/classify.ts"], { cwd: repoRoot });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

let ruleset: Ruleset;
let categoryModel: CategoryModel;
beforeAll(async () => {
  ruleset = await loadRuleset();
  categoryModel = await loadCategoryModel();
});

describe("pnpm classify", () => {
  it("writes one decision per input line, the same as the service's classifier", async () => {
    const inputs = [
      { id: "g-1", text: "他拿着刀说要杀了我" },
      { id: "g-2", text: "My landlord won't return my deposit." },
      { id: "g-3", text: "请问法律援助怎么申请？" },
    ];
    const { code, stdout, stderr } = await runCli(inputs.map((i) => JSON.stringify(i)).join("\n") + "\n");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = lines(stdout).map((l) => JSON.parse(l));
    expect(out).toEqual(
      inputs.map(({ id, text }) => {
        const { category, confidence, needsReview, urgency, signals, rulesetVersion, modelVersion } = classify({ text }, ruleset, categoryModel);
        return { id, category, confidence, needsReview, urgency, signals, rulesetVersion, modelVersion };
      }),
    );
    expect(out.map((o) => o.urgency)).toEqual(["P1", "P3", "P4"]);
    for (const o of out) {
      expect(o.confidence).toBeGreaterThan(0);
      expect(o.confidence).toBeLessThanOrEqual(1);
      expect(typeof o.needsReview).toBe("boolean");
      expect(o.modelVersion).toBe(categoryModel.version);
    }
    expect(out[0].signals).toContainEqual({ rule: "p1.weapon", kind: "urgency", level: "P1", matched: "刀", at: 3 });
  }, 30_000);

  it("reports malformed lines on stderr by line number, carries on, and exits non-zero", async () => {
    const stdin = [
      JSON.stringify({ id: "ok-1", text: "邻居天天吵" }),
      "{not json",
      "",
      JSON.stringify({ id: "no-text" }),
      JSON.stringify({ id: "ok-2", text: "Thanks for your help" }),
    ].join("\n");
    const { code, stdout, stderr } = await runCli(stdin);
    expect(code).not.toBe(0);
    expect(lines(stdout).map((l) => JSON.parse(l).id)).toEqual(["ok-1", "ok-2"]);
    const errors = lines(stderr);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^line 2: not valid JSON/);
    expect(errors[1]).toBe('line 4: "text" must be a string');
  }, 30_000);
});
