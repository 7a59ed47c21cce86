// The Kafka security settings: which combinations start, and what kafkajs is given for them.
import { describe, expect, it } from "vitest";
import { BaseConfig, ConfigError, createsTopics, kafkaSecurity, loadConfig } from "@grievance-hub/kit";

const files: Record<string, string> = { "/etc/kafka/ca.crt": "CA PEM", "/etc/kafka/user.crt": "CERT PEM", "/etc/kafka/user.key": "KEY PEM" };
const readFile = (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return text;
};
// Outside production unless a case says otherwise: the development defaults (database, brokers) are accepted.
const inTest = (env: Record<string, string>) => ({ NODE_ENV: "test", ...env });
const production = { NODE_ENV: "production", JWT_SECRET: "a-production-secret-of-at-least-32-characters", DATABASE_URL: "postgres://triage@db:5432/gh", KAFKA_BROKERS: "kafka:9093", KEK_FILE: "/etc/grievance-hub-kek/kek" };
const securityFor = (env: Record<string, string>) => kafkaSecurity(loadConfig(BaseConfig, inTest(env)), readFile);

describe("kafka client security from the environment", () => {
  it.each([
    ["no settings: plaintext, no SASL", {}, {}],
    ["KAFKA_SSL alone: TLS with the system's CAs", { KAFKA_SSL: "true" }, { ssl: true }],
    ["a CA file: TLS trusting that CA only", { KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: "/etc/kafka/ca.crt" }, { ssl: { ca: ["CA PEM"] } }],
    [
      "CA, client certificate and key: mutual TLS",
      { KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: "/etc/kafka/ca.crt", KAFKA_SSL_CERT_FILE: "/etc/kafka/user.crt", KAFKA_SSL_KEY_FILE: "/etc/kafka/user.key" },
      { ssl: { ca: ["CA PEM"], cert: "CERT PEM", key: "KEY PEM" } },
    ],
    [
      "SCRAM-SHA-512 over TLS",
      { KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: "/etc/kafka/ca.crt", KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "triage", KAFKA_SASL_PASSWORD: "s3cret" },
      { ssl: { ca: ["CA PEM"] }, sasl: { mechanism: "scram-sha-512", username: "triage", password: "s3cret" } },
    ],
    ["SCRAM-SHA-256 without TLS", { KAFKA_SASL_MECHANISM: "scram-sha-256", KAFKA_SASL_USERNAME: "intake", KAFKA_SASL_PASSWORD: "pw" }, { sasl: { mechanism: "scram-sha-256", username: "intake", password: "pw" } }],
    ["PLAIN outside production", { KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }, { sasl: { mechanism: "plain", username: "u", password: "p" } }],
    ["KAFKA_SSL=false: plaintext", { KAFKA_SSL: "false" }, {}],
  ])("%s", (_name, env, expected) => {
    expect(securityFor(env)).toEqual(expected);
  });
});

describe("kafka settings that cannot work together stop start-up naming the variable", () => {
  it.each([
    ["a CA file without KAFKA_SSL", { KAFKA_SSL_CA_FILE: "/etc/kafka/ca.crt" }, "KAFKA_SSL_CA_FILE: set, but KAFKA_SSL is not true"],
    ["a certificate without its key", { KAFKA_SSL: "true", KAFKA_SSL_CERT_FILE: "/etc/kafka/user.crt" }, "KAFKA_SSL_KEY_FILE: required with KAFKA_SSL_CERT_FILE"],
    ["a key without its certificate", { KAFKA_SSL: "true", KAFKA_SSL_KEY_FILE: "/etc/kafka/user.key" }, "KAFKA_SSL_CERT_FILE: required with KAFKA_SSL_KEY_FILE"],
    ["a mechanism without a password", { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "triage" }, "KAFKA_SASL_PASSWORD: required with KAFKA_SASL_MECHANISM=scram-sha-512"],
    ["a mechanism without a user name", { KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_PASSWORD: "pw" }, "KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM=scram-sha-512"],
    ["credentials without a mechanism", { KAFKA_SASL_USERNAME: "triage", KAFKA_SASL_PASSWORD: "pw" }, "KAFKA_SASL_MECHANISM: required with KAFKA_SASL_USERNAME"],
    ["an unknown mechanism", { KAFKA_SASL_MECHANISM: "gssapi" }, "KAFKA_SASL_MECHANISM:"],
    ["a flag that is not true or false", { KAFKA_SSL: "yes" }, "KAFKA_SSL:"],
    [
      "PLAIN in clear in production",
      { ...production, KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" },
      "KAFKA_SASL_MECHANISM: plain sends the password in clear",
    ],
  ])("%s", (_name, env, message) => {
    expect(() => loadConfig(BaseConfig, inTest(env))).toThrow(ConfigError);
    expect(() => loadConfig(BaseConfig, inTest(env))).toThrow(message);
  });

  it("a file that cannot be read names its variable, not its content", () => {
    const config = loadConfig(BaseConfig, inTest({ KAFKA_SSL: "true", KAFKA_SSL_CA_FILE: "/etc/kafka/missing.crt" }));
    expect(() => kafkaSecurity(config, readFile)).toThrow("KAFKA_SSL_CA_FILE: cannot read /etc/kafka/missing.crt (ENOENT)");
  });

  it("a password never appears in the refusal", () => {
    expect(() => loadConfig(BaseConfig, inTest({ KAFKA_SASL_USERNAME: "triage", KAFKA_SASL_PASSWORD: "do-not-print-me" }))).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("do-not-print-me") }),
    );
  });
});

describe("topic creation", () => {
  it.each([
    ["development creates by default", { NODE_ENV: "development" }, true],
    ["tests create by default", { NODE_ENV: "test" }, true],
    ["production leaves topics to the platform by default", production, false],
    ["production may be told to create (a single-host stack)", { ...production, KAFKA_CREATE_TOPICS: "true" }, true],
    ["development may be told not to", { NODE_ENV: "development", KAFKA_CREATE_TOPICS: "false" }, false],
  ])("%s", (_name, env, expected) => {
    expect(createsTopics(loadConfig(BaseConfig, inTest(env)))).toBe(expected);
  });
});
