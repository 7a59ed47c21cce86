// `pnpm export:corrections [--since 2026-12-01] [--out corpus/corrections/<date>.jsonl]`:
// turns the hotline's own corrections (case.recategorised, the latest per case) into corpus
// rows {id, text, lang, category, urgency} for the next `pnpm train:category-model`; those
// rows always fall in the train split. The rows hold callers' own words: review and redact
// them before they leave the hotline's machines (see README, "Retraining on corrections").
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { erasedMarker, Keyring, keyEncryptionKeys, loadConfig, type Pool } from "@grievance-hub/kit";
import { TriageConfig } from "../config";
import { corpusDir, CorpusCase } from "../domain/classification/corpus";

export interface CorrectionRecord {
  eventId: string;
  description: string;
  language: string;
  category: string;
  urgency: string;
}

/** A correction as a training row; undefined for one that cannot teach (no text kept, or its person erased). */
export function trainingRowOf(c: CorrectionRecord): CorpusCase | undefined {
  if (c.description === erasedMarker) return undefined;
  const row = CorpusCase.safeParse({ id: `corr-${c.eventId}`, text: c.description, lang: c.language, category: c.category, urgency: c.urgency });
  return row.success ? row.data : undefined;
}

/** The latest correction of each case since `since`, as training rows, the descriptions opened by `keyring`. `db` reads the triage schema. */
export async function exportCorrections(db: pg.Pool, keyring: Keyring, since: string): Promise<{ corrections: number; rows: CorpusCase[] }> {
  const { rows } = await db.query<{ event_id: string; description: string | null; language: string; category: string; urgency: string }>(
    `SELECT DISTINCT ON (t.case_id) t.event_id, c.description, c.language, t.facts->>'category' AS category, c.urgency
     FROM case_timeline t JOIN cases c ON c.id = t.case_id
     WHERE t.type = 'case.recategorised' AND t.at >= $1::timestamptz
     ORDER BY t.case_id, t.at DESC`,
    [since],
  );
  const opened = await Promise.all(rows.map(async (r) => ({ ...r, description: r.description === null ? "" : await keyring.open("description", r.description) })));
  return { corrections: rows.length, rows: opened.flatMap((r) => trainingRowOf({ eventId: r.event_id, description: r.description, language: r.language, category: r.category, urgency: r.urgency }) ?? []) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { since: { type: "string", default: "1970-01-01" }, out: { type: "string" } } });
  if (Number.isNaN(Date.parse(values.since))) {
    process.stderr.write("--since must be a date, e.g. 2026-12-01\n");
    return 2;
  }
  const config = loadConfig(TriageConfig);
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, options: "-c search_path=triage,public" });
  try {
    const keyring = new Keyring(pool as unknown as Pool, keyEncryptionKeys(config), { size: config.KEYRING_CACHE_SIZE, ttlMs: config.KEYRING_CACHE_TTL_MS });
    const { corrections, rows: out } = await exportCorrections(pool, keyring, values.since);
    const path = values.out ?? `${corpusDir}corrections/${new Date().toISOString().slice(0, 10)}.jsonl`;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, out.map((r) => JSON.stringify(r)).join("\n") + (out.length > 0 ? "\n" : ""));
    process.stdout.write(`wrote ${out.length} training rows from ${corrections} corrections to ${path}\n`);
    return 0;
  } finally {
    await pool.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
