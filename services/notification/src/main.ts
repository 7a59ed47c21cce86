import { runService } from "@grievance-hub/kit";
import { NotificationConfig } from "./config";
import { notificationService } from "./service";

await runService(notificationService(), NotificationConfig);
