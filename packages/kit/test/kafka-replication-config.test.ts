// The topics' replication settings, read from the environment like every other setting.
import { describe, expect, it } from "vitest";
import { BaseConfig, ConfigError, loadConfig } from "../src/config";

describe("KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS", () => {
  it("default to one replica, one in sync: the single local broker", () => {
    const c = loadConfig(BaseConfig, { NODE_ENV: "test" });
    expect([c.KAFKA_REPLICATION_FACTOR, c.KAFKA_MIN_INSYNC_REPLICAS]).toEqual([1, 1]);
  });

  it("take three replicas with two in sync, as in production", () => {
    const c = loadConfig(BaseConfig, { NODE_ENV: "test", KAFKA_REPLICATION_FACTOR: "3", KAFKA_MIN_INSYNC_REPLICAS: "2" });
    expect([c.KAFKA_REPLICATION_FACTOR, c.KAFKA_MIN_INSYNC_REPLICAS]).toEqual([3, 2]);
  });

  it.each([
    [{ KAFKA_REPLICATION_FACTOR: "0" }, "KAFKA_REPLICATION_FACTOR"],
    [{ KAFKA_REPLICATION_FACTOR: "three" }, "KAFKA_REPLICATION_FACTOR"],
    [{ KAFKA_MIN_INSYNC_REPLICAS: "1.5" }, "KAFKA_MIN_INSYNC_REPLICAS"],
    [{ KAFKA_REPLICATION_FACTOR: "3", KAFKA_MIN_INSYNC_REPLICAS: "4" }, "KAFKA_MIN_INSYNC_REPLICAS: cannot exceed KAFKA_REPLICATION_FACTOR"],
    [{ KAFKA_MIN_INSYNC_REPLICAS: "2" }, "KAFKA_MIN_INSYNC_REPLICAS: cannot exceed KAFKA_REPLICATION_FACTOR"],
  ])("refuses %o, naming the variable", (env, named) => {
    expect(() => loadConfig(BaseConfig, { NODE_ENV: "test", ...env })).toThrow(ConfigError);
    expect(() => loadConfig(BaseConfig, { NODE_ENV: "test", ...env })).toThrow(named);
  });
});
