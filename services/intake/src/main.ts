// Tracing starts before what it instruments (pg, fastify, http) is loaded, so the service is imported after it.
import { startTelemetry } from "@grievance-hub/kit/telemetry";

await startTelemetry("intake");
const { runService } = await import("@grievance-hub/kit");
const { IntakeConfig } = await import("./config");
const { intake } = await import("./service");

await runService(intake, IntakeConfig);
