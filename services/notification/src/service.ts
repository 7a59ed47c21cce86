import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventConsumer, openingReceived, registerApiDocs, registerRateLimits, startService, type Logger, type RunningService, type ServiceDefinition, type ServiceRuntime } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import type { NotificationConfig } from "./config";
import { CircuitBreaker } from "./channels/circuit-breaker";
import { loadTemplates } from "./templates/render";
import { notifiedEventTypes, onEventsMakingDeliveriesDue, type DeliveriesDueDeps } from "./consumers/deliveries-due";
import { DeliveryChannels } from "./delivery/channels";
import { DeliveryWorker } from "./delivery/worker";
import { deliveryMetrics } from "./delivery/metrics";
import { FeedHub } from "./feed/feed-hub";
import { deliveryRoutes } from "./http/deliveries";
import { feedRoutes } from "./http/feed";
import { recipientRoutes } from "./http/recipients";
import { notificationAccessLogRoutes } from "./http/access-log";
import { onPersonalDataErased } from "./consumers/personal-data-erased";

/** What routes() builds and consumers() needs; startService runs routes() first. */
interface Assembly {
  deps: DeliveriesDueDeps;
  worker: DeliveryWorker;
  hub: FeedHub;
  channels: DeliveryChannels;
}

async function assemble(rt: ServiceRuntime, config: NotificationConfig): Promise<Assembly> {
  const templates = await loadTemplates();
  const channels = new DeliveryChannels(config, templates, rt.keyring);
  if (!channels.enabled.email) rt.logger.warn("SMTP_HOST is not set: nobody is notified by e-mail");
  if (!channels.enabled.sms) rt.logger.warn("SMS_GATEWAY_URL is not set: complainants are not notified");
  const base = config.CASE_URL_BASE.replace(/\/+$/, "");
  const breaker = new CircuitBreaker({ failureThreshold: config.CIRCUIT_BREAKER_THRESHOLD, coolDownMs: config.CIRCUIT_BREAKER_COOL_DOWN_MS });
  const worker = new DeliveryWorker({
    pool: rt.pool,
    databaseUrl: config.DATABASE_URL,
    logger: rt.logger,
    channels,
    breaker,
    coolDownMs: config.CIRCUIT_BREAKER_COOL_DOWN_MS,
    policy: { maxAttempts: config.DELIVERY_MAX_ATTEMPTS, backoff: { baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS } },
    intervalMs: config.DELIVERY_WORKER_INTERVAL_MS,
    batchSize: config.DELIVERY_BATCH_SIZE,
    producer: rt.producer,
    deadLetterTopic: rt.topic(Topics.deadLetterNotification),
    metrics: deliveryMetrics(rt.metrics.registry, breaker),
  });
  const hub = new FeedHub({ pool: rt.pool, databaseUrl: config.DATABASE_URL, logger: rt.logger, heartbeatMs: config.FEED_HEARTBEAT_MS });
  return { deps: { templates, enabled: channels.enabled, links: { caseUrl: (caseId) => `${base}/${caseId}`, statusUrl: config.STATUS_URL }, pool: rt.pool, deliveriesMade: () => worker.deliveriesMade(), keyring: rt.keyring }, worker, hub, channels };
}

export function notificationService(): ServiceDefinition<NotificationConfig> {
  let assembly: Assembly | undefined;
  return {
    name: "notification",
    schema: "notification",
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
    routes: async (app, rt, config) => {
      const a = (assembly = await assemble(rt, config));
      // Every route is limited: staff per token (the live feed per connection), the API documents per client address.
      await registerRateLimits(app, rt.pool, config);
      await registerApiDocs(app, { title: "Grievance Hub notification", version: "1.0.0", description: "Recipients directory, delivery log and the live feed." });
      recipientRoutes(app, rt);
      deliveryRoutes(app, rt);
      feedRoutes(app, rt, a.hub);
      notificationAccessLogRoutes(app, rt);
    },
    background: () => {
      if (!assembly) throw new Error("notification: routes() must run before background()");
      const { hub, worker, channels } = assembly;
      return [
        hub,
        {
          start: () => worker.start(),
          stop: async () => {
            await worker.stop();
            channels.close();
          },
        },
      ];
    },
    consumers: (rt, config) => {
      if (!assembly) throw new Error("notification: routes() must run before consumers()");
      const handler = onEventsMakingDeliveriesDue(assembly.deps);
      return [
        new EventConsumer({
          kafka: rt.kafka,
          groupId: config.KAFKA_TOPIC_PREFIX + config.NOTIFICATION_CONSUMER_GROUP,
          topics: [rt.topic(Topics.grievancesInternal), rt.topic(Topics.casesInternal)],
          pool: rt.pool,
          schema: rt.schema,
          producer: rt.producer,
          deadLetterTopic: rt.topic(Topics.deadLetterNotification),
          logger: rt.logger,
          fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES,
          fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
          batchHandlers: {
            ...Object.fromEntries(notifiedEventTypes.map((type) => [type, openingReceived(rt.keyring, handler)])),
            "personal_data.erased.v1": onPersonalDataErased(rt.keyring),
          },
        }),
      ];
    },
  };
}

export function startNotification(config: NotificationConfig, logger?: Logger): Promise<RunningService> {
  return startService(notificationService(), config, logger);
}

export { NotificationConfig } from "./config";
