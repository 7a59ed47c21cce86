// `pnpm rebuild:intake [--from 2026-11-01T00:00:00Z]` — rebuild intake's status and timeline
// from triage's case events. Stop intake first; the command refuses while its consumer group is active.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runRebuildCommand } from "@grievance-hub/kit";
import { IntakeConfig } from "../config";
import { rebuildIntake } from "../rebuild";

await runRebuildCommand({
  service: "intake",
  what: "Rebuilds intake's status and timeline of each grievance from triage's case events.",
  rebuilt: "intake's status and timeline",
  configSchema: IntakeConfig,
  migrationsDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations"),
  liveGroup: () => "intake",
  rebuild: rebuildIntake,
});
