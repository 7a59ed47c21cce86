// The features the category model reads: Chinese words from a maintained segmenter (jieba)
// plus character pairs and triples, English words and word pairs. Each feature keeps where it
// first stands in the folded text, so a decision can be explained in the caller's own words.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Jieba } from "@node-rs/jieba";

// The package's own dictionary, read here rather than through its dict.js, which also reads the
// 6 MB IDF table this does not use and keeps both buffers for the life of the process (11 MB of
// RSS); this one is garbage once jieba has built its own.
const jieba = Jieba.withDict(readFileSync(createRequire(import.meta.url).resolve("@node-rs/jieba/dict.txt")));

export interface TextFeature {
  key: string;
  start: number;
  end: number;
}

const HAN = /[\u3400-\u9fff]+/g;
const WORD = /[a-z][a-z']*|\d+/g;

/** Features of a folded text (normaliseText), each once, at its first place. */
export function textFeatures(folded: string): TextFeature[] {
  const seen = new Set<string>();
  const out: TextFeature[] = [];
  const add = (key: string, start: number, end: number) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ key, start, end });
  };
  for (const run of folded.matchAll(HAN)) {
    const han = run[0];
    let at = run.index;
    for (const word of jieba.cut(han, false)) {
      if (word.length > 1) add(`w:${word}`, at, at + word.length);
      at += word.length;
    }
    for (let i = 0; i < han.length; i++) {
      add(`c:${han[i]}`, run.index + i, run.index + i + 1);
      if (i + 1 < han.length) add(`c2:${han.slice(i, i + 2)}`, run.index + i, run.index + i + 2);
      if (i + 2 < han.length) add(`c3:${han.slice(i, i + 3)}`, run.index + i, run.index + i + 3);
    }
  }
  const words = [...folded.matchAll(WORD)];
  words.forEach((w, i) => {
    add(`e:${w[0]}`, w.index, w.index + w[0].length);
    const next = words[i + 1];
    if (next) add(`e2:${w[0]} ${next[0]}`, w.index, next.index + next[0].length);
  });
  return out;
}
