// Key-encryption keys: what wraps the data keys. A provider wraps and unwraps a data key and
// re-wraps one under its newest KEK version (rotation). Wrapped keys name the KEK version they
// were wrapped under (`local:v2:…`, Vault's own `vault:v2:…`).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

export interface KeyEncryptionKeys {
  /** The version new data keys are wrapped under. */
  currentVersion(): Promise<number>;
  wrap(dataKey: Buffer, keyId: string): Promise<string>;
  unwrap(wrapped: string, keyId: string): Promise<Buffer>;
  /** The same data key wrapped under the current version. */
  rewrap(wrapped: string, keyId: string): Promise<string>;
}

/** The KEK version a wrapped data key names. */
export function wrappedVersion(wrapped: string): number {
  const match = /^[a-z]+:v(\d+):/.exec(wrapped);
  if (!match) throw new Error("wrapped data key without a KEK version");
  return Number(match[1]);
}

/**
 * KEKs from a local file, one `<version>:<base64 of 32 bytes>` per line; the highest version is
 * current. Rotation: append a line with a higher version, restart, run `pnpm keys:rotate`; remove
 * the old line once no data key names it.
 */
export class LocalKeyFile implements KeyEncryptionKeys {
  private readonly keys = new Map<number, Buffer>();
  private readonly current: number;

  constructor(file: string) {
    for (const [i, line] of readFileSync(file, "utf8").split("\n").entries()) {
      if (line.trim() === "" || line.startsWith("#")) continue;
      const match = /^(\d+):([A-Za-z0-9+/=]+)\s*$/.exec(line);
      const key = match ? Buffer.from(match[2]!, "base64") : undefined;
      if (!match || key?.length !== 32) throw new Error(`${file}:${i + 1}: expected <version>:<base64 of 32 bytes>`);
      this.keys.set(Number(match[1]), key!);
    }
    if (this.keys.size === 0) throw new Error(`${file}: no key`);
    this.current = Math.max(...this.keys.keys());
  }

  async currentVersion(): Promise<number> {
    return this.current;
  }

  async wrap(dataKey: Buffer, keyId: string): Promise<string> {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.keys.get(this.current)!, nonce);
    cipher.setAAD(Buffer.from(keyId));
    const body = Buffer.concat([nonce, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return `local:v${this.current}:${body.toString("base64")}`;
  }

  async unwrap(wrapped: string, keyId: string): Promise<Buffer> {
    const version = wrappedVersion(wrapped);
    const kek = this.keys.get(version);
    if (!kek) throw new Error(`KEK version ${version} is not in the key file`);
    const body = Buffer.from(wrapped.slice(wrapped.indexOf(":", 6) + 1), "base64");
    const decipher = createDecipheriv("aes-256-gcm", kek, body.subarray(0, 12));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]);
  }

  async rewrap(wrapped: string, keyId: string): Promise<string> {
    return wrappedVersion(wrapped) === this.current ? wrapped : this.wrap(await this.unwrap(wrapped, keyId), keyId);
  }
}

/**
 * Vault's Transit secrets engine (or OpenBao's): the KEK never leaves Vault; data keys are sent
 * to `encrypt`, `decrypt` and `rewrap` of one named key (type aes256-gcm96, the default).
 * Rotation: `vault write -f transit/keys/<name>/rotate`, then `pnpm keys:rotate`; afterwards
 * raise the key's `min_decryption_version` so backups' wrapped keys no longer open.
 */
export class VaultTransit implements KeyEncryptionKeys {
  constructor(private readonly opts: { address: string; token: string; keyName: string; mount?: string; timeoutMs?: number }) {}

  async currentVersion(): Promise<number> {
    const body = (await this.call("GET", `keys/${this.opts.keyName}`)) as { data: { latest_version: number } };
    return body.data.latest_version;
  }

  async wrap(dataKey: Buffer): Promise<string> {
    const body = (await this.call("POST", `encrypt/${this.opts.keyName}`, { plaintext: dataKey.toString("base64")})) as { data: { ciphertext: string } };
    return body.data.ciphertext;
  }

  async unwrap(wrapped: string): Promise<Buffer> {
    const body = (await this.call("POST", `decrypt/${this.opts.keyName}`, { ciphertext: wrapped})) as { data: { plaintext: string } };
    return Buffer.from(body.data.plaintext, "base64");
  }

  async rewrap(wrapped: string): Promise<string> {
    const body = (await this.call("POST", `rewrap/${this.opts.keyName}`, { ciphertext: wrapped})) as { data: { ciphertext: string } };
    return body.data.ciphertext;
  }

  private async call(method: "GET" | "POST", path: string, payload?: unknown): Promise<unknown> {
    const url = new URL(`v1/${this.opts.mount ?? "transit"}/${path}`, this.opts.address.endsWith("/") ? this.opts.address : `${this.opts.address}/`);
    const response = await fetch(url, {
      method,
      headers: { "X-Vault-Token": this.opts.token, ...(payload ? { "content-type": "application/json" } : {}) },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
    });
    if (!response.ok) {
      // Vault's errors name the key and the path, never the plaintext.
      const errors = ((await response.json().catch(() => ({}))) as { errors?: string[] }).errors ?? [];
      throw new Error(`Vault transit ${method} ${path}: ${response.status} ${errors.join("; ")}`);
    }
    return response.json();
  }
}
