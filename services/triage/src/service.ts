import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventConsumer, startService, type Logger, type RunningService, type ServiceDefinition } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import type { TriageConfig } from "./config";
import { onGrievanceReceived } from "./consumers/grievance-received";

export const triage: ServiceDefinition<TriageConfig> = {
  name: "triage",
  schema: "triage",
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
  consumers: (rt, config) => [
    new EventConsumer({
      kafka: rt.kafka,
      groupId: config.KAFKA_TOPIC_PREFIX + config.TRIAGE_CONSUMER_GROUP,
      topics: [rt.topic(Topics.grievancesInternal)],
      pool: rt.pool,
      schema: rt.schema,
      producer: rt.producer,
      deadLetterTopic: rt.topic(Topics.deadLetterTriage),
      logger: rt.logger,
      handlers: { "grievance.received.v1": onGrievanceReceived(rt) },
    }),
  ],
};

export function startTriage(config: TriageConfig, logger?: Logger): Promise<RunningService> {
  return startService(triage, config, logger);
}

export { TriageConfig } from "./config";
