// Part 3: triage's projection rebuilt from its topics by the same code as `pnpm rebuild:triage`,
// timed; the rebuilt projection must hold as many cases as the live one did.
import { createKafka, createLogger, createPool, Keyring, KeyringConfig, keyEncryptionKeys } from "@grievance-hub/kit";
import { rebuildTriage } from "../services/triage/src/rebuild";

export interface RebuildResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  casesBefore: number;
  casesAfter: number;
}

/** As `pnpm rebuild:triage` runs it: the kit's pool and Kafka client. */
export async function measureRebuild(opts: { databaseUrl: string; brokers: string[]; topicPrefix: string; liveGroupId: string; kekFile: string }): Promise<RebuildResult> {
  const logger = createLogger("bench-rebuild", "warn");
  const pool = createPool({ databaseUrl: opts.databaseUrl, size: 4, connectTimeoutMs: 5000, schema: "triage", logger });
  try {
    const count = async () => Number((await pool.query<{ n: string }>("SELECT count(*) AS n FROM cases")).rows[0]!.n);
    const casesBefore = await count();
    const kafka = createKafka({ clientId: "triage-rebuild", brokers: opts.brokers, logger });
    const keyring = new Keyring(pool, keyEncryptionKeys(KeyringConfig.parse({ NODE_ENV: "production", KEK_FILE: opts.kekFile })));
    const { events, seconds } = await rebuildTriage({ pool, keyring, kafka, topicPrefix: opts.topicPrefix, liveGroupId: opts.liveGroupId, logger });
    return { events, seconds, eventsPerSecond: Math.round(events / seconds), casesBefore, casesAfter: await count() };
  } finally {
    await pool.end();
  }
}
