import path from "node:path";
import { fileURLToPath } from "node:url";
import { startService, type Logger, type RunningService, type ServiceDefinition } from "@grievance-hub/kit";
import type { IntakeConfig } from "./config";
import { grievanceRoutes } from "./http/grievances";

export const intake: ServiceDefinition<IntakeConfig> = {
  name: "intake",
  schema: "intake",
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
  routes: (app, rt, config) => grievanceRoutes(app, rt, config),
};

export function startIntake(config: IntakeConfig, logger?: Logger): Promise<RunningService> {
  return startService(intake, config, logger);
}

export { IntakeConfig } from "./config";
