// The supervisor's calls to the console's own API; bodies typed from packages/schema.
import type { z } from "zod";
import type { CaseworkerView, DashboardQuery, SupervisorDashboard as DashboardSchema } from "@grievance-hub/schema";
import { call, type TaskView } from "../../api";

export type Caseworker = z.infer<typeof CaseworkerView>;
export type SupervisorDashboard = z.infer<typeof DashboardSchema>;

const post = (id: string, action: "assign" | "reassign", version: number, body: unknown) =>
  call<unknown>(`/api/supervisor/cases/${encodeURIComponent(id)}/${action}`, { method: "POST", body: JSON.stringify(body), headers: { "if-match": `"${version}"` } });

export const supervisorApi = {
  queue: () => call<{ tasks: TaskView[] }>("/api/supervisor/queue"),
  caseworkers: () => call<{ caseworkers: Caseworker[] }>("/api/supervisor/caseworkers"),
  assign: (id: string, version: number, caseworkerId: string, reason: string) => post(id, "assign", version, { caseworkerId, reason }),
  reassign: (id: string, version: number, toCaseworkerId: string, reason: string) => post(id, "reassign", version, { toCaseworkerId, reason }),
  dashboard: (query: z.infer<typeof DashboardQuery>) =>
    call<SupervisorDashboard>(`/api/supervisor/dashboard?${new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1])))}`),
};
