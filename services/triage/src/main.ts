// Tracing starts before what it instruments (pg, fastify, http) is loaded, so the service is imported after it.
import { startTelemetry } from "@grievance-hub/kit/telemetry";

await startTelemetry("triage");
const { runService } = await import("@grievance-hub/kit");
const { TriageConfig } = await import("./config");
const { triageService } = await import("./service");

await runService(triageService, TriageConfig);
