import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventConsumer, registerApiDocs, registerRateLimits, startService, type Logger, type RunningService, type ServiceDefinition } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import type { IntakeConfig } from "./config";
import { onCaseEvents } from "./consumers/case-events";
import { statusEventTypes } from "./domain/status";
import { erasureRoutes } from "./http/erasures";
import { grievanceRoutes } from "./http/grievances";
import { open311Routes } from "./http/open311";
import { trackRoutes } from "./http/track";
import { personalDataRetention } from "./commands/personal-data-retention";

export const intake: ServiceDefinition<IntakeConfig> = {
  name: "intake",
  schema: "intake",
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
  routes: async (app, rt, config) => {
    // Every route is limited; the tracking lookup and Open311's token lookup more tightly.
    await registerRateLimits(app, rt.pool, config);
    await registerApiDocs(app, { title: "Grievance Hub intake", version: "1.0.0", description: "Hotline intake API (v1) and the public status lookup." });
    grievanceRoutes(app, rt, config);
    erasureRoutes(app, rt, config);
    await trackRoutes(app, rt, config);
    await open311Routes(app, rt, config);
  },
  retention: (config) => [{ table: "idempotency_keys", column: "created_at", days: config.IDEMPOTENCY_RETENTION_DAYS }],
  background: (rt, config) => [personalDataRetention(rt, config)],
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
      fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES,
      fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
      batchHandlers: Object.fromEntries(statusEventTypes.map((type) => [type, onCaseEvents])),
    }),
  ],
};

export function startIntake(config: IntakeConfig, logger?: Logger): Promise<RunningService> {
  return startService(intake, config, logger);
}

export { IntakeConfig } from "./config";
