// `pnpm --silent dead-letters list`            the notification deliveries that failed for good
// `pnpm --silent dead-letters replay <id>`     puts one back in the delivery queue (attempts reset)
// `pnpm --silent dead-letters replay --all`    puts all of them back
// Reads DATABASE_URL like the services; prints no personal data (no addresses, no message text).
import pg from "pg";
import { BaseConfig, ConfigError, loadConfig } from "@grievance-hub/kit";
import { listDeadLetters, replayDeadLetters } from "@grievance-hub/notification/dead-letters";

const usage = "usage: pnpm --silent dead-letters list | replay <delivery id> | replay --all\n";

function fail(message: string, code: number): never {
  process.stderr.write(`dead-letters: ${message}\n`);
  process.exit(code);
}

const [command, target, ...rest] = process.argv.slice(2);
if (!(command === "list" && target === undefined) && !(command === "replay" && target !== undefined && rest.length === 0)) {
  process.stderr.write(usage);
  process.exit(2);
}
if (command === "replay" && target !== "--all" && !/^\d{1,18}$/.test(target!)) fail(`not a delivery id: ${target}`, 2);

let config: { DATABASE_URL: string };
try {
  config = loadConfig(BaseConfig.pick({ DATABASE_URL: true }));
} catch (err) {
  if (err instanceof ConfigError) fail(err.message, 2);
  throw err;
}

const db = new pg.Client({ connectionString: config.DATABASE_URL, options: "-c search_path=notification,public" });
await db.connect();
try {
  if (command === "list") {
    const letters = await listDeadLetters(db);
    process.stdout.write(["id", "dead-lettered at", "event type", "recipient", "channel", "attempts", "last error"].join("\t") + "\n");
    for (const l of letters) {
      process.stdout.write([l.id, l.deadLetteredAt?.toISOString() ?? "-", l.eventType, l.recipientKind, l.channel, l.attempts, l.lastError ?? "-"].join("\t") + "\n");
    }
  } else {
    const replayed = await replayDeadLetters(db, target === "--all" ? "all" : { id: target! });
    if (target !== "--all" && replayed.length === 0) fail(`delivery ${target} is not a dead letter`, 1);
    process.stdout.write(`replayed ${replayed.length}${replayed.length > 0 ? `: ${replayed.join(" ")}` : ""}\n`);
  }
} finally {
  await db.end();
}
