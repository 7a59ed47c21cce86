// Composition shared by the services' main.ts: open the runtime, build the HTTP app,
// start consumers and the relay, listen; stop in the reverse order.
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { ConfigError, loadConfig, type BaseConfig } from "./config";
import { onShutdown } from "./shutdown";
import { serveMetrics } from "./metrics";
import { buildHttp } from "./http";
import { createLogger, type Logger } from "./logger";
import { openRuntime, type ServiceRuntime } from "./runtime";
import type { EventConsumer } from "./inbox";
import { stopTelemetry } from "./telemetry";
import { retentionJob, type RetentionRule } from "./retention";

export interface RunningService {
  name: string;
  app: FastifyInstance;
  runtime: ServiceRuntime;
  url: string;
  /** The metrics listener's GET /metrics, when METRICS_PORT is set. */
  metricsUrl: string | undefined;
  stop: () => Promise<void>;
}

export interface ServiceDefinition<C extends BaseConfig & { PORT: number }> {
  name: string;
  schema: string;
  /** The service's own folder (for its migrations/). */
  root: string;
  routes?: (app: FastifyInstance, rt: ServiceRuntime, config: C) => void | Promise<void>;
  consumers?: (rt: ServiceRuntime, config: C) => EventConsumer[];
  /** Loops that run beside the consumers (schedulers, workers): started after them, stopped before them. */
  background?: (rt: ServiceRuntime, config: C) => BackgroundTask[];
  /** Technical tables of the service's own to prune by age, beside the kit's inbox. */
  retention?: (config: C) => RetentionRule[];
  /** Metrics of the service's own (gauges over its tables), registered on rt.metrics.registry. */
  observe?: (rt: ServiceRuntime, config: C) => void;
}

export interface BackgroundTask {
  start: () => void | Promise<void>;
  stop: () => Promise<void>;
}

export async function startService<C extends BaseConfig & { PORT: number }>(def: ServiceDefinition<C>, config: C, logger?: Logger): Promise<RunningService> {
  const log = logger ?? createLogger(def.name, config.LOG_LEVEL);
  const rt = await openRuntime({ name: def.name, schema: def.schema, migrationsDir: path.join(def.root, "migrations"), config, logger: log });
  const app = buildHttp({ logger: log, readiness: rt.readiness, bodyLimit: config.BODY_LIMIT_BYTES, trustProxy: config.TRUST_PROXY });
  rt.metrics.observeHttp(app);
  await def.routes?.(app, rt, config);
  def.observe?.(rt, config);
  const consumers = def.consumers?.(rt, config) ?? [];
  for (const c of consumers) c.metrics = rt.metrics;
  rt.metrics.observeConsumers(consumers.map((c) => c.subscription));
  const retention = retentionJob({
    pool: rt.pool,
    schema: def.schema,
    rules: [{ table: "inbox", column: "applied_at", days: config.INBOX_RETENTION_DAYS }, ...(def.retention?.(config) ?? [])],
    intervalMs: config.RETENTION_INTERVAL_MS,
    logger: log,
  });
  const background = [...(def.background?.(rt, config) ?? []), retention];
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  try {
    for (const c of consumers) await c.start();
    for (const b of background) await b.start();
    rt.relay.start();
    await app.listen({ host: config.HOST, port: config.PORT });
    if (config.METRICS_PORT !== undefined) metricsServer = await serveMetrics(rt.metrics.registry, config.HOST, config.METRICS_PORT);
  } catch (err) {
    await app.close();
    await Promise.allSettled(background.map((b) => b.stop()));
    await Promise.allSettled(consumers.map((c) => c.stop()));
    await rt.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  log.info({ port, metricsPort: metricsServer ? Number(new URL(metricsServer.url).port) : undefined }, `${def.name} listening`);
  let stopping: Promise<void> | undefined;
  return {
    name: def.name,
    app,
    runtime: rt,
    url: `http://${config.HOST}:${port}`,
    metricsUrl: metricsServer?.url,
    stop: () =>
      (stopping ??= (async () => {
        // Background work first (it may hold long-lived responses open, like a live feed), then
        // stop taking requests, then hand back partitions, then flush the outbox and close.
        await Promise.allSettled(background.map((b) => b.stop()));
        await app.close();
        await Promise.allSettled(consumers.map((c) => c.stop()));
        await metricsServer?.close();
        await rt.close();
      })()),
  };
}

/** The whole of a service's main: configuration, start, shutdown on SIGTERM/SIGINT. */
export async function runService<C extends BaseConfig & { PORT: number }>(
  definition: ServiceDefinition<C> | ((config: C) => Promise<ServiceDefinition<C>>),
  configSchema: z.ZodType<C>,
): Promise<void> {
  const name = typeof definition === "function" ? definition.name.replace(/Service$/, "") : definition.name;
  let config: C;
  try {
    config = loadConfig(configSchema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let def: ServiceDefinition<C>;
  try {
    def = typeof definition === "function" ? await definition(config) : definition;
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger(def.name, config.LOG_LEVEL);
  try {
    const service = await startService(def, config, logger);
    onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
      await service.stop();
      await stopTelemetry();
    });
  } catch (err) {
    logger.fatal({ err: { message: (err as Error).message } }, `${def.name} could not start`);
    process.exit(1);
  }
}
