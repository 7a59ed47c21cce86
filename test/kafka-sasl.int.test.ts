// The Kafka security settings against a real SASL listener: a broker of the test's own (other
// ports, own data) with SCRAM-SHA-512 and PLAIN users, reached through the kit's config loader
// and kafkaSecurity exactly as a service reaches its brokers.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseConfig, createKafka, createLogger, kafkaSecurity, loadConfig } from "@grievance-hub/kit";

const run = promisify(execFile);
const script = path.resolve(import.meta.dirname, "../infra/kafka/kafka.sh");
const PLAINTEXT_PORT = 29692;
const SASL_PORT = 29694;
const user = { name: "triage", password: "scram-password-for-this-test" };
let env: NodeJS.ProcessEnv;
let dataDir: string;

/** Whether something listens on the port already (kafka.sh would then reuse it, not start ours). */
const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => (socket.destroy(), resolve(true)));
    socket.on("error", () => resolve(false));
  });

beforeAll(async () => {
  for (const port of [PLAINTEXT_PORT, PLAINTEXT_PORT + 1, SASL_PORT]) {
    if (await answers(port)) throw new Error(`port ${port} is taken: this test needs ${PLAINTEXT_PORT}-${SASL_PORT} for a broker of its own`);
  }
  dataDir = await mkdtemp(path.join(os.tmpdir(), "gh-sasl-broker-"));
  env = {
    ...process.env,
    KAFKA_PORT: String(PLAINTEXT_PORT),
    KAFKA_CONTROLLER_PORT: String(PLAINTEXT_PORT + 1),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_FORMAT_ARGS: `--add-scram SCRAM-SHA-512=[name=${user.name},password=${user.password}]`,
    KAFKA_EXTRA_PROPERTIES: [
      `listeners=PLAINTEXT://127.0.0.1:${PLAINTEXT_PORT},SASL_PLAINTEXT://127.0.0.1:${SASL_PORT},CONTROLLER://127.0.0.1:${PLAINTEXT_PORT + 1}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${PLAINTEXT_PORT},SASL_PLAINTEXT://127.0.0.1:${SASL_PORT}`,
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
      "sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN",
      "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user.name}="${user.password}";`,
    ].join("\n"),
  };
  await run("bash", [script, "start"], { env, timeout: 150_000 });
}, 180_000);

afterAll(async () => {
  await run("bash", [script, "stop"], { env, timeout: 60_000 }).catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
}, 90_000);

const logger = createLogger("sasl-test", "silent");
/** The cluster's id as seen through a client built from these settings: proof of a session. */
async function clusterSeenWith(settings: Record<string, string>): Promise<number> {
  const config = loadConfig(BaseConfig, { NODE_ENV: "test", KAFKA_BROKERS: `127.0.0.1:${SASL_PORT}`, ...settings });
  const kafka = createKafka({ clientId: "sasl-test", brokers: config.KAFKA_BROKERS, logger, security: kafkaSecurity(config) });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect();
  }
}

describe("a SASL listener", () => {
  it("admits the service with SCRAM-SHA-512 from KAFKA_SASL_*", async () => {
    expect(await clusterSeenWith({ KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: user.name, KAFKA_SASL_PASSWORD: user.password })).toBe(1);
  });

  it("admits it with PLAIN", async () => {
    expect(await clusterSeenWith({ KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: user.name, KAFKA_SASL_PASSWORD: user.password })).toBe(1);
  });

  it("refuses a wrong password", async () => {
    await expect(clusterSeenWith({ KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: user.name, KAFKA_SASL_PASSWORD: "not-the-password" })).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|Authentication failed/i);
  });

  it("refuses a client without SASL settings", async () => {
    await expect(clusterSeenWith({})).rejects.toThrow();
  });
});
