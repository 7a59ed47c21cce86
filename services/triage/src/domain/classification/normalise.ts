// Text normalisation shared by the ruleset compiler and the classifier, so that a
// phrase and the text it should match are folded the same way.

export interface NormalisedText {
  text: string;
  /** For each UTF-16 unit of `text`, where its source character starts and ends in the original. */
  sourceStart: number[];
  sourceEnd: number[];
}

const QUOTES: Record<string, string> = { "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"' };

/** Whether a code point folds to itself and is not whitespace: ASCII other than capitals and whitespace, and Han ideographs. */
function foldsToItself(code: number): boolean {
  if (code < 0x80) return !(code >= 65 && code <= 90) && code !== 32 && !(code >= 9 && code <= 13);
  return (code >= 0x4e00 && code <= 0x9fff) || (code >= 0x3400 && code <= 0x4dbf);
}

/**
 * Full-width to half-width (NFKC), lower case, curly quotes straight, runs of whitespace to one space.
 * Characters that fold to themselves (most of a text) are copied a run at a time, without a string each.
 */
export function normaliseWithMap(original: string): NormalisedText {
  let text = "";
  const sourceStart: number[] = [];
  const sourceEnd: number[] = [];
  let runStart = 0;
  let lastIsSpace = false;
  for (let offset = 0; offset < original.length; ) {
    const code = original.codePointAt(offset)!;
    const start = offset;
    offset += code > 0xffff ? 2 : 1;
    if (foldsToItself(code)) {
      sourceStart.push(start);
      sourceEnd.push(offset);
      lastIsSpace = false;
      continue;
    }
    text += original.slice(runStart, start);
    runStart = offset;
    const char = original.slice(start, offset);
    let folded = QUOTES[char] ?? char.normalize("NFKC").toLowerCase();
    if (/^\s+$/u.test(folded)) {
      if (sourceStart.length === 0 || lastIsSpace) continue;
      folded = " ";
    }
    for (let i = 0; i < folded.length; i++) {
      sourceStart.push(start);
      sourceEnd.push(offset);
    }
    text += folded;
    lastIsSpace = folded.endsWith(" ");
  }
  text += original.slice(runStart);
  if (lastIsSpace) {
    text = text.slice(0, -1);
    sourceStart.pop();
    sourceEnd.pop();
  }
  return { text, sourceStart, sourceEnd };
}

export function normaliseText(original: string): string {
  return normaliseWithMap(original).text;
}
