// Validators compiled from the checked-in JSON Schema files (not from the zod schemas), the
// way a subscriber would use them: ajv's draft 2020-12 with the standard formats.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

export const contractDir = path.resolve(import.meta.dirname, "../contract");

export type Schema = { [keyword: string]: unknown };

export function readPublishedSchemas(audience: "internal" | "public"): Map<string, Schema> {
  const dir = path.join(contractDir, "json-schema", audience);
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => [f.slice(0, -".json".length), JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Schema] as const),
  );
}

/**
 * The schema closed to undeclared properties at every level. Published schemas are open so
 * that subscribers survive an added optional field; a test closes them to prove an event
 * carries nothing its schema does not declare.
 */
export function closed(schema: Schema): Schema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== "object") return node;
    const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === "properties" ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, walk(s)])) : walk(v)]));
    if ((node as Schema).type === "object" && (node as Schema).properties) out.additionalProperties = false;
    return out;
  };
  return walk(schema) as Schema;
}

export function compileValidators(schemas: Map<string, Schema>, transform: (s: Schema) => Schema = (s) => s): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return new Map([...schemas].map(([type, schema]) => [type, ajv.compile(transform(schema))] as const));
}

export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "(data)"} ${e.message ?? ""}`).join("; ");
}
