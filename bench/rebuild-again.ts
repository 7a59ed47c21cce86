// `pnpm bench:rebuild --database-url=… --prefix=… --kek-file=… [--embedded-postgres] [--times=N]`:
// part 3 of the benchmark again, on what a `pnpm bench --keep` run left (it prints these
// arguments), to measure or profile the rebuild alone (`node --cpu-prof` through NODE_OPTIONS).
// Each run empties triage's projection and rebuilds it from the kept topics.
import { parseArgs } from "node:util";
import { measureRebuild } from "./rebuild";
import { say, useKafka, usePostgres } from "./stack";

const { values } = parseArgs({
  options: { "database-url": { type: "string" }, prefix: { type: "string" }, "kek-file": { type: "string" }, "embedded-postgres": { type: "boolean" }, times: { type: "string", default: "1" } },
});
const databaseUrl = values["database-url"];
const prefix = values.prefix;
const kekFile = values["kek-file"];
const times = Number(values.times);
if (!databaseUrl || !prefix || !kekFile || !(Number.isInteger(times) && times >= 1)) {
  process.stderr.write("usage: pnpm bench:rebuild --database-url=<url> --prefix=<topic prefix> --kek-file=<path> [--embedded-postgres] [--times=N]\n  (a `pnpm bench --keep` run prints them)\n");
  process.exit(2);
}

const kafka = await useKafka();
const postgres = await usePostgres({ embedded: values["embedded-postgres"] ?? false });
try {
  for (let i = 0; i < times; i++) {
    const r = await measureRebuild({ databaseUrl, brokers: kafka.brokers.split(","), topicPrefix: prefix, liveGroupId: `${prefix}triage`, kekFile });
    say(`rebuild: ${r.events} events in ${r.seconds.toFixed(2)} s, ${r.eventsPerSecond} events/s; cases ${r.casesBefore} before, ${r.casesAfter} after`);
  }
} finally {
  await postgres.stop();
  await kafka.stop();
}
