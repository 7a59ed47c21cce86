// OpenTelemetry tracing for a service process: the Node SDK with the HTTP, fetch (undici),
// Fastify and pg instrumentations, exporting over OTLP as the standard OTEL_* variables say
// (endpoint, protocol, headers, service name, sampler). Off unless an exporter is configured:
// then nothing is loaded and the trace-context hooks are the OpenTelemetry API's no-ops.
// It must start before pg, fastify and http are loaded, so a service's main.ts starts it first
// and imports the rest after it (see services/*/src/main.ts).
import { z } from "zod";
import { loadConfig } from "./config";

export const TelemetryConfig = z.object({
  OTEL_SDK_DISABLED: z.enum(["true", "false"]).optional(),
  OTEL_TRACES_EXPORTER: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});
export type TelemetryConfig = z.infer<typeof TelemetryConfig>;

/** Tracing is on when an exporter is named or an OTLP endpoint is given, and the SDK is not disabled. */
export function tracingEnabled(config: TelemetryConfig): boolean {
  if (config.OTEL_SDK_DISABLED === "true") return false;
  if (config.OTEL_TRACES_EXPORTER !== undefined) return config.OTEL_TRACES_EXPORTER.split(",").some((e) => e.trim() !== "none" && e.trim() !== "");
  return config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
}

/** Requests nobody needs a trace of: probes and scrapes, every few seconds. */
const untracedPaths = /^\/(health\/(live|ready)|metrics)(\?|$)/;

let running: { shutdown: () => Promise<void> } | undefined;

/** Starts tracing for `service` when configured; true if it did. */
export async function startTelemetry(service: string, env: Record<string, string | undefined> = process.env): Promise<boolean> {
  const config = loadConfig(TelemetryConfig, env);
  if (running || !tracingEnabled(config)) return false;
  // The instrumentations patch CommonJS modules as they are required, and ES modules through
  // this loader hook; both only affect modules loaded after this point.
  const { register } = await import("node:module");
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const [{ NodeSDK }, { HttpInstrumentation }, { UndiciInstrumentation }, { PgInstrumentation }, { FastifyOtelInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-undici"),
    import("@opentelemetry/instrumentation-pg"),
    import("@fastify/otel"),
  ]);
  const sdk = new NodeSDK({
    serviceName: config.OTEL_SERVICE_NAME ?? service,
    // Traces only: metrics are Prometheus' on METRICS_PORT, logs are pino's on stdout (the SDK
    // would otherwise export both over OTLP by default).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => untracedPaths.test(req.url ?? ""),
        // The live feed takes its token in the query string.
        redactedQueryParamsServer: ["access_token"],
      }),
      new UndiciInstrumentation(),
      // Only queries made for something traced (a request, an event): the relay's and the
      // workers' polls would otherwise each start a trace of their own.
      new PgInstrumentation({ requireParentSpan: true }),
      new FastifyOtelInstrumentation({ registerOnInitialization: true, ignorePaths: (route) => untracedPaths.test(route.url) }),
    ],
  });
  sdk.start();
  running = sdk;
  return true;
}

/** Sends the spans still buffered and stops tracing (at shutdown). */
export async function stopTelemetry(): Promise<void> {
  const sdk = running;
  running = undefined;
  await sdk?.shutdown().catch(() => undefined);
}
