import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allPresent, NeedleIndex } from "../src/domain/classification/needles";

describe("NeedleIndex", () => {
  it("finds needles of one and of several code units, overlapping ones, and one at the very end", () => {
    const index = new NeedleIndex();
    const [hit, beat, a, tail, absent] = [index.intern(["打"]), index.intern(["打人", "人"]), index.intern(["abab"]), index.intern(["end"]), index.intern(["x"])];
    const present = index.scan("他打人了 ababab the end");
    expect(allPresent(hit!, present)).toBe(true);
    expect(allPresent(beat!, present)).toBe(true);
    expect(allPresent(a!, present)).toBe(true);
    expect(allPresent(tail!, present)).toBe(true);
    expect(allPresent(absent!, present)).toBe(false);
    expect(allPresent(index.intern(["打人", "x"]), present)).toBe(false);
    expect(allPresent(new Int32Array(0), present)).toBe(true);
  });

  it("gives a needle seen twice one id", () => {
    const index = new NeedleIndex();
    expect([...index.intern(["kill", "kill"])]).toEqual([0, 0]);
    expect([...index.intern(["knife", "kill"])]).toEqual([1, 0]);
    expect(index.size).toBe(2);
  });

  it("agrees with a substring search for every phrase and text", () => {
    const unit = fc.constantFrom("a", "b", "打", "人", " ", "😀");
    const word = fc.array(unit, { minLength: 1, maxLength: 4 }).map((u) => u.join(""));
    fc.assert(
      fc.property(fc.array(fc.array(word, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), fc.array(unit, { maxLength: 30 }), (phrases, chars) => {
        const text = chars.join("");
        const index = new NeedleIndex();
        const ids = phrases.map((needles) => index.intern(needles));
        const present = index.scan(text);
        phrases.forEach((needles, i) => expect(allPresent(ids[i]!, present)).toBe(needles.every((n) => text.includes(n))));
      }),
      { numRuns: 500 },
    );
  });
});
