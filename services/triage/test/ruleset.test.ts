import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRulesetPath, loadRuleset, parseRuleset, RulesetError } from "../src/domain/classification/ruleset";

/** The shipped ruleset's JSON without its model (tests of the model's loading say so). */
async function shippedJson(): Promise<Record<string, any>> {
  const json = JSON.parse(await readFile(defaultRulesetPath, "utf8"));
  delete json.model;
  return json;
}

const shippedModelPath = join(dirname(defaultRulesetPath), "danger-model.json");

/** A ruleset and a model written side by side in a fresh directory; returns the ruleset's path. */
async function writeRulesetWithModel(change: (ruleset: Record<string, any>, model: Record<string, any>) => void): Promise<string> {
  const ruleset = JSON.parse(await readFile(defaultRulesetPath, "utf8"));
  const model = JSON.parse(await readFile(shippedModelPath, "utf8"));
  change(ruleset, model);
  const dir = await mkdtemp(join(tmpdir(), "ruleset-"));
  await writeFile(join(dir, "ruleset.json"), JSON.stringify(ruleset));
  await writeFile(join(dir, "danger-model.json"), JSON.stringify(model));
  return join(dir, "ruleset.json");
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

  it("loads the model the shipped ruleset names, of the version it names", async () => {
    const ruleset = await loadRuleset();
    const json = JSON.parse(await readFile(defaultRulesetPath, "utf8"));
    expect(ruleset.model?.model.version).toBe(json.model.version);
    expect(ruleset.model?.model.weights.size).toBeGreaterThan(1000);
  });

  it("refuses a ruleset whose model file is missing, naming the model's path", async () => {
    const path = await writeRulesetWithModel((ruleset) => {
      ruleset.model.file = "no-such-model.json";
    });
    await expect(loadRuleset(path)).rejects.toThrow(`cannot read model ${join(dirname(path), "no-such-model.json")}`);
  });

  it("refuses a model of another version than the ruleset names", async () => {
    const path = await writeRulesetWithModel((_ruleset, model) => {
      model.version = "1999.1.1";
    });
    await expect(loadRuleset(path)).rejects.toThrow(/wants model version .* but .*danger-model\.json is version 1999\.1\.1/);
  });

  it("refuses a model with a bad field, naming the model and the field", async () => {
    const path = await writeRulesetWithModel((_ruleset, model) => {
      model.weights["打人"] = "strong";
    });
    await expect(loadRuleset(path)).rejects.toThrow(/model .*danger-model\.json is invalid:\n {2}- weights\.打人:/);
  });

  it("refuses a model explained by a rule the ruleset does not have, naming the entry", async () => {
    const json = JSON.parse(await readFile(defaultRulesetPath, "utf8"));
    json.model.explainBy = ["p2.possible-danger", "p2.no-such-rule"];
    expect(refusal(json)).toMatch(/model\.explainBy\[1\]: "p2\.no-such-rule" is not an urgency rule of this ruleset/);
  });

  it("refuses a ruleset that names a model when none is given", async () => {
    const json = JSON.parse(await readFile(defaultRulesetPath, "utf8"));
    expect(refusal(json)).toContain("names the model danger-model.json, which was not given");
  });

  it("refuses a file that does not exist, naming it", async () => {
    await expect(loadRuleset("/nonexistent/ruleset.json")).rejects.toThrow("cannot read ruleset /nonexistent/ruleset.json");
  });
});
