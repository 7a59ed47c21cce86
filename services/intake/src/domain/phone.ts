import { createHmac } from "node:crypto";

/** A phone number intake cannot read, as a problem+json field error (the code lets the console translate it). */
export const invalidPhone = (field: string) => ({ field, message: "not a valid phone number", code: "invalid_phone" });
import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

/** E.164 form of a phone number, or null when it is not a possible number. */
export function normalisePhone(input: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(input, defaultRegion as CountryCode);
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/** Keyed hash of the E.164 number: equal for the same caller, useless without the key. */
export function phoneHash(e164: string, key: string): string {
  return createHmac("sha256", key).update(e164).digest("hex");
}
