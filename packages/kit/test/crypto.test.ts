// Sealing, local key files and the Vault Transit provider. Vault cannot be installed here: the
// Transit provider is tested against a small HTTP server that speaks Transit's encrypt, decrypt,
// rewrap and key-read JSON (with real AES-GCM behind it, versioned like Vault's ciphertexts).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, erasedMarker, KeyringConfig, keyEncryptionKeys, LocalKeyFile, loadConfig, openWith, sealWith, VaultTransit, wrappedVersion } from "@grievance-hub/kit";
import { dataSubjectOf, GrievanceReceivedV1, GrievanceReceivedV2, openGrievanceReceived, sealGrievanceReceived } from "@grievance-hub/schema";

const key = randomBytes(32);
const keyId = "7f0c2d8e-1111-4222-8333-444455556666";

describe("sealing a personal field", () => {
  it("opens to the same text, and the sealed value does not contain it", () => {
    const sealed = sealWith(key, keyId, "complainant.name", "王小明 13800138000");
    expect(sealed).not.toContain("王小明");
    expect(sealed.startsWith(`ghs1.${keyId}.`)).toBe(true);
    expect(openWith(key, "complainant.name", sealed)).toBe("王小明 13800138000");
  });

  it("seals the same text differently each time (a fresh nonce)", () => {
    expect(sealWith(key, keyId, "f", "same")).not.toBe(sealWith(key, keyId, "f", "same"));
  });

  it("refuses a value moved to another field, opened with another key or tampered with", () => {
    const sealed = sealWith(key, keyId, "complainant.phone", "13800138000");
    expect(() => openWith(key, "complainant.name", sealed)).toThrow(/does not open/);
    expect(() => openWith(randomBytes(32), "complainant.phone", sealed)).toThrow(/does not open/);
    const tampered = sealed.slice(0, -2) + (sealed.endsWith("AA") ? "BB" : "AA");
    expect(() => openWith(key, "complainant.phone", tampered)).toThrow(/does not open/);
  });

  it("refuses a value sealed under one key id presented under another", () => {
    const sealed = sealWith(key, keyId, "f", "text");
    const other = sealed.replace(keyId, "00000000-0000-4000-8000-000000000000");
    expect(() => openWith(key, "f", other)).toThrow(/does not open/);
  });
});

function keyFile(lines: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gh-kek-")), "kek");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

describe("local key file", () => {
  const v1 = `1:${randomBytes(32).toString("base64")}`;
  const v2 = `2:${randomBytes(32).toString("base64")}`;

  it("wraps under the highest version and unwraps under the version a wrapped key names", async () => {
    const old = new LocalKeyFile(keyFile([v1]));
    const wrapped = await old.wrap(key, keyId);
    expect(wrappedVersion(wrapped)).toBe(1);
    const rotated = new LocalKeyFile(keyFile([v1, v2]));
    expect(await rotated.currentVersion()).toBe(2);
    expect((await rotated.unwrap(wrapped, keyId)).equals(key)).toBe(true);
    const rewrapped = await rotated.rewrap(wrapped, keyId);
    expect(wrappedVersion(rewrapped)).toBe(2);
    expect((await new LocalKeyFile(keyFile([v2])).unwrap(rewrapped, keyId)).equals(key)).toBe(true);
  });

  it("cannot unwrap once the version that wrapped a key is removed from the file", async () => {
    const wrapped = await new LocalKeyFile(keyFile([v1])).wrap(key, keyId);
    await expect(new LocalKeyFile(keyFile([v2])).unwrap(wrapped, keyId)).rejects.toThrow(/version 1 is not in the key file/);
  });

  it("binds a wrapped key to its key id", async () => {
    const kek = new LocalKeyFile(keyFile([v1]));
    const wrapped = await kek.wrap(key, keyId);
    await expect(kek.unwrap(wrapped, "another-key-id")).rejects.toThrow();
  });

  it("refuses a malformed file, naming the line", () => {
    expect(() => new LocalKeyFile(keyFile(["1:short"]))).toThrow(/:1: expected <version>:<base64 of 32 bytes>/);
  });
});

describe("key provider configuration", () => {
  it("refuses to start in production without KEK_FILE or VAULT_ADDR, naming KEK_FILE", () => {
    expect(() => loadConfig(KeyringConfig, { NODE_ENV: "production" })).toThrow(/KEK_FILE: must be set with NODE_ENV=production/);
    expect(loadConfig(KeyringConfig, { NODE_ENV: "production", VAULT_ADDR: "https://vault:8200", VAULT_TOKEN: "t" }).VAULT_ADDR).toBe("https://vault:8200");
  });

  it("uses the repository's development key file in development", async () => {
    const kek = keyEncryptionKeys(loadConfig(KeyringConfig, { NODE_ENV: "development" }));
    expect(await kek.currentVersion()).toBeGreaterThanOrEqual(1);
  });

  it("names the variable when the key file is missing or VAULT_TOKEN is", () => {
    expect(() => keyEncryptionKeys(loadConfig(KeyringConfig, { NODE_ENV: "test", KEK_FILE: "/nonexistent/kek" }))).toThrow(ConfigError);
    expect(() => keyEncryptionKeys(loadConfig(KeyringConfig, { NODE_ENV: "test", KEK_FILE: "/nonexistent/kek" }))).toThrow(/KEK_FILE/);
    expect(() => keyEncryptionKeys(loadConfig(KeyringConfig, { NODE_ENV: "test", VAULT_ADDR: "http://vault:8200" }))).toThrow(/VAULT_TOKEN: required with VAULT_ADDR/);
  });
});

/** Transit's JSON over HTTP, as far as the provider uses it: one key `hub` under mount `transit`. */
function fakeTransit(token: string): { server: Server; rotate: () => void; requests: string[] } {
  const versions = [randomBytes(32)];
  const requests: string[] = [];
  const encrypt = (plaintext: Buffer) => {
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", versions.at(-1)!, nonce);
    const body = Buffer.concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
    return `vault:v${versions.length}:${body.toString("base64")}`;
  };
  const decrypt = (ciphertext: string) => {
    const [, v, b] = /^vault:v(\d+):(.*)$/.exec(ciphertext)!;
    const body = Buffer.from(b!, "base64");
    const d = createDecipheriv("aes-256-gcm", versions[Number(v) - 1]!, body.subarray(0, 12));
    d.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
  };
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      requests.push(`${req.method} ${req.url}`);
      const reply = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.headers["x-vault-token"] !== token) return reply(403, { errors: ["permission denied"] });
      const input = raw ? (JSON.parse(raw) as { plaintext?: string; ciphertext?: string }) : {};
      switch (`${req.method} ${req.url}`) {
        case "GET /v1/transit/keys/hub":
          return reply(200, { data: { latest_version: versions.length, type: "aes256-gcm96" } });
        case "POST /v1/transit/encrypt/hub":
          return reply(200, { data: { ciphertext: encrypt(Buffer.from(input.plaintext!, "base64")) } });
        case "POST /v1/transit/decrypt/hub":
          return reply(200, { data: { plaintext: decrypt(input.ciphertext!).toString("base64") } });
        case "POST /v1/transit/rewrap/hub":
          return reply(200, { data: { ciphertext: encrypt(decrypt(input.ciphertext!)) } });
        default:
          return reply(404, { errors: [] });
      }
    });
  });
  return { server, rotate: () => versions.push(randomBytes(32)), requests };
}

describe("Vault Transit provider", () => {
  const vault = fakeTransit("s.test-token");
  let address = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => vault.server.listen(0, "127.0.0.1", resolve));
    address = `http://127.0.0.1:${(vault.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => vault.server.close(() => resolve())));

  it("wraps through encrypt, unwraps through decrypt, and re-wraps under the new version after a rotation", async () => {
    const transit = new VaultTransit({ address, token: "s.test-token", keyName: "hub" });
    const wrapped = await transit.wrap(key);
    expect(wrappedVersion(wrapped)).toBe(1);
    expect(wrapped).not.toContain(key.toString("base64"));
    expect((await transit.unwrap(wrapped)).equals(key)).toBe(true);
    vault.rotate();
    expect(await transit.currentVersion()).toBe(2);
    const rewrapped = await transit.rewrap(wrapped);
    expect(wrappedVersion(rewrapped)).toBe(2);
    expect((await transit.unwrap(rewrapped)).equals(key)).toBe(true);
    expect(vault.requests).toEqual(expect.arrayContaining(["POST /v1/transit/encrypt/hub", "POST /v1/transit/decrypt/hub", "POST /v1/transit/rewrap/hub", "GET /v1/transit/keys/hub"]));
  });

  it("reports Vault's refusal without the data key", async () => {
    const transit = new VaultTransit({ address, token: "wrong", keyName: "hub" });
    const failure = await transit.wrap(key).catch((err: Error) => err.message);
    expect(failure).toMatch(/403 permission denied/);
    expect(failure).not.toContain(key.toString("base64"));
  });
});

describe("grievance.received.v2", () => {
  const v1 = GrievanceReceivedV1.parse({
    grievanceId: "3f1c2a9e-5b7d-4c8e-9a1b-2c3d4e5f6a7b", trackingCode: "TAERX-6MFTA", channel: "phone", receivedAt: "2026-12-05T06:00:00.000Z",
    divisionCode: "440402001001", language: "zh", description: "邻居装修噪音每天到深夜",
    complainant: { anonymous: false, name: "欧阳娜娜", phone: "+8613800138472", phoneHash: "a".repeat(64), language: "zh", consentToContact: true },
    location: { divisionCode: "440402001001", address: "Flat 7, 12 Lotus Lane", coordinates: { lat: 22.271234, lon: 113.576543 } },
  });
  const seal = (field: string, value: string) => sealWith(key, keyId, field, value);

  it("carries every personal field sealed, the coordinates rounded in clear, and opens to the v1 it seals", async () => {
    const v2 = GrievanceReceivedV2.parse(sealGrievanceReceived(v1, seal));
    const json = JSON.stringify(v2);
    for (const s of ["邻居装修", "欧阳娜娜", "13800138472", "Lotus Lane", "22.271234"]) expect(json).not.toContain(s);
    expect(v2.location.approximateCoordinates).toEqual({ lat: 22.27, lon: 113.58 });
    expect(await openGrievanceReceived(v2, async (field, value) => openWith(key, field, value))).toEqual(v1);
    expect(dataSubjectOf(v1)).toBe(`phone:${"a".repeat(64)}`);
  });

  it("opens as erased fields and the approximate coordinates once the key is gone", async () => {
    const v2 = sealGrievanceReceived(v1, seal);
    const opened = await openGrievanceReceived(v2, async () => erasedMarker);
    expect(opened).toMatchObject({ description: erasedMarker, complainant: { name: erasedMarker, phone: erasedMarker }, location: { address: erasedMarker, coordinates: { lat: 22.27, lon: 113.58 } } });
  });
});
