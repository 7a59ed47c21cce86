// Bodies of the triage API (caseworkers, supervisors, admins).
import { z } from "zod";
import { Category, DivisionCode, Language, PartyRole, ReceivingBodyKind, ResolutionLevel, ResolutionOutcome, Satisfaction, SessionDanger, SessionResult, Urgency } from "./domain";
import { DivisionStatistics, RiskSignal } from "./events";

export const TeamLevelName = z.enum(["community", "street", "district"]);
export const CaseStatusName = z.enum(["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "referred", "resolved", "closed"]);

const Instant = z.iso.datetime({ offset: true });
const LocalId = z.string().trim().min(1).max(100);
const Note = z.string().trim().min(1).max(10_000);
const ReceivingBody = z.object({ kind: ReceivingBodyKind, name: z.string().trim().min(1).max(200) }).strict();

/** A people's mediator of a community or street mediation committee (admins register them). */
export const MediatorBody = z.object({
  name: z.string().trim().min(1).max(200),
  level: z.enum(["community", "street"]),
  /** Division code prefix of the committee the mediator sits on (2 to 12 digits). */
  divisionPrefix: z.string().regex(/^\d{2,12}$/, "2 to 12 digits"),
  specialties: z.array(Category).min(1),
  languages: z.array(Language).min(1),
  capacity: z.number().int().min(0).max(1000),
  active: z.boolean().default(true),
}).strict();
export const MediatorView = MediatorBody.extend({ id: z.string(), openCases: z.number().int() });

export const DisputeView = z.object({
  parties: z.array(z.object({ partyId: z.string(), role: PartyRole, kind: z.enum(["person", "organisation"]), name: z.string(), phone: z.string().nullable(), language: Language.nullable(), consentToContact: z.boolean() })),
  mediatorId: z.string().nullable(),
  sessions: z.array(z.object({
    sessionId: z.string(), mediatorId: z.string(), at: Instant, durationMinutes: z.number().int(), place: z.string(), invitedPartyIds: z.array(z.string()),
    status: z.enum(["scheduled", "held", "cancelled"]), result: SessionResult.nullable(), danger: SessionDanger.nullable(),
  })),
  agreements: z.array(z.object({
    agreementId: z.string(), sessionId: z.string(), terms: z.string(), signedOn: z.iso.date(),
    obligations: z.array(z.object({ obligationId: z.string(), owedBy: z.string(), what: z.string(), dueBy: z.iso.date(), status: z.enum(["open", "fulfilled", "broken"]) })),
  })),
  referrals: z.array(z.object({ referralId: z.string(), to: ReceivingBody, purpose: z.enum(["handover", "judicial_confirmation"]), acknowledgeBy: Instant, acknowledgedAt: Instant.nullable() })),
  followUp: z.object({ dueAt: Instant, recordedAt: Instant.nullable(), reached: z.boolean().nullable(), satisfaction: Satisfaction.nullable() }).nullable(),
  closure: z.object({ kind: z.enum(["closed", "declined", "withdrawn"]), reason: z.string().nullable() }).nullable(),
  resolutionLevel: ResolutionLevel.nullable(),
});

/** One division's figures for one month (the same as statistics.published.v1 carries). */
export const DivisionMonthStatistics = DivisionStatistics;

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
  dispute: DisputeView,
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
  /** the caseworker holding the case asks the team's supervisor to reassign it */
  "request-reassignment": z.object({ reason: Reason }).strict(),
  reassign: z.object({ toCaseworkerId: z.string().min(1).max(100), reason: Reason }).strict(),
  /** a supervisor gives a case waiting in the team queue to a caseworker of the team */
  assign: z.object({ caseworkerId: z.string().min(1).max(100), reason: Reason }).strict(),
  reopen: z.object({ reason: Reason }).strict(),
  close: z.object({ reason: Reason.optional() }).strict(),
  parties: z.object({
    role: PartyRole,
    kind: z.enum(["person", "organisation"]),
    name: z.string().trim().min(1).max(200),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, "E.164, e.g. +8613800138000").optional(),
    language: Language.optional(),
    consentToContact: z.boolean().default(false),
  }).strict(),
  /** Without mediatorId, the most local free mediator for the case's category is chosen. */
  mediator: z.object({ mediatorId: LocalId.optional() }).strict(),
  sessions: z.object({ at: Instant, durationMinutes: z.number().int().min(15).max(480).default(90), place: z.string().trim().min(1).max(500), invitedPartyIds: z.array(LocalId).max(20).default([]) }).strict(),
  "reschedule-session": z.object({ sessionId: LocalId, at: Instant, place: z.string().trim().min(1).max(500).optional() }).strict(),
  "cancel-session": z.object({ sessionId: LocalId, reason: Reason }).strict(),
  "record-session": z.object({
    sessionId: LocalId,
    complainantAttended: z.boolean(),
    attendedPartyIds: z.array(LocalId).max(20),
    result: SessionResult,
    danger: SessionDanger.default("none"),
    note: Note.optional(),
  }).strict(),
  agreement: z.object({
    sessionId: LocalId,
    terms: Note,
    signedOn: z.iso.date(),
    obligations: z.array(z.object({ owedBy: LocalId, what: z.string().trim().min(1).max(2000), dueBy: z.iso.date() }).strict()).min(1).max(50),
    /** the court the agreement goes to for judicial confirmation */
    judicialConfirmation: z.object({ court: z.string().trim().min(1).max(200) }).strict().optional(),
  }).strict(),
  obligation: z.object({ agreementId: LocalId, obligationId: LocalId, status: z.enum(["fulfilled", "broken"]), note: Note.optional() }).strict(),
  "follow-up": z.object({ reached: z.boolean(), satisfaction: Satisfaction.optional(), note: Note.optional() }).strict(),
  refer: z.object({ to: ReceivingBody, reason: Reason }).strict(),
  "acknowledge-referral": z.object({ referralId: LocalId, reference: z.string().trim().min(1).max(200).optional() }).strict(),
  decline: z.object({ reason: Reason, goTo: ReceivingBody.optional() }).strict(),
  withdraw: z.object({ reason: Reason }).strict(),
  /** settle the category (a triager at the desk, the caseworker holding the case, a supervisor); the case is rerouted for it */
  recategorise: z.object({ category: Category, reason: Reason }).strict(),
} as const;

/**
 * The supervisor dashboard (GET /v1/statistics/dashboard?division=&from=&to=): figures over a window of days for a
 * division prefix, read from the statistics projection (never by scanning cases per request). Counts only, nothing about anyone.
 * Days are calendar days in UTC; `from` and `to` are inclusive; a window is at most 92 days.
 */
export const DashboardQuery = z.object({
  /** division code prefix (2 to 12 digits); a supervisor's default and ceiling is their team's area */
  division: z.string().regex(/^\d{2,12}$/, "2 to 12 digits").optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
}).strict();
export const SupervisorDashboard = z.object({
  divisionPrefix: z.string(),
  from: z.iso.date(),
  to: z.iso.date(),
  /** grievances received per day and category (days with none are left out) */
  receivedPerDay: z.array(z.object({ day: z.iso.date(), category: Category, received: z.number().int().min(0) })),
  /** grievances received in the window by urgency (as triaged, P1 first) */
  urgencyMix: z.array(z.object({ urgency: Urgency, received: z.number().int().min(0) })),
  /** deadlines (acknowledge and resolve) that fell due in the window: met in time or breached */
  deadlineCompliance: z.object({ due: z.number().int().min(0), met: z.number().int().min(0), breached: z.number().int().min(0), rate: z.number().min(0).max(1).nullable() }),
  /** median minutes from receipt to the caseworker's acceptance (first contact), over cases accepted in the window */
  medianMinutesToFirstContact: z.number().min(0).nullable(),
  /** median days from receipt to resolution, over cases resolved in the window */
  medianDaysToResolution: z.number().min(0).nullable(),
  /** of the cases resolved in the window, those resolved at the community level with no escalation */
  resolution: z.object({ resolved: z.number().int().min(0), atCommunityWithoutEscalation: z.number().int().min(0), share: z.number().min(0).max(1).nullable() }),
  /** the divisions (12-digit codes) with the most repeats and group disputes in the window, most first (at most 10) */
  hotspots: z.array(z.object({ divisionCode: DivisionCode, received: z.number().int().min(0), repeats: z.number().int().min(0), groupDisputes: z.number().int().min(0) })),
});
