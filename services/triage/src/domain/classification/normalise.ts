// Text normalisation shared by the ruleset compiler and the classifier, so that a
// phrase and the text it should match are folded the same way.

export interface NormalisedText {
  text: string;
  /** For each UTF-16 unit of `text`, where its source character starts and ends in the original. */
  sourceStart: number[];
  sourceEnd: number[];
}

const QUOTES: Record<string, string> = { "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"' };

/** Full-width to half-width (NFKC), lower case, curly quotes straight, runs of whitespace to one space. */
export function normaliseWithMap(original: string): NormalisedText {
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

export function normaliseText(original: string): string {
  return normaliseWithMap(original).text;
}
