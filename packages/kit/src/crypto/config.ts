import { ConfigError, type KeyringConfig } from "../config";
import { LocalKeyFile, VaultTransit, type KeyEncryptionKeys } from "./kek";

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
