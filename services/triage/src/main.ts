import { runService } from "@grievance-hub/kit";
import { TriageConfig } from "./config";
import { triage } from "./service";

await runService(triage, TriageConfig);
