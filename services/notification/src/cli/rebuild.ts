// `pnpm rebuild:notification [--from 2026-11-01T00:00:00Z]` — rebuild what notification keeps
// of the events (complainants' contact, the team handling each case). Deliveries are the record
// of what was sent and are never rebuilt. Stop notification first; the command refuses while
// its consumer group is active.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runRebuildCommand } from "@grievance-hub/kit";
import { NotificationConfig } from "../config";
import { rebuildNotification } from "../rebuild";

await runRebuildCommand({
  service: "notification",
  what: "Rebuilds complainants' contact and the team handling each case from grievances.internal and cases.internal (deliveries are kept: they are what was sent).",
  rebuilt: "notification's complainants and case teams",
  configSchema: NotificationConfig,
  migrationsDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations"),
  liveGroup: (config) => config.NOTIFICATION_CONSUMER_GROUP,
  rebuild: rebuildNotification,
});
