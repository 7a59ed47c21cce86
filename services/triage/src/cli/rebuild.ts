// `pnpm rebuild:triage [--from 2026-11-01T00:00:00Z]` — rebuild the case projection from the
// topics. Stop the triage service first; the command refuses while its consumer group is active.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runRebuildCommand } from "@grievance-hub/kit";
import { TriageConfig } from "../config";
import { rebuildTriage } from "../rebuild";

await runRebuildCommand({
  service: "triage",
  what: "Rebuilds triage's cases, timelines, links and reminders from grievances.internal and cases.internal.",
  rebuilt: "triage's projection",
  configSchema: TriageConfig,
  migrationsDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations"),
  liveGroup: (config) => config.TRIAGE_CONSUMER_GROUP,
  rebuild: rebuildTriage,
});
