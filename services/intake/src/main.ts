import { runService } from "@grievance-hub/kit";
import { IntakeConfig } from "./config";
import { intake } from "./service";

await runService(intake, IntakeConfig);
