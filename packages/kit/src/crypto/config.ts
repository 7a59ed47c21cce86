import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError, developmentDefault } from "../config";
import { LocalKeyFile, VaultTransit, type KeyEncryptionKeys } from "./kek";

/** The key file in this repository: as public as the code, for development and tests only. */
const developmentKekFile = fileURLToPath(new URL("../../dev/development.kek", import.meta.url));

/** Where the key-encryption key comes from (a local key file, or Vault Transit when VAULT_ADDR is set) and the data-key cache. */
export const KeyringConfig = z.object({
  /** Local key file of KEK versions (`<version>:<base64 of 32 bytes>` per line); not needed with VAULT_ADDR. */
  KEK_FILE: developmentDefault(z.string().min(1).default(developmentKekFile), { secret: true, unless: "VAULT_ADDR" }),
  /** Vault (or OpenBao) address; set, the KEK is the Transit key VAULT_TRANSIT_KEY and KEK_FILE is not read. */
  VAULT_ADDR: z.url().optional(),
  VAULT_TOKEN: z.string().min(1).optional(),
  VAULT_TRANSIT_MOUNT: z.string().min(1).default("transit"),
  VAULT_TRANSIT_KEY: z.string().min(1).default("grievance-hub"),
  /** Unwrapped data keys kept in memory, and for how long: an erasure reaches other replicas' caches within the TTL at the latest. */
  KEYRING_CACHE_SIZE: z.coerce.number().int().min(1).default(10_000),
  KEYRING_CACHE_TTL_MS: z.coerce.number().int().min(1000).default(60_000),
});
export type KeyringConfig = z.infer<typeof KeyringConfig>;

export function keyEncryptionKeys(config: KeyringConfig): KeyEncryptionKeys {
  if (config.VAULT_ADDR) {
    if (!config.VAULT_TOKEN) throw new ConfigError("invalid configuration:\n  VAULT_TOKEN: required with VAULT_ADDR");
    return new VaultTransit({ address: config.VAULT_ADDR, token: config.VAULT_TOKEN, keyName: config.VAULT_TRANSIT_KEY, mount: config.VAULT_TRANSIT_MOUNT });
  }
  try {
    return new LocalKeyFile(config.KEK_FILE);
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  KEK_FILE: ${(err as Error).message}`);
  }
}
