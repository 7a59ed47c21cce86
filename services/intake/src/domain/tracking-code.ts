// The code a caller is read out on the phone: no characters that sound or look alike
// (0/O, 1/I/L), 10 symbols of a 31-symbol alphabet = 49.5 bits from a CSPRNG.
import { randomInt } from "node:crypto";

export const TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH = 10;

export function newTrackingCode(): string {
  let code = "";
  for (let i = 0; i < LENGTH; i++) code += TRACKING_ALPHABET[randomInt(TRACKING_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** Canonical form of what a caller types or says: upper case, separators dropped. Null if it cannot be a code. */
export function normaliseTrackingCode(input: string): string | null {
  const raw = input.toUpperCase().replace(/[\s-]/g, "");
  if (raw.length !== LENGTH || [...raw].some((c) => !TRACKING_ALPHABET.includes(c))) return null;
  return `${raw.slice(0, 5)}-${raw.slice(5)}`;
}
