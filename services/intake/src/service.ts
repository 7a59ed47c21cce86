import path from "node:path";
import { fileURLToPath } from "node:url";
import rateLimit from "@fastify/rate-limit";
import { EventConsumer, postgresRateLimitStore, registerApiDocs, startService, type Logger, type RunningService, type ServiceDefinition } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import type { IntakeConfig } from "./config";
import { onCaseEvent } from "./consumers/case-events";
import { statusEventTypes } from "./domain/status";
import { erasureRoutes } from "./http/erasures";
import { grievanceRoutes } from "./http/grievances";
import { open311Routes } from "./http/open311";
import { trackRoutes } from "./http/track";

export const intake: ServiceDefinition<IntakeConfig> = {
  name: "intake",
  schema: "intake",
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
  routes: async (app, rt, config) => {
    // Every route is limited, counted in Postgres so all replicas share one budget: staff per
    // token subject (their auth hook runs first), everyone else per client address (req.ip,
    // which believes X-Forwarded-For only from the proxies TRUST_PROXY names).
    await app.register(rateLimit, {
      global: true,
      store: postgresRateLimitStore(rt.pool),
      timeWindow: "1 minute",
      max: (req) => (req.principal ? config.STAFF_RATE_LIMIT_PER_MINUTE : config.PUBLIC_RATE_LIMIT_PER_MINUTE),
      keyGenerator: (req) => (req.principal ? `staff:${req.principal.sub}` : `address:${req.ip}`),
    });
    await registerApiDocs(app, { title: "Grievance Hub intake", version: "1.0.0", description: "Hotline intake API (v1) and the public status lookup." });
    grievanceRoutes(app, rt, config);
    erasureRoutes(app, rt, config);
    await trackRoutes(app, rt, config);
    await open311Routes(app, rt, config);
  },
  retention: (config) => [{ table: "idempotency_keys", column: "created_at", days: config.IDEMPOTENCY_RETENTION_DAYS }],
  consumers: (rt, config) => [
    new EventConsumer({
      kafka: rt.kafka,
      groupId: config.KAFKA_TOPIC_PREFIX + "intake",
      topics: [rt.topic(Topics.casesInternal)],
      pool: rt.pool,
      schema: rt.schema,
      producer: rt.producer,
      deadLetterTopic: rt.topic(Topics.deadLetterIntake),
      logger: rt.logger,
      handlers: Object.fromEntries(statusEventTypes.map((type) => [type, onCaseEvent])),
    }),
  ],
};

export function startIntake(config: IntakeConfig, logger?: Logger): Promise<RunningService> {
  return startService(intake, config, logger);
}

export { IntakeConfig } from "./config";
