// The compatibility gate over JSON Schema. A new schema of a published type must keep every
// field the old one promised (so subscribers keep finding what they read) and accept every
// value the old one accepted (so the events already on the topics stay valid): anything else
// is a new version of the type. Adding an optional field, or widening what is accepted, is fine.
import type { JsonSchema } from "./contract";

export function breakingChanges(oldSchema: JsonSchema, newSchema: JsonSchema): string[] {
  const out: string[] = [];
  compare(oldSchema, newSchema, "", out);
  return out;
}

function at(path: string): string {
  return path || "(data)";
}

function compare(old: JsonSchema, next: JsonSchema, path: string, out: string[]): void {
  if (variantsOf(old) || variantsOf(next)) return compareVariants(old, next, path, out);

  const oldTypes = typesOf(old);
  const newTypes = typesOf(next);
  if (newTypes && (!oldTypes || oldTypes.some((t) => !accepts(newTypes, t)))) {
    out.push(`${at(path)}: type changed from ${oldTypes?.join("|") ?? "any"} to ${newTypes.join("|")}`);
    return;
  }

  compareValues(old, next, path, out);
  if (next.format !== undefined && next.format !== old.format) out.push(`${at(path)}: format changed from ${old.format ?? "none"} to ${String(next.format)}`);
  if (next.pattern !== undefined && next.pattern !== old.pattern) out.push(`${at(path)}: pattern changed from ${old.pattern === undefined ? "none" : `/${String(old.pattern)}/`} to /${String(next.pattern)}/`);
  for (const bound of ["minLength", "minimum", "exclusiveMinimum", "minItems"] as const) {
    const [a, b] = [old[bound], next[bound]] as (number | undefined)[];
    if (b !== undefined && (a === undefined || b > a)) out.push(`${at(path)}: ${bound} raised from ${a ?? "none"} to ${b}`);
  }
  for (const bound of ["maxLength", "maximum", "exclusiveMaximum", "maxItems"] as const) {
    const [a, b] = [old[bound], next[bound]] as (number | undefined)[];
    if (b !== undefined && (a === undefined || b < a)) out.push(`${at(path)}: ${bound} lowered from ${a ?? "none"} to ${b}`);
  }

  const oldProps = (old.properties ?? {}) as Record<string, JsonSchema>;
  const newProps = (next.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, schema] of Object.entries(oldProps)) {
    const field = path ? `${path}.${name}` : name;
    if (!(name in newProps)) out.push(`${field}: removed`);
    else compare(schema, newProps[name]!, field, out);
  }
  const wasRequired = new Set((old.required ?? []) as string[]);
  for (const name of (next.required ?? []) as string[]) {
    if (wasRequired.has(name)) continue;
    const field = path ? `${path}.${name}` : name;
    out.push(name in oldProps ? `${field}: optional field made required` : `${field}: added as a required field`);
  }
  if (next.additionalProperties === false && old.additionalProperties !== false && (old.properties || next.properties)) {
    out.push(`${at(path)}: closed to properties it does not declare`);
  }

  if (old.items && next.items) compare(old.items as JsonSchema, next.items as JsonSchema, `${path}[]`, out);
}

/** enum and const: every value the old schema allowed must still be allowed. */
function compareValues(old: JsonSchema, next: JsonSchema, path: string, out: string[]): void {
  const before = allowedValues(old);
  const after = allowedValues(next);
  if (!after) return;
  if (!before) {
    out.push(`${at(path)}: restricted to ${after.map(show).join(", ")}`);
    return;
  }
  const removed = before.filter((v) => !after.some((w) => JSON.stringify(w) === JSON.stringify(v)));
  if (removed.length === 0) return;
  if (old.const !== undefined && next.const !== undefined) out.push(`${at(path)}: const changed from ${show(old.const)} to ${show(next.const)}`);
  else out.push(`${at(path)}: enum narrowed, ${removed.map(show).join(", ")} no longer allowed`);
}

/** anyOf / oneOf (nullable values, discriminated unions): every old variant must have a compatible new one. */
function compareVariants(old: JsonSchema, next: JsonSchema, path: string, out: string[]): void {
  const oldVariants = variantsOf(old) ?? [old];
  const newVariants = variantsOf(next) ?? [next];
  // A nullable value is one variant and null: name the variant only in a real union.
  const named = oldVariants.filter((v) => labelOf(v) !== "null").length > 1;
  for (const variant of oldVariants) {
    const label = labelOf(variant);
    const match = newVariants.find((v) => labelOf(v) === label);
    if (!match) out.push(`${at(path)}: no longer accepts ${label}`);
    else compare(variant, match, named ? `${path}(${label})` : path, out);
  }
}

function variantsOf(schema: JsonSchema): JsonSchema[] | undefined {
  return (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
}

/** A variant's identity: its type and, for a discriminated union, the values of its const properties. */
function labelOf(schema: JsonSchema): string {
  const consts = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)
    .filter(([, s]) => s.const !== undefined)
    .map(([name, s]) => `${name}=${show(s.const)}`);
  return consts.length ? consts.join(",") : (typesOf(schema)?.join("|") ?? "any");
}

function allowedValues(schema: JsonSchema): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  return schema.enum as unknown[] | undefined;
}

function typesOf(schema: JsonSchema): string[] | undefined {
  if (schema.type !== undefined) return ([] as string[]).concat(schema.type as string | string[]);
  const values = allowedValues(schema);
  if (values) return [...new Set(values.map(jsonType))];
  return undefined;
}

function accepts(types: string[], type: string): boolean {
  return types.includes(type) || (type === "integer" && types.includes("number"));
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}
