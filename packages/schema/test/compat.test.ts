import { describe, expect, it } from "vitest";
import { breakingChanges } from "../scripts/compat";
import { eventSchemas, type JsonSchema } from "../scripts/contract";

const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({ type: "object", properties, required });
const str: JsonSchema = { type: "string" };
const urgency: JsonSchema = { type: "string", enum: ["P1", "P2", "P3", "P4"] };
const team: JsonSchema = object({ id: { type: "string", minLength: 1 }, level: { type: "string", enum: ["community", "street", "district"] } });

describe("breakingChanges", () => {
  const breaking: [string, JsonSchema, JsonSchema, string[]][] = [
    ["a removed field", object({ a: str, b: str }), object({ a: str }), ["b: removed"]],
    ["a renamed field (removed, and added as required)", object({ urgency }), object({ priority: urgency }), ["urgency: removed", "priority: added as a required field"]],
    ["a changed type", object({ n: { type: "integer" } }), object({ n: { type: "string" } }), ["n: type changed from integer to string"]],
    ["a number narrowed to an integer", object({ n: { type: "number" } }), object({ n: { type: "integer" } }), ["n: type changed from number to integer"]],
    ["an optional field made required", object({ a: str, b: str }, ["a"]), object({ a: str, b: str }, ["a", "b"]), ["b: optional field made required"]],
    ["an added required field", object({ a: str }), object({ a: str, b: str }), ["b: added as a required field"]],
    ["a narrowed enum", object({ urgency }), object({ urgency: { type: "string", enum: ["P1", "P2", "P3"] } }), ['urgency: enum narrowed, "P4" no longer allowed']],
    ["a changed const", object({ status: { type: "string", const: "received" } }), object({ status: { type: "string", const: "opened" } }), ['status: const changed from "received" to "opened"']],
    ["a free string restricted to values", object({ rule: str }), object({ rule: { type: "string", enum: ["a", "b"] } }), ['rule: restricted to "a", "b"']],
    ["a nested removed field", object({ team }), object({ team: object({ id: { type: "string", minLength: 1 } }) }), ["team.level: removed"]],
    ["a field removed from array items", object({ signals: { type: "array", items: object({ rule: str, level: urgency }, ["rule"]) } }), object({ signals: { type: "array", items: object({ rule: str }) } }), ["signals[].level: removed"]],
    ["a nullable field made non-nullable", object({ team: { anyOf: [team, { type: "null" }] } }), object({ team }), ["team: no longer accepts null"]],
    ["a nullable string made non-nullable", object({ place: { type: ["string", "null"] } }), object({ place: str }), ["place: type changed from string|null to string"]],
    ["a field removed from a union variant", { oneOf: [object({ anonymous: { type: "boolean", const: false }, name: str }), object({ anonymous: { type: "boolean", const: true } })] }, { oneOf: [object({ anonymous: { type: "boolean", const: false } }), object({ anonymous: { type: "boolean", const: true } })] }, ["(anonymous=false).name: removed"]],
    ["a union variant removed", { oneOf: [object({ anonymous: { type: "boolean", const: false } }), object({ anonymous: { type: "boolean", const: true } })] }, { oneOf: [object({ anonymous: { type: "boolean", const: false } })] }, ["(data): no longer accepts anonymous=true"]],
    ["a changed format", object({ at: { type: "string", format: "date-time" } }), object({ at: { type: "string", format: "date" } }), ["at: format changed from date-time to date"]],
    ["a tightened pattern", object({ code: { type: "string", pattern: "^\\d{6,12}$" } }), object({ code: { type: "string", pattern: "^\\d{12}$" } }), ["code: pattern changed from /^\\d{6,12}$/ to /^\\d{12}$/"]],
    ["a lowered maximum length", object({ s: { type: "string", maxLength: 500 } }), object({ s: { type: "string", maxLength: 200 } }), ["s: maxLength lowered from 500 to 200"]],
    ["a raised minimum", object({ n: { type: "integer", minimum: 0 } }), object({ n: { type: "integer", minimum: 1 } }), ["n: minimum raised from 0 to 1"]],
    ["an object closed to undeclared fields", object({ a: str }), { ...object({ a: str }), additionalProperties: false }, ["(data): closed to properties it does not declare"]],
  ];
  it.each(breaking)("flags %s", (_, before, after, expected) => {
    expect(breakingChanges(before, after)).toEqual(expected);
  });

  const compatible: [string, JsonSchema, JsonSchema][] = [
    ["an added optional field", object({ a: str }), object({ a: str, b: str }, ["a"])],
    ["a required field made optional", object({ a: str, b: str }), object({ a: str, b: str }, ["a"])],
    ["a widened enum", object({ urgency: { type: "string", enum: ["P1", "P2"] } }), object({ urgency })],
    ["an integer widened to a number", object({ n: { type: "integer" } }), object({ n: { type: "number" } })],
    ["a field made nullable", object({ team }), object({ team: { anyOf: [team, { type: "null" }] } })],
    ["a raised maximum length", object({ s: { type: "string", maxLength: 200 } }), object({ s: { type: "string", maxLength: 500 } })],
    ["changed descriptions", object({ a: { ...str, description: "old" } }), object({ a: { ...str, description: "new" } })],
  ];
  it.each(compatible)("accepts %s", (_, before, after) => {
    expect(breakingChanges(before, after)).toEqual([]);
  });

  it("accepts every real schema unchanged", () => {
    for (const type of ["grievance.received.v1", "case.assigned.v1", "case.queued.v1", "grievance.triaged.v1"] as const) {
      const s = eventSchemas(type);
      expect(breakingChanges(s.internal, structuredClone(s.internal)), type).toEqual([]);
      expect(breakingChanges(s.public, structuredClone(s.public)), type).toEqual([]);
    }
  });

  it("fails grievance.received.v1 with a field removed, an optional field made required and the complainant's name dropped", () => {
    const published = eventSchemas("grievance.received.v1").internal;
    const broken = structuredClone(published) as { properties: Record<string, JsonSchema>; required: string[] };
    const location = broken.properties.location as { properties: Record<string, unknown> };
    delete location.properties.address;
    broken.required.push("externalReference");
    const named = (broken.properties.complainant!.oneOf as { properties: Record<string, unknown>; required: string[] }[])[0]!;
    delete named.properties.name;
    named.required = named.required.filter((r) => r !== "name");
    expect(breakingChanges(published, broken)).toEqual([
      "complainant(anonymous=false).name: removed",
      "location.address: removed",
      "externalReference: optional field made required",
    ]);
  });
});
