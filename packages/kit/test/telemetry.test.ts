// When tracing is on: only when the OTEL_* variables name an exporter, never by default.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { TelemetryConfig, tracingEnabled } from "../src/telemetry";

const enabled = (env: Record<string, string>) => tracingEnabled(loadConfig(TelemetryConfig, env));

describe("tracing", () => {
  it.each([
    ["off when nothing is set", {}, false],
    ["on when an OTLP endpoint is given", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, true],
    ["on when a traces endpoint is given", { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" }, true],
    ["on when the exporter is named", { OTEL_TRACES_EXPORTER: "otlp" }, true],
    ["off when the exporter is none, even with an endpoint", { OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, false],
    ["off when the SDK is disabled, even with an endpoint", { OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }, false],
    ["off when only the service name is set", { OTEL_SERVICE_NAME: "intake-eu" }, false],
  ])("is %s: %s", (_what, env, expected) => {
    expect(enabled(env)).toBe(expected);
  });

  it("refuses an endpoint that is not a URL, naming the variable", () => {
    expect(() => loadConfig(TelemetryConfig, { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
