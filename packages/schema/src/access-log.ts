// The access log's API: who read a record's personal data, when, on what grounds (issue #18).
// Ids and roles only: an entry holds no personal data.
import { z } from "zod";
import { Role } from "./domain";

/** Why a read was allowed: the reader's own case, a case of their team, supervision, the hotline desk, administration, or the complainant's tracking code. */
export const AccessReason = z.enum(["own_case", "team_case", "supervisor", "operator", "admin", "complainant"]);
export type AccessReason = z.infer<typeof AccessReason>;

export const AccessActorRole = z.enum([...Role.options, "complainant"]);
export type AccessActorRole = z.infer<typeof AccessActorRole>;

export const AccessLogEntry = z.object({
  id: z.string(),
  at: z.iso.datetime({ offset: true }),
  /** The case id (triage) or the grievance id (intake, notification). */
  recordId: z.string(),
  /** The token's subject; null for a complainant, known by the tracking code alone. */
  actor: z.object({ id: z.string().nullable(), role: AccessActorRole }),
  /** null when the read was refused. */
  reason: AccessReason.nullable(),
  outcome: z.enum(["granted", "refused"]),
  /** The route that was asked, as its template (`GET /v1/cases/:id`). */
  route: z.string(),
});
export type AccessLogEntry = z.infer<typeof AccessLogEntry>;

export const AccessLogQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `next` of the previous page: entries after it, oldest first. */
  after: z.string().regex(/^[1-9]\d{0,18}$/, "the next of a previous page").optional(),
});
export type AccessLogQuery = z.infer<typeof AccessLogQuery>;

export const AccessLogPage = z.object({
  entries: z.array(AccessLogEntry),
  /** Pass as `after` for the next page; null on the last. */
  next: z.string().nullable(),
});
export type AccessLogPage = z.infer<typeof AccessLogPage>;
