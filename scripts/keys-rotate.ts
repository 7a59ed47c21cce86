// `pnpm keys:rotate`: re-wraps every live data key under the KEK's current version (after a new
// line in KEK_FILE, or `vault write -f transit/keys/<name>/rotate`). Safe to run while the
// services run and to run again; values sealed under the data keys are not touched.
import { BaseConfig, createLogger, createPool, Keyring, keyEncryptionKeys, KeyringConfig, loadConfig } from "@grievance-hub/kit";

const config = loadConfig(BaseConfig.pick({ NODE_ENV: true, DATABASE_URL: true }).extend(KeyringConfig.shape));
const logger = createLogger("keys-rotate", "warn");
const pool = createPool({ databaseUrl: config.DATABASE_URL, size: 1, connectTimeoutMs: 5000, schema: "keyring", logger });
try {
  const { rewrapped, version } = await new Keyring(pool, keyEncryptionKeys(config)).rotate();
  process.stdout.write(`re-wrapped ${rewrapped} data keys under KEK version ${version}\n`);
} catch (err) {
  process.stderr.write(`keys:rotate: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
