// Tracing starts before what it instruments (pg, fastify, http) is loaded, so the service is imported after it.
import { startTelemetry } from "@grievance-hub/kit/telemetry";

await startTelemetry("notification");
const { runService } = await import("@grievance-hub/kit");
const { NotificationConfig } = await import("./config");
const { notificationService } = await import("./service");

await runService(notificationService(), NotificationConfig);
