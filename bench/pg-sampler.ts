// A sampling profiler for the database side (BENCH_PG_PROFILE=1): every few milliseconds,
// which statements of the bench's database are running or waiting, and on what. The share of
// samples a statement has is the share of wall time the services spent waiting on it.
import pg from "pg";

export interface PgSample {
  statement: string;
  state: string;
  samples: number;
  share: number;
}

export function samplePostgres(opts: { databaseUrl: string; database: string; everyMs: number }): { stop: () => Promise<PgSample[]> } {
  const counts = new Map<string, number>();
  let total = 0;
  let stopped = false;
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  const loop = (async () => {
    await client.connect();
    while (!stopped) {
      const { rows } = await client.query<{ query: string; state: string; wait: string | null }>(
        `SELECT query, state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'`,
        [opts.database],
      );
      total++;
      for (const r of rows) {
        const statement = r.query.replace(/\s+/g, " ").trim().slice(0, 110);
        const key = `${r.state}${r.wait ? ` (${r.wait})` : ""}\t${statement}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, opts.everyMs));
    }
    await client.end();
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return [...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([key, samples]) => {
          const [state, statement] = key.split("\t") as [string, string];
          return { statement, state, samples, share: Math.round((samples / total) * 1000) / 10 };
        });
    },
  };
}
