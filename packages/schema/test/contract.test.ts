import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Parser } from "@asyncapi/parser";
import { eventTypes, publicTopicOf, type EventTypeName } from "../src/index";
import { defaultTopicPrefix, eventTypeNames } from "../scripts/contract";
import { checkContract, contractDir, main, writeContract } from "../scripts/generate-contract";
import { compileValidators, readPublishedSchemas } from "./published-validators";

/** The parser takes seconds on the whole document, more on a loaded machine. */
const PARSE_TIMEOUT_MS = 60_000;
const errorsOf = async (yaml: string) => {
  const { diagnostics } = await new Parser().parse(yaml);
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join(".")}: ${d.message}`);
};

describe("the checked-in contract", () => {
  it("is what the code generates, and no published type broke (pnpm contract --check)", async () => {
    expect(await checkContract()).toEqual([]);
  });

  it("has an internal and a public JSON Schema for every event type, each compiling as draft 2020-12", () => {
    for (const audience of ["internal", "public"] as const) {
      const schemas = readPublishedSchemas(audience);
      expect([...schemas.keys()].sort()).toEqual([...eventTypeNames].sort());
      for (const [type, schema] of schemas) {
        expect(schema, type).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", $id: `urn:grievance-hub:event:${audience}:${type}`, title: `${type} (${audience})` });
        expect(schema.description, type).toEqual(expect.any(String));
      }
      expect(compileValidators(schemas).size).toBe(eventTypeNames.length);
    }
  });

  it("has an AsyncAPI document that @asyncapi/parser reads without errors", async () => {
    expect(await errorsOf(await readFile(path.join(contractDir, "asyncapi.yaml"), "utf8"))).toEqual([]);
  }, PARSE_TIMEOUT_MS);

  it("reports a broken AsyncAPI document (so the check above can fail)", async () => {
    const yaml = await readFile(path.join(contractDir, "asyncapi.yaml"), "utf8");
    expect(await errorsOf(yaml.replace("#/components/messages/public.case.resolved.v1", "#/components/messages/public.case.solved.v1"))).not.toEqual([]);
  }, PARSE_TIMEOUT_MS);

  it("has a message for every event type on its internal and its public channel, with its ce_type header", async () => {
    const { document } = await new Parser().parse(await readFile(path.join(contractDir, "asyncapi.yaml"), "utf8"));
    expect(document).toBeDefined();
    const channels = document!.channels();
    for (const type of Object.keys(eventTypes) as EventTypeName[]) {
      const internalTopic = eventTypes[type].topic;
      for (const [topic, personal] of [[internalTopic, true], [publicTopicOf[internalTopic]!, false]] as const) {
        const channel = channels.all().find((c) => c.address() === defaultTopicPrefix + topic);
        expect(channel, topic).toBeDefined();
        expect(channel!.description()).toContain(personal ? "Carries personal data" : "Free of personal data");
        const message = channel!.messages().all().find((m) => m.name() === type);
        expect(message, `${type} on ${topic}`).toBeDefined();
        const headers = message!.headers()!.json() as { allOf: { properties?: Record<string, { const?: string }>; required?: string[] }[] };
        expect(headers.allOf[1]!.properties!.ce_type!.const).toBe(type);
        expect(headers.allOf[0]!.required).toEqual(["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time", "ce_subject", "content-type"]);
        expect(message!.payload()!.json()).toMatchObject({ title: `${type} (${personal ? "internal" : "public"})` });
      }
    }
    const sends = document!.operations().all().filter((o) => o.action() === "send");
    expect(sends.map((o) => [o.channels().all()[0]!.address(), o.id()]).sort()).toEqual([
      ["gh.cases.internal", "triageSendsCasesInternal"],
      ["gh.cases.public", "triageSendsCasesPublic"],
      ["gh.grievances.internal", "intakeSendsGrievancesInternal"],
      ["gh.grievances.public", "intakeSendsGrievancesPublic"],
    ]);
  }, PARSE_TIMEOUT_MS);
});

describe("pnpm contract on a copy of the contract", () => {
  let dir: string;
  let log: string[];
  const run = async (...args: string[]) => main(args, dir, (line) => void log.push(line));
  const readJson = async (file: string) => JSON.parse(await readFile(path.join(dir, file), "utf8")) as Record<string, any>;
  const writeJson = (file: string, value: unknown) => writeFile(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "gh-contract-"));
    await cp(contractDir, dir, { recursive: true });
    log = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("--check passes on an unchanged copy", async () => {
    expect(await run("--check")).toBe(0);
  });

  it("--check fails, naming each file, when a checked-in file differs, is missing or is left over", async () => {
    const file = "json-schema/public/case.assigned.v1.json";
    const schema = await readJson(file);
    schema.description = "edited by hand";
    await writeJson(file, schema);
    await rm(path.join(dir, "json-schema/internal/case.closed.v1.json"));
    await writeFile(path.join(dir, "json-schema/public/case.archived.v1.json"), "{}\n");

    expect(await run("--check")).toBe(1);
    expect(log.join("\n")).toContain(`${file}: differs from what the code generates (first at line 5)`);
    expect(log.join("\n")).toContain("json-schema/internal/case.closed.v1.json: missing");
    expect(log.join("\n")).toContain("json-schema/public/case.archived.v1.json: no longer generated");

    expect(await run()).toBe(0);
    expect(await run("--check")).toBe(0);
  });

  it("--check fails, naming type and field, when the code drops a field of a published type, and pnpm contract refuses to write", async () => {
    // The snapshot has a field the code does not generate: as if the code had removed it.
    const snapshot = await readJson("published/grievance.received.v1.json");
    snapshot.public.properties.channelDetail = { type: "string" };
    snapshot.public.required.push("channelDetail");
    await writeJson("published/grievance.received.v1.json", snapshot);

    expect(await run("--check")).toBe(1);
    expect(log).toContain("  breaking change: grievance.received.v1 (public): channelDetail: removed");
    log = [];
    const before = await readFile(path.join(dir, "json-schema/public/grievance.received.v1.json"), "utf8");
    await rm(path.join(dir, "asyncapi.yaml"));
    expect(await run()).toBe(1);
    expect(log).toContain("  grievance.received.v1 (public): channelDetail: removed");
    expect(await readFile(path.join(dir, "asyncapi.yaml"), "utf8").catch(() => "not written")).toBe("not written");
    expect(await readFile(path.join(dir, "json-schema/public/grievance.received.v1.json"), "utf8")).toBe(before);
  });

  it("keeps a field added after the snapshot: removing it again breaks against the checked-in schema", async () => {
    const file = "json-schema/public/case.resolved.v1.json";
    const schema = await readJson(file);
    schema.properties.resolvedWithinDeadline = { type: "boolean" };
    await writeJson(file, schema);
    expect(await checkContract(dir)).toContain("breaking change: case.resolved.v1 (public): resolvedWithinDeadline: removed");
  });

  it("writes a snapshot for a type that has none and never overwrites an existing one", async () => {
    await rm(path.join(dir, "published/case.closed.v1.json"));
    const kept = await readJson("published/case.opened.v1.json");
    kept.public.description = "as first published";
    await writeJson("published/case.opened.v1.json", kept);

    expect(await checkContract(dir)).toEqual(["published/case.closed.v1.json: missing (case.closed.v1 is not published yet)"]);
    const { written } = await writeContract(dir);
    expect(written).toEqual(["published/case.closed.v1.json"]);
    expect((await readJson("published/case.closed.v1.json")).type).toBe("case.closed.v1");
    expect((await readJson("published/case.opened.v1.json")).public.description).toBe("as first published");
  });

  it("fails while a published type is no longer produced, until its snapshot says it is retired", async () => {
    const snapshot = await readJson("published/case.closed.v1.json");
    await writeJson("published/case.archived.v1.json", { ...snapshot, type: "case.archived.v1" });
    expect(await checkContract(dir)).toEqual([expect.stringContaining("breaking change: case.archived.v1: published, but the code no longer produces it")]);

    await writeJson("published/case.archived.v1.json", { ...snapshot, type: "case.archived.v1", retired: "2026-06: replaced by case.closed.v1" });
    expect(await checkContract(dir)).toEqual([]);
  });
});
