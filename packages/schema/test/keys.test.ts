import { describe, expect, it } from "vitest";
import { partitionKeyFor } from "../src/keys";

describe("partitionKeyFor", () => {
  const cases: [string, string, string][] = [
    ["keys a village's grievance by its district", "440402001001", "440402"],
    ["keys a street's grievance by the same district", "440402001", "440402"],
    ["keys a district-level grievance by itself", "440402", "440402"],
    ["keys a neighbouring district apart", "440403001001", "440403"],
  ];
  for (const [behaviour, division, key] of cases) it(behaviour, () => expect(partitionKeyFor(division)).toBe(key));

  it("refuses what is not a division code", () => {
    expect(() => partitionKeyFor("44A402")).toThrow(/6 to 12 digits/);
    expect(() => partitionKeyFor("44040")).toThrow(/6 to 12 digits/);
  });
});
