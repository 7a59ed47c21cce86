import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventConsumer, startService, type Logger, type RunningService, type ServiceDefinition } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import type { NotificationConfig } from "./config";
import { onCaseOpened } from "./consumers/case-events";

export const notification: ServiceDefinition<NotificationConfig> = {
  name: "notification",
  schema: "notification",
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
  consumers: (rt, config) => [
    new EventConsumer({
      kafka: rt.kafka,
      groupId: config.KAFKA_TOPIC_PREFIX + config.NOTIFICATION_CONSUMER_GROUP,
      topics: [rt.topic(Topics.casesInternal)],
      pool: rt.pool,
      schema: rt.schema,
      producer: rt.producer,
      deadLetterTopic: rt.topic(Topics.deadLetterNotification),
      logger: rt.logger,
      handlers: { "case.opened.v1": onCaseOpened },
    }),
  ],
};

export function startNotification(config: NotificationConfig, logger?: Logger): Promise<RunningService> {
  return startService(notification, config, logger);
}

export { NotificationConfig } from "./config";
