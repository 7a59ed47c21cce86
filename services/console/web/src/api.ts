// The one client of the console's own API; bodies are typed from packages/schema.
import type { z } from "zod";
import type { CreateGrievanceRequest, CreateGrievanceResponse, TrackingStatus, TaskView as TaskViewSchema, CaseView as CaseViewSchema } from "@grievance-hub/schema";

export type TaskView = z.infer<typeof TaskViewSchema>;
export type CaseView = z.infer<typeof CaseViewSchema>;

export interface Me { sub: string; name: string; role: string; team?: string }
export interface Problem { status: number; title: string; detail?: string; errors?: { field: string; message: string; code?: string }[] }
export type Result<T> = { ok: true; value: T; etag?: string } | { ok: false; problem: Problem };

export async function call<T>(url: string, init: RequestInit = {}): Promise<Result<T>> {
  const res = await fetch(url, { ...init, credentials: "same-origin", headers: { accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers } });
  if (res.status === 401 && !url.startsWith("/api/track/")) {
    window.location.assign(`/auth/login?returnTo=${encodeURIComponent(window.location.pathname)}`);
  }
  const body = await res.json().catch(() => ({ status: res.status, title: res.statusText }));
  return res.ok ? { ok: true, value: body as T, etag: res.headers.get("etag") ?? undefined } : { ok: false, problem: body as Problem };
}

export const api = {
  me: () => call<Me>("/api/me"),
  createGrievance: (body: CreateGrievanceRequest, idempotencyKey: string) =>
    call<CreateGrievanceResponse>("/api/grievances", { method: "POST", body: JSON.stringify(body), headers: { "idempotency-key": idempotencyKey } }),
  track: (code: string) => call<TrackingStatus>(`/api/track/${encodeURIComponent(code)}`),
  tasks: () => call<{ tasks: TaskView[] }>("/api/tasks"),
  case: (id: string) => call<CaseView>(`/api/cases/${encodeURIComponent(id)}`),
  /** Any case action triage offers (accept, notes, resolve, sessions, …), guarded by the ETag of the view acted on. */
  act: (id: string, action: string, body: unknown, etag: string | undefined) =>
    call<CaseView>(`/api/cases/${encodeURIComponent(id)}/${action}`, { method: "POST", body: JSON.stringify(body), headers: etag ? { "if-match": etag } : {} }),
  signOut: () => call<{ redirect: string }>("/auth/logout", { method: "POST" }),
};
