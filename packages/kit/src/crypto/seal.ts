// Sealing one personal field with a data key: AES-256-GCM, a fresh 96-bit nonce per value, and
// the data key's id and the field's name as associated data, so a sealed value moved to another
// field or presented under another key fails to open instead of yielding text.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** What every sealed value starts with: a reader tells a sealed value from text (old rows, v1 events). */
export const sealedPrefix = "ghs1.";
/** What a projection shows in place of a field whose person was erased. */
export const erasedMarker = "[erased]";

const nonceBytes = 12;
const tagBytes = 16;

export function isSealed(value: string): boolean {
  return value.startsWith(sealedPrefix);
}

/** `ghs1.<key id>.<base64url nonce | ciphertext | tag>` */
export function sealWith(dataKey: Buffer, keyId: string, field: string, plaintext: string): string {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv("aes-256-gcm", dataKey, nonce);
  cipher.setAAD(associatedData(keyId, field));
  const body = Buffer.concat([nonce, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${sealedPrefix}${keyId}.${body.toString("base64url")}`;
}

/** The key id a sealed value was sealed under. */
export function sealedKeyId(sealed: string): string {
  const dot = sealed.indexOf(".", sealedPrefix.length);
  if (!isSealed(sealed) || dot < 0) throw new SealedValueError("not a sealed value");
  return sealed.slice(sealedPrefix.length, dot);
}

export function openWith(dataKey: Buffer, field: string, sealed: string): string {
  const keyId = sealedKeyId(sealed);
  const body = Buffer.from(sealed.slice(sealedPrefix.length + keyId.length + 1), "base64url");
  if (body.length < nonceBytes + tagBytes) throw new SealedValueError("sealed value too short");
  const decipher = createDecipheriv("aes-256-gcm", dataKey, body.subarray(0, nonceBytes));
  decipher.setAAD(associatedData(keyId, field));
  decipher.setAuthTag(body.subarray(body.length - tagBytes));
  try {
    return Buffer.concat([decipher.update(body.subarray(nonceBytes, body.length - tagBytes)), decipher.final()]).toString("utf8");
  } catch {
    throw new SealedValueError(`sealed value does not open as field ${field} under key ${keyId}`);
  }
}

function associatedData(keyId: string, field: string): Buffer {
  return Buffer.from(`${keyId}\u0000${field}`, "utf8");
}

export class SealedValueError extends Error {
  override name = "SealedValueError";
}
