// Reads topics from the beginning (or from a timestamp) up to where they end now, for
// rebuilding a projection. Refuses while the service's consumer group is active, since a
// rebuild and a live consumer writing the same tables would race.
import { parseArgs } from "node:util";
import type { Kafka, KafkaMessage } from "kafkajs";
import { decodeEvent, PoisonMessageError, type DecodedEvent } from "./envelope";
import type { Logger } from "./logger";

export interface ReplayOptions {
  kafka: Kafka;
  topics: string[];
  /** Replay from this instant; from the beginning when absent. */
  from?: Date;
  /** The live consumer group that must be stopped first. */
  liveGroupId: string;
  logger: Logger;
  onBatch: (events: { event: DecodedEvent; topic: string; partition: number; offset: string }[]) => Promise<void>;
  /**
   * How many partitions' batches `onBatch` may be given at once (1 when absent: one after another).
   * More lets Postgres work on one while Node decodes the next; only for a projection whose
   * partitions write disjoint rows, as a district's do.
   */
  concurrency?: number;
  /**
   * Runs once the service is known to be stopped, before the first event is read: where a
   * rebuild clears its tables. Never runs when the rebuild is refused.
   */
  beforeReplay?: () => Promise<void>;
}

export class ServiceStillRunningError extends Error {
  override name = "ServiceStillRunningError";
}

/**
 * kafkajs's admin gives up at once when fetching offsets meets an error it marks retriable
 * (NOT_LEADER_FOR_PARTITION from a broker that has just started and is still loading its
 * partitions: a rebuild run then crashed): tried again here, pausing 100 ms and doubling up to
 * 2 s, for at most `withinMs`; any other error, or the last one, is thrown.
 */
export async function retryingRetriable<T>(what: () => Promise<T>, withinMs = 15_000, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  let waited = 0;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2000)) {
    try {
      return await what();
    } catch (error) {
      if ((error as { retriable?: unknown }).retriable !== true || waited + pause > withinMs) throw error;
      await sleep(pause);
      waited += pause;
    }
  }
}

export async function replayTopics(opts: ReplayOptions): Promise<{ events: number; skipped: number }> {
  const admin = opts.kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  const starts = new Map<string, string>();
  try {
    // The offsets first: reading them fills the client's broker list, which the group lookup
    // needs (asked first, kafkajs finds the list empty and waits its retry time, ~250 ms).
    for (const topic of opts.topics) {
      for (const p of await retryingRetriable(() => admin.fetchTopicOffsets(topic))) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
      if (opts.from) {
        const from = opts.from.getTime();
        for (const p of await retryingRetriable(() => admin.fetchTopicOffsetsByTimestamp(topic, from))) starts.set(`${topic}:${p.partition}`, p.offset);
      }
    }
    const { groups } = await admin.describeGroups([opts.liveGroupId]);
    const live = groups[0];
    if (live && live.members.length > 0) {
      throw new ServiceStillRunningError(`consumer group ${opts.liveGroupId} has ${live.members.length} active member(s): stop the service before rebuilding`);
    }
  } finally {
    await admin.disconnect();
  }
  await opts.beforeReplay?.();
  const pending = new Set([...ends].filter(([key, high]) => high > BigInt(starts.get(key) ?? "0")).map(([key]) => key));
  if (pending.size === 0) return { events: 0, skipped: 0 };

  const groupId = `${opts.liveGroupId}-rebuild-${Date.now()}`;
  const consumer = opts.kafka.consumer({ groupId, maxWaitTimeInMs: 200, maxBytes: 16 * 1024 * 1024, retry: { retries: 3 } });
  let events = 0;
  let skipped = 0;
  let finish: () => void;
  let fail: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
  await consumer.connect();
  await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const [key, offset] of starts) {
      const [topic, partition] = splitKey(key);
      consumer.seek({ topic, partition, offset });
    }
  });
  void consumer
    .run({
      autoCommit: false,
      partitionsConsumedConcurrently: opts.concurrency ?? 1,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}:${batch.partition}`;
        const high = ends.get(key) ?? 0n;
        const decoded: { event: DecodedEvent; topic: string; partition: number; offset: string }[] = [];
        for (const m of batch.messages as KafkaMessage[]) {
          if (BigInt(m.offset) >= high) break;
          try {
            decoded.push({ event: decodeEvent(m), topic: batch.topic, partition: batch.partition, offset: m.offset });
          } catch (err) {
            if (!(err instanceof PoisonMessageError)) throw err;
            skipped++;
          }
        }
        if (decoded.length > 0) await opts.onBatch(decoded);
        events += decoded.length;
        const last = batch.messages[batch.messages.length - 1];
        if (last && BigInt(last.offset) + 1n >= high) pending.delete(key);
        if (pending.size === 0) finish();
      },
    })
    .catch((err: Error) => fail(err));
  try {
    await done;
  } finally {
    await consumer.disconnect();
    // The rebuild's group committed nothing; remove it so it does not linger in the cluster.
    const cleanup = opts.kafka.admin();
    await cleanup.connect();
    await cleanup.fetchTopicMetadata({ topics: opts.topics }).catch(() => undefined); // the broker list, as above
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return { events, skipped };
}

function splitKey(key: string): [string, number] {
  const i = key.lastIndexOf(":");
  return [key.slice(0, i), Number(key.slice(i + 1))];
}

/**
 * The arguments of a `pnpm rebuild:<service>` command: `--from <ISO-8601>` or nothing; `--help`
 * prints the usage. Anything else prints the usage on stderr and exits 2.
 */
export function parseRebuildArgs(service: string, what: string, argv = process.argv.slice(2)): { from?: Date } {
  const usage = `usage: pnpm rebuild:${service} [--from 2026-11-01T00:00:00Z]\n  ${what}\n  Stop ${service} first: the command refuses while its consumer group has members. Works on DATABASE_URL.\n`;
  let values: { from?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { from: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (err) {
    process.stderr.write(`rebuild: ${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const from = values.from === undefined ? undefined : new Date(values.from);
  if (from && Number.isNaN(from.getTime())) {
    process.stderr.write(`rebuild: --from must be an ISO-8601 timestamp, e.g. 2026-11-01T00:00:00Z\n${usage}`);
    process.exit(2);
  }
  return from ? { from } : {};
}
