import { runService } from "@grievance-hub/kit";
import { TriageConfig } from "./config";
import { triageService } from "./service";

await runService(triageService, TriageConfig);
