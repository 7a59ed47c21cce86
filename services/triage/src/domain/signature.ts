// A description's signature: what the related-grievance search compares instead of the text,
// so triage keeps no description in clear. The trigrams pg_trgm would take (each run of letters
// and digits, lower-cased, padded with two spaces before and one after) are each put through
// AES-256 under a secret of triage's own (a keyed pseudo-random permutation: without the secret
// a signature says nothing about the words) and the first 32 bits kept. The share of trigrams two
// signatures have in common is pg_trgm's similarity of the two texts, but for a collision once
// in four billion.
import { createCipheriv } from "node:crypto";

const block = 16;

/** The distinct trigrams of `text`, as pg_trgm forms them. */
export function trigramsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const chars = [" ", " ", ...word, " "];
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars[i]! + chars[i + 1]! + chars[i + 2]!);
  }
  return out;
}

/** The sorted, distinct 32-bit values of the keyed trigrams of `text` (`secret`: 32 bytes). */
export function descriptionSignature(text: string, secret: Buffer): number[] {
  const trigrams = [...trigramsOf(text)];
  if (trigrams.length === 0) return [];
  // One block per trigram (length byte, UTF-8, zero padding: at most 12 bytes of text), one cipher call for all.
  const input = Buffer.alloc(trigrams.length * block);
  trigrams.forEach((t, i) => {
    const n = input.write(t, i * block + 1, block - 1, "utf8");
    input[i * block] = n;
  });
  const cipher = createCipheriv("aes-256-ecb", secret, null).setAutoPadding(false);
  const out = Buffer.concat([cipher.update(input), cipher.final()]);
  const values = new Set<number>();
  for (let i = 0; i < trigrams.length; i++) values.add(out.readInt32BE(i * block));
  return [...values].sort((a, b) => a - b);
}

/** The share of trigrams two signatures have in common (pg_trgm's similarity); the SQL function `signature_similarity` computes the same. */
export function signatureSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const set = new Set(a);
  let shared = 0;
  for (const v of b) if (set.has(v)) shared++;
  return shared / (a.length + b.length - shared);
}
