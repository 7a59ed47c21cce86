// The literal runs of a ruleset's phrases ("needles"), found in a text in one pass. A phrase can
// match only where all its needles occur, so a phrase whose needles are not all in the text is
// not tried: thousands of phrases cost one scan of the text instead of a substring search each.

/** The needles of a ruleset, each with an id; a phrase keeps the ids of its own. */
export class NeedleIndex {
  private readonly ids = new Map<string, number>();
  private readonly needles: string[] = [];
  /** Needles of two or more code units by their first two (c0 * 65536 + c1); those of one by that one. */
  private readonly byPair = new Map<number, number[]>();
  private readonly byUnit = new Map<number, number[]>();

  /** The ids of a phrase's needles, each needle given an id the first time it is seen. */
  intern(needles: readonly string[]): Int32Array {
    return Int32Array.from(needles, (needle) => {
      let id = this.ids.get(needle);
      if (id === undefined) {
        id = this.needles.length;
        this.ids.set(needle, id);
        this.needles.push(needle);
        const key = needle.length === 1 ? needle.charCodeAt(0) : needle.charCodeAt(0) * 65536 + needle.charCodeAt(1);
        const map = needle.length === 1 ? this.byUnit : this.byPair;
        const list = map.get(key);
        if (list) list.push(id);
        else map.set(key, [id]);
      }
      return id;
    });
  }

  get size(): number {
    return this.needles.length;
  }

  /** Which needles occur in `text`: present[id] is 1 for each. */
  scan(text: string): Uint8Array {
    const present = new Uint8Array(this.needles.length);
    for (let i = 0; i < text.length; i++) {
      const c0 = text.charCodeAt(i);
      const single = this.byUnit.get(c0);
      if (single) for (const id of single) present[id] = 1;
      if (i + 1 >= text.length) break;
      const candidates = this.byPair.get(c0 * 65536 + text.charCodeAt(i + 1));
      if (candidates) for (const id of candidates) if (present[id] === 0 && text.startsWith(this.needles[id]!, i)) present[id] = 1;
    }
    return present;
  }
}

/** Whether every needle of a phrase is in the scanned text. */
export function allPresent(needleIds: Int32Array, present: Uint8Array): boolean {
  for (let i = 0; i < needleIds.length; i++) if (present[needleIds[i]!] === 0) return false;
  return true;
}
