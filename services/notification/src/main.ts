import { runService } from "@grievance-hub/kit";
import { NotificationConfig } from "./config";
import { notification } from "./service";

await runService(notification, NotificationConfig);
