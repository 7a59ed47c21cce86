import { z } from "zod";
import { BaseConfig } from "@grievance-hub/kit";

export const NotificationConfig = BaseConfig.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3003),
  NOTIFICATION_CONSUMER_GROUP: z.string().min(1).default("notification"),
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
