// The public topics are for anyone: no field of a public schema may be able to carry personal
// data, and the public data of any valid internal event carries none of the personal values
// planted in it.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { eventTypes, toPublicData, type EventData, type EventTypeName } from "../src/index";
import { eventSchemas, eventTypeNames, type JsonSchema } from "../scripts/contract";
import { closed, compileValidators, describeErrors } from "./published-validators";

/** Field names that say "personal data" (exactly, or as part of a longer name). */
const personalNames = ["name", "phone", "phoneHash", "address", "description", "text", "summary", "place", "trackingCode", "caseworkerId", "fromCaseworkerId", "toCaseworkerId", "matched", "reason", "coordinates", "email", "complainant", "externalReference"];
const personalStems = ["name", "phone", "address", "email", "complainant", "caseworker", "tracking", "description", "summary", "coordinates"];

/** Public strings that nothing constrains, each with why it cannot hold personal data. */
const freeStringsAllowed: Record<string, string> = {
  "signals[].rule": "the id of a classifier rule in the repository's ruleset, never words from the grievance (those are `matched`, which stays internal)",
  rulesetVersion: "the version of the classifier's ruleset, set by the repository, not by anyone's input",
  modelVersion: "the version of the category model file, set by the repository, not by anyone's input",
  "team.id": "a team is an office (a community mediation committee, a street office), not a person",
  "fromTeam.id": "as team.id",
  "toTeam.id": "as team.id",
};

interface Field {
  path: string;
  name: string;
  schema: JsonSchema;
}

/** Every value position of a schema: object properties, array items and union variants, with their paths. */
function fieldsOf(schema: JsonSchema, path = "", name = ""): Field[] {
  const here: Field[] = path ? [{ path, name, schema }] : [];
  const variants = [...((schema.anyOf ?? []) as JsonSchema[]), ...((schema.oneOf ?? []) as JsonSchema[]), ...((schema.allOf ?? []) as JsonSchema[])];
  const props = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>);
  return [
    ...here,
    ...variants.flatMap((v) => fieldsOf(v, path, name)),
    ...props.flatMap(([p, s]) => fieldsOf(s, path ? `${path}.${p}` : p, p)),
    ...(schema.items ? fieldsOf(schema.items as JsonSchema, `${path}[]`, name) : []),
    ...(typeof schema.additionalProperties === "object" ? fieldsOf(schema.additionalProperties as JsonSchema, `${path}.*`, "*") : []),
  ];
}

function isString(schema: JsonSchema): boolean {
  return ([] as unknown[]).concat(schema.type).includes("string");
}

function isConstrained(schema: JsonSchema): boolean {
  return schema.format === "uuid" || schema.format === "date-time" || schema.enum !== undefined || schema.const !== undefined || schema.pattern !== undefined;
}

function looksPersonal(name: string): boolean {
  const lower = name.toLowerCase();
  return personalNames.some((p) => p.toLowerCase() === lower) || personalStems.some((s) => lower.includes(s));
}

const publicSchemaOf = (type: EventTypeName) => eventSchemas(type).public;
const internalSchemaOf = (type: EventTypeName) => eventSchemas(type).internal;

describe("public schemas", () => {
  it.each(eventTypeNames)("%s has no field named like personal data", (type) => {
    const personal = fieldsOf(publicSchemaOf(type)).filter((f) => looksPersonal(f.name)).map((f) => f.path);
    expect(personal).toEqual([]);
  });

  it.each(eventTypeNames)("%s has no free-text string: each is a uuid, a date-time, an enum, a const, a pattern or allowed by name", (type) => {
    const free = fieldsOf(publicSchemaOf(type)).filter((f) => isString(f.schema) && !isConstrained(f.schema) && !(f.path in freeStringsAllowed)).map((f) => f.path);
    expect(free).toEqual([]);
  });

  it("allows no free string that no public schema has", () => {
    const used = new Set(eventTypeNames.flatMap((t) => fieldsOf(publicSchemaOf(t)).filter((f) => isString(f.schema) && !isConstrained(f.schema)).map((f) => f.path)));
    expect(Object.keys(freeStringsAllowed).filter((p) => !used.has(p))).toEqual([]);
  });

  it("flags a personal field and a free string (so the checks above can fail)", () => {
    const leaky: JsonSchema = { type: "object", properties: { team: { type: "object", properties: { id: { type: "string" }, contactName: { type: "string" } } }, note: { type: "string" } } };
    expect(fieldsOf(leaky).filter((f) => looksPersonal(f.name)).map((f) => f.path)).toEqual(["team.contactName"]);
    expect(fieldsOf(leaky).filter((f) => isString(f.schema) && !isConstrained(f.schema) && !(f.path in freeStringsAllowed)).map((f) => f.path)).toEqual(["team.contactName", "note"]);
  });
});

// ---- toPublicData over arbitrary valid internal events with planted personal values ----

/** Every planted personal string starts with this (and nothing else generated can hold it). */
const MARK = "PII";

function isPlanted(path: string, name: string): boolean {
  return personalNames.includes(name) || path === "actor.id";
}

/** Arbitrary values of a JSON Schema; personal string fields get planted values. */
function arbitraryOf(schema: JsonSchema, path = "", name = ""): fc.Arbitrary<unknown> {
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return fc.oneof(...variants.map((v) => arbitraryOf(v, path, name)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const types = ([] as string[]).concat(schema.type as string | string[]);
  if (types.length > 1) return fc.oneof(...types.map((t) => arbitraryOf({ ...schema, type: t }, path, name)));
  const min = schema.minimum as number | undefined;
  const max = schema.maximum as number | undefined;
  switch (types[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({ min: Math.max(min ?? -1000, -(2 ** 31)), max: Math.min(max ?? 1000, 2 ** 31 - 1) });
    case "number":
      return fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case "array":
      return fc.array(arbitraryOf(schema.items as JsonSchema, `${path}[]`, name), { maxLength: 3 });
    case "object": {
      const props = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>);
      return fc.record(Object.fromEntries(props.map(([p, s]) => [p, arbitraryOf(s, path ? `${path}.${p}` : p, p)])), { requiredKeys: (schema.required ?? []) as string[] });
    }
    case "string":
      return stringOf(schema, isPlanted(path, name));
    default:
      throw new Error(`no arbitrary for ${path}: ${JSON.stringify(schema)}`);
  }
}

function stringOf(schema: JsonSchema, planted: boolean): fc.Arbitrary<string> {
  if (schema.format === "uuid") return fc.uuid({ version: [4, 7] });
  if (schema.format === "date-time") return fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern as string));
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const base = planted
    ? fc.tuple(fc.stringMatching(/^[a-z0-9]{6}$/), fc.constantFrom("", "张伟", "Li Wei", "邻居装修")).map(([s, w]) => `${MARK}${s}${w}`)
    : fc.stringMatching(/^[a-z0-9-]{1,12}$/);
  return base.map((s) => s.padEnd(minLength, "x").slice(0, (schema.maxLength as number | undefined) ?? Infinity));
}

/** Planted values that are not marked (a phone must match its pattern): collected to look for them verbatim. */
function patternedPersonalValues(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => patternedPersonalValues(v, `${path}[]`));
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "phone" && typeof v === "string" ? [v] : patternedPersonalValues(v, path ? `${path}.${k}` : k)));
}

describe("toPublicData", () => {
  const internalValidators = compileValidators(new Map(eventTypeNames.map((t) => [t, internalSchemaOf(t)])));
  const publicValidators = compileValidators(new Map(eventTypeNames.map((t) => [t, publicSchemaOf(t)])), closed);

  it.each(eventTypeNames)("%s: the public data of any valid internal event holds none of its personal values and fits the public schema exactly", (type) => {
    fc.assert(
      fc.property(arbitraryOf(internalSchemaOf(type)), (raw) => {
        const validInternal = internalValidators.get(type)!;
        expect(validInternal(raw), describeErrors(validInternal)).toBe(true);
        const data = eventTypes[type].data.parse(raw) as EventData<typeof type>;
        const published = toPublicData(type, data);
        const text = JSON.stringify(published);
        expect(text).not.toContain(MARK);
        for (const phone of patternedPersonalValues(data)) expect(text).not.toContain(phone);
        const validPublic = publicValidators.get(type)!;
        expect(validPublic(published), describeErrors(validPublic)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("rounds the coordinates of a grievance to about 1 km", () => {
    fc.assert(
      fc.property(arbitraryOf(internalSchemaOf("grievance.received.v1")), (raw) => {
        const data = eventTypes["grievance.received.v1"].data.parse(raw);
        const published = toPublicData("grievance.received.v1", data) as { approximateLocation?: { lat: number; lon: number } };
        const exact = data.location.coordinates;
        expect(published.approximateLocation).toEqual(exact ? { lat: Math.round(exact.lat * 100) / 100, lon: Math.round(exact.lon * 100) / 100 } : undefined);
      }),
      { numRuns: 200 },
    );
  });

  it("plants personal values the check can see (so the property above can fail)", () => {
    const [raw] = fc.sample(arbitraryOf(internalSchemaOf("case.note_added.v1")), { numRuns: 1, seed: 1 }) as { text: string; actor: { id: string } }[];
    expect(raw!.text.startsWith(MARK)).toBe(true);
    expect(raw!.actor.id.startsWith(MARK)).toBe(true);
    expect(JSON.stringify(raw)).toContain(MARK);
  });
});
