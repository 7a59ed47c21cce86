import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRulesetPath, loadRuleset, parseRuleset, RulesetError } from "../src/domain/classification/ruleset";

async function shippedJson(): Promise<Record<string, any>> {
  return JSON.parse(await readFile(defaultRulesetPath, "utf8"));
}

function refusal(json: unknown): string {
  try {
    parseRuleset(json, "draft.json");
  } catch (error) {
    expect(error).toBeInstanceOf(RulesetError);
    return (error as Error).message;
  }
  throw new Error("the ruleset was accepted");
}

describe("loading the ruleset", () => {
  it("loads the shipped ruleset with a dated version", async () => {
    const ruleset = await loadRuleset();
    expect(ruleset.version).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
    expect(ruleset.urgencyRules.map((r) => r.level)).toEqual(expect.arrayContaining(["P1", "P2", "P4"]));
  });

  it("refuses an invalid regular expression, naming the file and the field", async () => {
    const json = await shippedJson();
    json.urgency[0].patterns = ["(unclosed"];
    const message = refusal(json);
    expect(message).toContain("ruleset draft.json is invalid");
    expect(message).toMatch(/urgency\[0\]\.patterns\[0\]: not a valid regular expression/);
  });

  it("refuses a pattern whose lookbehind reaches back over the whole text, pointing to unlessAnywhere", async () => {
    const json = await shippedJson();
    json.urgency[0].patterns = ["(?<!(?:accident|surgery)[\\s\\S]*)bleeding"];
    expect(refusal(json)).toMatch(/urgency\[0\]\.patterns\[0\]: a lookbehind with an unbounded .* use 'unlessAnywhere'/);
    json.urgency[0].patterns = ["(?<!bad\\s)blood", "(?<![a-z]{0,3})x"];
    expect(() => parseRuleset(json, "draft.json")).not.toThrow();
  });

  it("refuses a weight that is not a number, naming its path", async () => {
    const json = await shippedJson();
    json.categories.family[0].weight = "heavy";
    expect(refusal(json)).toContain("categories.family[0].weight");
  });

  it("refuses an unknown urgency level", async () => {
    const json = await shippedJson();
    json.urgency[1].level = "P0";
    expect(refusal(json)).toContain("urgency[1].level");
  });

  it("refuses a misspelt field instead of ignoring it", async () => {
    const json = await shippedJson();
    json.categories.labour[0].wieght = 2;
    expect(refusal(json)).toMatch(/categories\.labour\[0\].*wieght/);
  });

  it("refuses an unknown category", async () => {
    const json = await shippedJson();
    json.categories.gardening = [];
    expect(refusal(json)).toContain("gardening");
  });

  it("refuses a rule id used twice", async () => {
    const json = await shippedJson();
    json.urgency[1].id = json.urgency[0].id;
    expect(refusal(json)).toMatch(/urgency\[1\]\.id: rule id "p1\.violence" is used twice/);
  });

  it("refuses a rule with nothing to match", async () => {
    const json = await shippedJson();
    json.urgency[0] = { id: "empty", level: "P1" };
    expect(refusal(json)).toContain("urgency[0]: a rule needs at least one phrase");
  });

  it("refuses a phrase with a dangling gap", async () => {
    const json = await shippedJson();
    json.urgency[0].zh.push("打...");
    expect(refusal(json)).toMatch(/urgency\[0\]\.zh\[\d+\]: "打\.\.\.": "\.\.\." must stand between two words/);
  });

  it("refuses a version that is not dated", async () => {
    const json = await shippedJson();
    json.version = "latest";
    expect(refusal(json)).toContain("version:");
  });

  it("refuses a file that is not JSON, naming the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ruleset-"));
    const path = join(dir, "broken.json");
    await writeFile(path, '{"version": "2026.11.1",');
    await expect(loadRuleset(path)).rejects.toThrow(`ruleset ${path} is not valid JSON`);
  });

  it("refuses a file with a bad field, naming the file and the field", async () => {
    const json = await shippedJson();
    json.negation.en.window = -1;
    const dir = await mkdtemp(join(tmpdir(), "ruleset-"));
    const path = join(dir, "bad.json");
    await writeFile(path, JSON.stringify(json));
    await expect(loadRuleset(path)).rejects.toThrow(new RegExp(`ruleset ${path} is invalid:\\n  - negation\\.en\\.window:`));
  });

  it("refuses a file that does not exist, naming it", async () => {
    await expect(loadRuleset("/nonexistent/ruleset.json")).rejects.toThrow("cannot read ruleset /nonexistent/ruleset.json");
  });
});
