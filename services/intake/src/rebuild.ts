// Rebuilds intake's view of each grievance's progress (status, handling level, timeline)
// from triage's case events, through the same statement the live consumer uses. The
// grievances themselves are intake's own records, not a projection, and are kept.
import type { Kafka } from "kafkajs";
import { replayTopics, withTransaction, type Logger, type Pool } from "@grievance-hub/kit";
import { Topics } from "@grievance-hub/schema";
import { applyCaseEvents } from "./consumers/case-events";

export async function rebuildIntake(opts: { pool: Pool; kafka: Kafka; topicPrefix: string; liveGroupId: string; logger: Logger; from?: Date }): Promise<{ events: number; seconds: number }> {
  const started = Date.now();
  const topic = opts.topicPrefix + Topics.casesInternal;
  const { events } = await replayTopics({
    kafka: opts.kafka,
    topics: [topic],
    liveGroupId: opts.liveGroupId,
    logger: opts.logger,
    ...(opts.from ? { from: opts.from } : {}),
    // Cleared only once intake is known to be stopped: a refused rebuild changes nothing.
    beforeReplay: async () => {
      if (opts.from) return;
      await withTransaction(opts.pool, async (client) => {
        await client.query("TRUNCATE timeline");
        await client.query("UPDATE grievances SET status = 'received', status_changed_at = received_at, handling_level = NULL");
      });
    },
    onBatch: (batch) => withTransaction(opts.pool, (client) => applyCaseEvents(client, batch.map((b) => b.event))),
  });
  return { events, seconds: (Date.now() - started) / 1000 };
}
