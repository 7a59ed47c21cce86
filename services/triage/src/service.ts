import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventConsumer, registerApiDocs, registerRateLimits, startService, type Logger, type RunningService, type ServiceDefinition } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import type { TriageConfig } from "./config";
import { loadRuleset, type Ruleset } from "./domain/classification/ruleset";
import { loadCategoryModel } from "./domain/classification/category-model";
import { districtLockKey, onGrievancesReceived } from "./consumers/grievance-received";
import { onPersonalDataErased } from "./consumers/personal-data-erased";
import { RoutingDirectory } from "./db/directory";
import { caseRoutes } from "./http/cases";
import { adminRoutes } from "./http/admin";
import { mediationRoutes } from "./http/mediation";
import { caseAccessLogRoutes } from "./http/access-log";
import { DeadlineScheduler } from "./scheduler/deadline-scheduler";
import { observeCases } from "./metrics";

/** The triage service with its ruleset loaded (a bad ruleset stops start-up with the file and field). */
export async function triageService(config: TriageConfig): Promise<ServiceDefinition<TriageConfig> & { scheduler?: DeadlineScheduler }> {
  const ruleset: Ruleset = await loadRuleset(config.RULESET_PATH);
  const categoryModel = await loadCategoryModel();
  const def: ServiceDefinition<TriageConfig> & { scheduler?: DeadlineScheduler } = {
    name: "triage",
    schema: "triage",
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
    routes: async (app, rt) => {
      // Every route is limited: staff per token, the API documents per client address.
      await registerRateLimits(app, rt.pool, config);
      await registerApiDocs(app, { title: "Grievance Hub triage", version: "1.0.0", description: "Caseworker and supervisor tasks, case actions, teams and caseworkers." });
      caseRoutes(app, rt, config.DEADLINE_POLICY);
      adminRoutes(app, rt);
      mediationRoutes(app, rt);
      caseAccessLogRoutes(app, rt);
    },
    observe: (rt) => observeCases(rt.metrics.registry, rt.pool),
    consumers: (rt) => {
      const received = onGrievancesReceived(rt, {
        ruleset,
        categoryModel,
        policy: config.DEADLINE_POLICY,
        repeatWindowDays: config.REPEAT_WINDOW_DAYS,
        relatedWindowDays: config.RELATED_WINDOW_DAYS,
        relatedSimilarity: config.RELATED_SIMILARITY,
        repeatsForP2: config.REPEATS_FOR_P2,
      }, new RoutingDirectory());
      return [
        new EventConsumer({
          kafka: rt.kafka,
          groupId: config.KAFKA_TOPIC_PREFIX + config.TRIAGE_CONSUMER_GROUP,
          topics: [rt.topic(Topics.grievancesInternal)],
          pool: rt.pool,
          schema: rt.schema,
          producer: rt.producer,
          deadLetterTopic: rt.topic(Topics.deadLetterTriage),
          logger: rt.logger,
          fetchMinBytes: config.KAFKA_FETCH_MIN_BYTES,
          fetchMaxWaitMs: config.KAFKA_FETCH_MAX_WAIT_MS,
          lockKeyOf: districtLockKey,
          batchHandlers: {
            "grievance.received.v1": received,
            "grievance.received.v2": received,
            "personal_data.erased.v1": onPersonalDataErased(rt.keyring),
          },
        }),
      ];
    },
    background: (rt) => {
      const scheduler = new DeadlineScheduler(rt, { policy: config.DEADLINE_POLICY, leadTimeMinutes: config.DEADLINE_LEAD_TIME_MINUTES, intervalMs: config.DEADLINE_SCAN_INTERVAL_MS });
      def.scheduler = scheduler;
      return [scheduler];
    },
  };
  return def;
}

export async function startTriage(config: TriageConfig, logger?: Logger): Promise<RunningService & { scheduler: DeadlineScheduler }> {
  const def = await triageService(config);
  const running = await startService(def, config, logger);
  return { ...running, scheduler: def.scheduler! };
}

export { TriageConfig } from "./config";
