import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseWithMap, type NormalisedText } from "../src/domain/classification/normalise";

const QUOTES: Record<string, string> = { "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"' };

/** The definition, a character at a time (normaliseWithMap copies characters that fold to themselves a run at a time). */
function reference(original: string): NormalisedText {
  let text = "";
  const sourceStart: number[] = [];
  const sourceEnd: number[] = [];
  let offset = 0;
  for (const char of original) {
    const start = offset;
    offset += char.length;
    let folded = QUOTES[char] ?? char.normalize("NFKC").toLowerCase();
    if (/^\s+$/u.test(folded)) {
      if (text === "" || text.endsWith(" ")) continue;
      folded = " ";
    }
    for (let i = 0; i < folded.length; i++) {
      sourceStart.push(start);
      sourceEnd.push(offset);
    }
    text += folded;
  }
  if (text.endsWith(" ")) {
    text = text.slice(0, -1);
    sourceStart.pop();
    sourceEnd.pop();
  }
  return { text, sourceStart, sourceEnd };
}

describe("normaliseWithMap", () => {
  it("folds full width, case, quotes and whitespace, and maps each unit back to its source character", () => {
    expect(normaliseWithMap("  ＡＢＣ　打人，\u201cNo\u201d  ok ")).toEqual({
      text: "abc 打人,\"no\" ok",
      sourceStart: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16],
      sourceEnd: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17],
    });
  });

  it("agrees with the character-at-a-time definition on any text", () => {
    const pieces = fc.constantFrom("a", "Z", " ", "\t", "\n", "\u3000", "\u00a0", "打", "人", "㐀", "Ａ", "１", "，", "。", "\u2019", "\u201c", "ﬁ", "İ", "Σ", "😀", "\ud800", "\u00a8", "ｶ", "\u0301", ".");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(normaliseWithMap(text)).toEqual(reference(text));
      }),
      { numRuns: 2000 },
    );
  });
});
