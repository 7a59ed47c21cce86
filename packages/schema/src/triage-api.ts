// Bodies of the triage API (caseworkers, supervisors, admins).
import { z } from "zod";
import { Category, DivisionCode, Language, ResolutionOutcome, Urgency } from "./domain";
import { RiskSignal } from "./events";

export const TeamLevelName = z.enum(["community", "street", "district"]);
export const CaseStatusName = z.enum(["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "resolved", "closed"]);

export const TeamBody = z.object({
  name: z.string().trim().min(1).max(200),
  level: TeamLevelName,
  /** Division code prefix the team covers (2 to 12 digits); longer is more local. */
  divisionPrefix: z.string().regex(/^\d{2,12}$/, "2 to 12 digits"),
  categories: z.array(Category).min(1),
  /** A triage desk: receives the grievances whose category the model is unsure of (not P1), whatever their category. */
  desk: z.boolean().optional(),
}).strict();
export const Team = TeamBody.extend({ id: z.string() });

export const CaseworkerBody = z.object({
  teamId: z.string().min(1),
  name: z.string().trim().min(1).max(200),
  categories: z.array(Category).min(1),
  languages: z.array(Language).min(1),
  capacity: z.number().int().min(0).max(1000),
  active: z.boolean().default(true),
}).strict();
export const CaseworkerView = CaseworkerBody.extend({ id: z.string(), openCases: z.number().int() });

export const TaskView = z.object({
  caseId: z.uuid(),
  trackingCode: z.string(),
  status: CaseStatusName,
  category: Category.nullable(),
  urgency: Urgency.nullable(),
  divisionCode: DivisionCode,
  teamId: z.string().nullable(),
  caseworkerId: z.string().nullable(),
  acknowledgeBy: z.iso.datetime({ offset: true }).nullable(),
  resolveBy: z.iso.datetime({ offset: true }).nullable(),
  receivedAt: z.iso.datetime({ offset: true }),
  version: z.number().int(),
});

export const CaseView = TaskView.extend({
  grievanceId: z.uuid(),
  language: Language,
  description: z.string().nullable(),
  signals: z.array(RiskSignal),
  rulesetVersion: z.string().nullable(),
  team: z.object({ id: z.string(), level: TeamLevelName }).nullable(),
  acknowledgedAt: z.iso.datetime({ offset: true }).nullable(),
  mediation: z.object({ at: z.iso.datetime({ offset: true }), place: z.string().nullable() }).nullable(),
  resolution: z.object({ outcome: ResolutionOutcome, summary: z.string(), resolvedAt: z.iso.datetime({ offset: true }) }).nullable(),
  breached: z.object({ acknowledge: z.boolean(), resolve: z.boolean() }),
  repeatCount: z.number().int(),
  links: z.array(z.object({ grievanceId: z.uuid(), kind: z.enum(["repeat", "related"]), relatedCaseId: z.uuid().nullable(), similarity: z.number().nullable(), linkedAt: z.iso.datetime({ offset: true }) })),
  timeline: z.array(z.object({ type: z.string(), actor: z.object({ id: z.string(), role: z.string() }), at: z.iso.datetime({ offset: true }), facts: z.record(z.string(), z.unknown()) })),
});

const Reason = z.string().trim().min(1).max(2000);
export const CaseActionBodies = {
  accept: z.object({}).strict(),
  notes: z.object({ text: z.string().trim().min(1).max(10_000) }).strict(),
  mediation: z.object({ at: z.iso.datetime({ offset: true }), place: z.string().trim().min(1).max(500).optional() }).strict(),
  resolve: z.object({ outcome: ResolutionOutcome, summary: z.string().trim().min(1).max(10_000) }).strict(),
  escalate: z.object({ reason: Reason }).strict(),
  reassign: z.object({ toCaseworkerId: z.string().min(1).max(100), reason: Reason }).strict(),
  /** a supervisor gives a case waiting in the team queue to a caseworker of the team */
  assign: z.object({ caseworkerId: z.string().min(1).max(100), reason: Reason }).strict(),
  reopen: z.object({ reason: Reason }).strict(),
  close: z.object({}).strict(),
  /** settle the category (a triager at the desk, the caseworker holding the case, a supervisor); the case is rerouted for it */
  recategorise: z.object({ category: Category, reason: Reason }).strict(),
} as const;
