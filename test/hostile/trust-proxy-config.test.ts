// TRUST_PROXY: off unless set; a hop count or addresses and CIDR ranges; anything else stops
// start-up naming the variable (a typo must not quietly trust every forwarded-for header).
import { describe, expect, it } from "vitest";
import { BaseConfig, ConfigError, loadConfig } from "@grievance-hub/kit";

const load = (TRUST_PROXY?: string) => loadConfig(BaseConfig, { NODE_ENV: "test", ...(TRUST_PROXY === undefined ? {} : { TRUST_PROXY }) }).TRUST_PROXY;

describe("TRUST_PROXY", () => {
  it.each([
    [undefined, undefined],
    ["", undefined],
    ["1", 1],
    ["2", 2],
    ["10.0.0.0/8", ["10.0.0.0/8"]],
    ["10.0.0.0/8, 192.168.1.5,fd00::/8", ["10.0.0.0/8", "192.168.1.5", "fd00::/8"]],
  ])("%j is %j", (value, expected) => {
    expect(load(value)).toEqual(expected);
  });

  it.each(["true", "loopback", "10.0.0.0/33", "10.0.0/8", "10.0.0.1/8/8", "fd00::/129", "-1", "1.5"])("%j is refused, naming the variable", (value) => {
    expect(() => load(value)).toThrow(ConfigError);
    expect(() => load(value)).toThrow(/TRUST_PROXY/);
  });
});
