// The case lifecycle as a decider (Emmett): decide turns a command into events or a refusal,
// evolve folds events into state. Time and the acting person come in through the context.
import { z } from "zod";
import { Category, GrievanceReceivedV1, ResolutionOutcome, RiskSignal, Urgency, type Language, type ResolutionLevel } from "@grievance-hub/schema";
import { TeamLevel, TeamRef } from "./routing";
import {
  decideMediation, emptyDispute, evolveDispute, mediationCommands, resolutionLevel, referralOutcome,
  type Closure, type Dispute, type MediationCommandType, type MediationEvent,
} from "./mediation/dispute";

// Bodies arrive as JSON, so instants are ISO-8601 strings on the wire and Dates in the domain.
const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const PersonId = z.string().trim().min(1).max(100);
const Reason = z.string().trim().min(1).max(2000);

export const CaseStatus = z.enum([
  "unopened",
  "received",
  "triaged",
  "queued",
  "assigned",
  "accepted",
  "in_mediation",
  /** handed to another body, waiting for its acknowledgement */
  "referred",
  "resolved",
  "closed",
]);
export type CaseStatus = z.infer<typeof CaseStatus>;
type OpenedStatus = Exclude<CaseStatus, "unopened">;

export const DeadlineKind = z.enum(["acknowledge", "resolve"]);
export type DeadlineKind = z.infer<typeof DeadlineKind>;

export const DueDates = z
  .object({ acknowledgeBy: Instant, resolveBy: Instant })
  .refine((d) => d.acknowledgeBy <= d.resolveBy, { message: "acknowledgeBy must not be after resolveBy", path: ["acknowledgeBy"] });
export type DueDates = z.infer<typeof DueDates>;


// ---- commands --------------------------------------------------------------------------------

export const OpenCommand = GrievanceReceivedV1.pick({ grievanceId: true, trackingCode: true, divisionCode: true, language: true }).extend({
  type: z.literal("open"),
  caseId: z.uuid(),
  receivedAt: Instant,
});
export const TriageCommand = z.object({
  type: z.literal("triage"),
  category: Category,
  urgency: Urgency,
  signals: z.array(RiskSignal),
  rulesetVersion: z.string().min(1).max(100),
  modelVersion: z.string().min(1).max(100).optional(),
  confidence: z.number().min(0).max(1).optional(),
});
export const AssignCommand = z.object({
  type: z.literal("assign"),
  team: TeamRef,
  caseworkerId: PersonId,
  dueDates: DueDates,
  reason: Reason,
});
export const QueueCommand = z.object({ type: z.literal("queue"), team: TeamRef, reason: Reason });
export const AcceptCommand = z.object({ type: z.literal("accept") });
export const AddNoteCommand = z.object({ type: z.literal("addNote"), text: z.string().trim().min(1).max(10_000) });
export const ScheduleMediationCommand = z.object({
  type: z.literal("scheduleMediation"),
  at: Instant,
  place: z.string().trim().min(1).max(500).optional(),
});
export const ResolveCommand = z.object({
  type: z.literal("resolve"),
  outcome: ResolutionOutcome,
  summary: z.string().trim().min(1).max(10_000),
  /** when the follow-up visit is due (the edge applies the policy); none, none is scheduled */
  followUpAt: Instant.optional(),
});
export const EscalateCommand = z.object({ type: z.literal("escalate"), toTeam: TeamRef, reason: Reason });
/**
 * A duty that outlives the open case (the follow-up visit after resolution, the receiving body's
 * acknowledgement of a referral) was missed: its case goes to the team a level up, whose supervisor
 * now answers for it. The case keeps its status and its caseworker, who knows the people.
 */
export const EscalateOverdueCommand = z.object({ type: z.literal("escalateOverdue"), toTeam: TeamRef, reason: Reason });
export const ReassignCommand = z.object({ type: z.literal("reassign"), toCaseworkerId: PersonId, reason: Reason });
/** The caseworker holding the case asks for it to go to someone else; only a supervisor reassigns. */
export const RequestReassignmentCommand = z.object({ type: z.literal("requestReassignment"), reason: Reason });
/** A person settles the category; `route` is where routing sends the case for it (decided at the edge, like assign). */
export const RecategoriseCommand = z.object({
  type: z.literal("recategorise"),
  category: Category,
  reason: Reason,
  route: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("assign"), team: TeamRef, caseworkerId: PersonId, dueDates: DueDates, routing: Reason }),
    z.object({ kind: z.literal("queue"), team: TeamRef, routing: Reason }),
  ]),
});
/** New due dates: the old ones have passed or nearly so by the time a resolved case comes back. */
export const ReopenCommand = z.object({ type: z.literal("reopen"), reason: Reason, dueDates: DueDates });
export const CloseCommand = z.object({ type: z.literal("close"), reason: Reason.optional() });
/** dueAt is the deadline that was missed, as dueForBreach reported it. */
export const RecordBreachCommand = z.object({ type: z.literal("recordBreach"), deadline: DeadlineKind, dueAt: Instant });

export const CaseCommand = z.discriminatedUnion("type", [
  OpenCommand,
  TriageCommand,
  AssignCommand,
  QueueCommand,
  AcceptCommand,
  AddNoteCommand,
  ScheduleMediationCommand,
  ResolveCommand,
  EscalateCommand,
  EscalateOverdueCommand,
  ReassignCommand,
  RequestReassignmentCommand,
  RecategoriseCommand,
  ReopenCommand,
  CloseCommand,
  RecordBreachCommand,
  ...mediationCommands,
]);
export type CaseCommand = z.infer<typeof CaseCommand>;
export type CaseCommandType = CaseCommand["type"];

// ---- events ----------------------------------------------------------------------------------

export const ActorRole = z.enum(["caseworker", "supervisor", "admin", "system"]);
export type ActorRole = z.infer<typeof ActorRole>;
export interface Actor {
  id: string;
  role: ActorRole;
  /** The team a supervisor supervises; their authority ends at its cases. */
  team?: string;
}
export interface DecisionContext {
  now: Date;
  actor: Actor;
}

interface EventMeta {
  occurredAt: Date;
  actor: { id: string; role: ActorRole };
}
export type CaseOpened = EventMeta & {
  type: "case.opened";
  caseId: string;
  grievanceId: string;
  trackingCode: string;
  divisionCode: string;
  language: Language;
  receivedAt: Date;
};
export type GrievanceTriaged = EventMeta & {
  type: "grievance.triaged";
  category: Category;
  urgency: Urgency;
  signals: RiskSignal[];
  rulesetVersion: string;
  modelVersion?: string;
  confidence?: number;
};
export type CaseAssigned = EventMeta & { type: "case.assigned"; team: TeamRef; caseworkerId: string; dueDates: DueDates; reason: string };
export type CaseQueued = EventMeta & { type: "case.queued"; team: TeamRef; reason: string };
export type CaseAccepted = EventMeta & { type: "case.accepted"; caseworkerId: string };
export type CaseNoteAdded = EventMeta & { type: "case.note_added"; text: string };
export type CaseMediationScheduled = EventMeta & { type: "case.mediation_scheduled"; at: Date; place: string | null };
/** level is absent on events from before resolution levels were recorded. */
export type CaseResolved = EventMeta & { type: "case.resolved"; outcome: ResolutionOutcome; summary: string; level?: ResolutionLevel };
export type CaseEscalated = EventMeta & { type: "case.escalated"; fromTeam: TeamRef; toTeam: TeamRef; reason: string };
export type CaseReassigned = EventMeta & {
  type: "case.reassigned";
  team: TeamRef;
  fromCaseworkerId: string;
  toCaseworkerId: string;
  dueDates: DueDates;
  reason: string;
};
export type CaseReassignmentRequested = EventMeta & { type: "case.reassignment_requested"; team: TeamRef; caseworkerId: string; reason: string };
export type CaseRecategorised = EventMeta & { type: "case.recategorised"; fromCategory: Category; category: Category; reason: string };
export type CaseReopened = EventMeta & { type: "case.reopened"; team: TeamRef; caseworkerId: string; dueDates: DueDates; reason: string };
export type CaseClosed = EventMeta & { type: "case.closed"; closure?: Closure; reason?: string | null };
/** team is null when the deadline passed before the case reached any team. */
export type CaseDeadlineBreached = EventMeta & { type: "case.deadline_breached"; deadline: DeadlineKind; dueAt: Date; team: TeamRef | null };

export type CaseEvent =
  | CaseOpened
  | GrievanceTriaged
  | CaseAssigned
  | CaseQueued
  | CaseAccepted
  | CaseNoteAdded
  | CaseMediationScheduled
  | CaseResolved
  | CaseEscalated
  | CaseReassigned
  | CaseReassignmentRequested
  | CaseRecategorised
  | CaseReopened
  | CaseClosed
  | CaseDeadlineBreached
  | MediationEvent;

// ---- state -----------------------------------------------------------------------------------

export interface UnopenedCase {
  status: "unopened";
  version: 0;
}
export interface OpenedCase {
  status: OpenedStatus;
  /** Number of events applied; the HTTP layer's ETag. */
  version: number;
  caseId: string;
  grievanceId: string;
  trackingCode: string;
  divisionCode: string;
  language: Language;
  receivedAt: Date;
  classification: { category: Category; urgency: Urgency; signals: RiskSignal[]; rulesetVersion: string } | null;
  team: TeamRef | null;
  caseworkerId: string | null;
  /** Kept through reassignment and escalation: the complainant's wait does not start over. */
  dueDates: DueDates | null;
  /** First acceptance; it settles the acknowledge deadline until the case is reopened. */
  acknowledgedAt: Date | null;
  mediation: { at: Date; place: string | null } | null;
  resolution: { outcome: ResolutionOutcome; summary: string; resolvedAt: Date } | null;
  breached: Record<DeadlineKind, boolean>;
  /** Parties, mediator, sessions, agreements, follow-up, referrals; absent on cases saved before mediation was recorded. */
  dispute?: Dispute;
}
export type CaseState = UnopenedCase | OpenedCase;

export const initialState: CaseState = { status: "unopened", version: 0 };

/** Statuses in which a case is still owed an answer, so its deadlines run. */
const DEADLINE_STATUSES: readonly OpenedStatus[] = ["triaged", "queued", "assigned", "accepted", "in_mediation"];

/** The deadlines a case can still miss, whether or not a breach was already recorded. */
export function runningDeadlines(state: CaseState): DeadlineKind[] {
  if (state.status === "unopened" || !DEADLINE_STATUSES.includes(state.status)) return [];
  return state.acknowledgedAt === null ? ["acknowledge", "resolve"] : ["resolve"];
}

// ---- decide ----------------------------------------------------------------------------------

export type RefusalCode = "invalid_state" | "not_permitted" | "invalid_command";
export interface Refusal {
  code: RefusalCode;
  message: string;
  /** the part of the command that is wrong, when one is */
  field?: string;
}
export type Decision = { ok: true; events: CaseEvent[] } | { ok: false; refusal: Refusal };

type Party = "assignee" | "team_supervisor" | "admin" | "system";

const permittedParties: Record<CaseCommandType, readonly Party[]> = {
  open: ["system"],
  triage: ["system"],
  assign: ["system", "team_supervisor", "admin"],
  queue: ["system", "team_supervisor", "admin"],
  accept: ["assignee"],
  addNote: ["assignee", "team_supervisor", "admin"],
  scheduleMediation: ["assignee", "team_supervisor", "admin"],
  resolve: ["assignee", "team_supervisor", "admin"],
  escalate: ["assignee", "team_supervisor", "admin", "system"],
  escalateOverdue: ["system"],
  reassign: ["team_supervisor", "admin"],
  requestReassignment: ["assignee"],
  // The triager holding a desk case, the caseworker holding any case, or their supervisor.
  recategorise: ["assignee", "team_supervisor", "admin"],
  reopen: ["team_supervisor", "admin"],
  close: ["assignee", "team_supervisor", "admin", "system"],
  recordBreach: ["system"],
  addParty: ["assignee", "team_supervisor", "admin"],
  assignMediator: ["assignee", "team_supervisor", "admin"],
  scheduleSession: ["assignee", "team_supervisor", "admin"],
  rescheduleSession: ["assignee", "team_supervisor", "admin"],
  cancelSession: ["assignee", "team_supervisor", "admin"],
  recordSession: ["assignee", "team_supervisor", "admin"],
  recordAgreement: ["assignee", "team_supervisor", "admin"],
  markObligation: ["assignee", "team_supervisor", "admin"],
  recordFollowUp: ["assignee", "team_supervisor", "admin"],
  refer: ["assignee", "team_supervisor", "admin"],
  // The receiving body's acknowledgement is recorded by whoever it reached (or arrives from their system).
  acknowledgeReferral: ["assignee", "team_supervisor", "admin", "system"],
  decline: ["assignee", "team_supervisor", "admin", "system"],
  // The complainant withdraws by telling the hotline; staff record it.
  withdraw: ["assignee", "team_supervisor", "admin"],
  recordMediationBreach: ["system"],
};

const allowedFrom: Record<Exclude<CaseCommandType, "open">, readonly OpenedStatus[]> = {
  triage: ["received"],
  assign: ["triaged", "queued"],
  queue: ["triaged"],
  accept: ["assigned"],
  addNote: ["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "resolved"],
  scheduleMediation: ["accepted", "in_mediation"],
  resolve: ["accepted", "in_mediation"],
  escalate: ["queued", "assigned", "accepted", "in_mediation"],
  escalateOverdue: ["referred", "resolved", "closed"],
  reassign: ["assigned", "accepted", "in_mediation"],
  requestReassignment: ["assigned", "accepted", "in_mediation"],
  recategorise: ["queued", "assigned", "accepted", "in_mediation"],
  reopen: ["resolved", "closed"],
  close: ["resolved"],
  recordBreach: DEADLINE_STATUSES,
  addParty: ["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "referred", "resolved"],
  assignMediator: ["assigned", "accepted", "in_mediation"],
  scheduleSession: ["accepted", "in_mediation"],
  rescheduleSession: ["accepted", "in_mediation"],
  cancelSession: ["accepted", "in_mediation"],
  recordSession: ["accepted", "in_mediation"],
  recordAgreement: ["in_mediation"],
  markObligation: ["in_mediation", "resolved", "closed"],
  recordFollowUp: ["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "referred", "resolved", "closed"],
  refer: ["accepted", "in_mediation"],
  acknowledgeReferral: ["referred", "in_mediation", "resolved", "closed"],
  decline: ["received", "triaged", "queued", "assigned", "accepted"],
  withdraw: ["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "referred"],
  recordMediationBreach: ["referred", "in_mediation", "resolved", "closed"],
};

const verbs: Record<CaseCommandType, string> = {
  open: "open",
  triage: "triage",
  assign: "assign",
  queue: "queue",
  accept: "accept",
  addNote: "add a note to",
  scheduleMediation: "schedule mediation for",
  resolve: "resolve",
  escalate: "escalate",
  escalateOverdue: "escalate",
  reassign: "reassign",
  requestReassignment: "ask for reassignment of",
  recategorise: "recategorise",
  reopen: "reopen",
  close: "close",
  recordBreach: "record a deadline breach on",
  addParty: "add a party to",
  assignMediator: "assign a mediator to",
  scheduleSession: "schedule a session for",
  rescheduleSession: "reschedule a session of",
  cancelSession: "cancel a session of",
  recordSession: "record a session of",
  recordAgreement: "record an agreement on",
  markObligation: "mark an obligation of",
  recordFollowUp: "record a follow-up visit on",
  refer: "refer",
  acknowledgeReferral: "acknowledge a referral of",
  decline: "decline",
  withdraw: "withdraw",
  recordMediationBreach: "record a deadline breach on",
};

const partyNames: Record<Party, string> = {
  assignee: "the assigned caseworker",
  team_supervisor: "a supervisor of the team holding the case",
  admin: "an admin",
  system: "the system",
};

// Most local first: escalation must move right along this list.
const LEVEL_ORDER = TeamLevel.options;

/**
 * Why this actor may not take this kind of command on this case, or undefined when they may.
 * Checked first of all, so a caller who may not act learns nothing else about the case.
 */
export function notPermitted(type: CaseCommandType, actor: Actor, state: CaseState): Refusal | undefined {
  const parties = permittedParties[type];
  if (parties.some((party) => actsAs(party, actor, state))) return undefined;
  return { code: "not_permitted", message: `${actor.role} ${actor.id} may not ${verbs[type]} this case: only ${parties.map((p) => partyNames[p]).join(" or ")} may` };
}

export function decide(command: CaseCommand, state: CaseState, context: DecisionContext): Decision {
  const { now, actor } = context;
  const verb = verbs[command.type];
  const refusal = notPermitted(command.type, actor, state);
  if (refusal) return { ok: false, refusal };

  const meta: EventMeta = { occurredAt: now, actor: { id: actor.id, role: actor.role } };
  if (command.type === "open") {
    if (state.status !== "unopened") return refuse("invalid_state", `case ${state.caseId} is already open`);
    return emit({
      type: "case.opened",
      ...meta,
      caseId: command.caseId,
      grievanceId: command.grievanceId,
      trackingCode: command.trackingCode,
      divisionCode: command.divisionCode,
      language: command.language,
      receivedAt: command.receivedAt,
    });
  }
  if (state.status === "unopened") return refuse("invalid_state", `cannot ${verb} a case that was never opened`);
  if (!allowedFrom[command.type].includes(state.status)) {
    return refuse("invalid_state", `cannot ${verb} a case that is ${state.status.replace("_", " ")}`);
  }

  switch (command.type) {
    case "triage":
      return emit({
        type: "grievance.triaged",
        ...meta,
        category: command.category,
        urgency: command.urgency,
        signals: command.signals.map(riskSignal),
        rulesetVersion: command.rulesetVersion,
        ...(command.modelVersion === undefined ? {} : { modelVersion: command.modelVersion }),
        ...(command.confidence === undefined ? {} : { confidence: command.confidence }),
      });
    case "assign":
      return emit({
        type: "case.assigned",
        ...meta,
        team: teamRef(command.team),
        caseworkerId: command.caseworkerId,
        dueDates: command.dueDates,
        reason: command.reason,
      });
    case "queue":
      return emit({ type: "case.queued", ...meta, team: teamRef(command.team), reason: command.reason });
    case "accept":
      return emit({ type: "case.accepted", ...meta, caseworkerId: actor.id });
    case "addNote":
      return emit({ type: "case.note_added", ...meta, text: command.text });
    case "scheduleMediation":
      if (command.at <= now) return refuse("invalid_command", "mediation can only be scheduled for a time still to come");
      return emit({ type: "case.mediation_scheduled", ...meta, at: command.at, place: command.place ?? null });
    case "resolve": {
      const resolved: CaseEvent = { type: "case.resolved", ...meta, outcome: command.outcome, summary: command.summary, level: resolutionLevel({ team: state.team, dispute: disputeOf(state) }) };
      return { ok: true, events: command.followUpAt ? [resolved, { type: "case.follow_up_scheduled", ...meta, dueAt: command.followUpAt }] : [resolved] };
    }
    case "escalate":
    case "escalateOverdue": {
      // A case declined or withdrawn before it was routed is closed without a team: nothing to move up.
      if (command.type === "escalateOverdue" && !state.team) return refuse("invalid_state", `case ${state.caseId} has no team to escalate from`);
      const fromTeam = held(state, state.team, "team");
      if (LEVEL_ORDER.indexOf(command.toTeam.level) <= LEVEL_ORDER.indexOf(fromTeam.level)) {
        return refuse("invalid_command", `escalation goes up a level: ${command.toTeam.level} is not above ${fromTeam.level}`);
      }
      return emit({ type: "case.escalated", ...meta, fromTeam, toTeam: teamRef(command.toTeam), reason: command.reason });
    }
    case "reassign": {
      const fromCaseworkerId = held(state, state.caseworkerId, "caseworker");
      if (command.toCaseworkerId === fromCaseworkerId) {
        return refuse("invalid_command", `the case is already assigned to ${fromCaseworkerId}`);
      }
      return emit({
        type: "case.reassigned",
        ...meta,
        team: held(state, state.team, "team"),
        fromCaseworkerId,
        toCaseworkerId: command.toCaseworkerId,
        dueDates: held(state, state.dueDates, "due dates"),
        reason: command.reason,
      });
    }
    case "requestReassignment":
      return emit({ type: "case.reassignment_requested", ...meta, team: held(state, state.team, "team"), caseworkerId: held(state, state.caseworkerId, "caseworker"), reason: command.reason });
    case "recategorise": {
      // The same category is a confirmation (a triager settling the model's likeliest guess): it still reroutes.
      const fromCategory = held(state, state.classification, "classification").category;
      const recategorised: CaseEvent = { type: "case.recategorised", ...meta, fromCategory, category: command.category, reason: command.reason };
      const route = command.route;
      const rerouted: CaseEvent =
        route.kind === "assign"
          ? { type: "case.assigned", ...meta, team: teamRef(route.team), caseworkerId: route.caseworkerId, dueDates: route.dueDates, reason: route.routing }
          : { type: "case.queued", ...meta, team: teamRef(route.team), reason: route.routing };
      return { ok: true, events: [recategorised, rerouted] };
    }
    case "reopen":
      // A grievance declined or withdrawn before it reached anyone has nobody to go back to.
      if (state.team === null || state.caseworkerId === null) return refuse("invalid_state", "the case was never assigned: there is nobody to reopen it to");
      return emit({
        type: "case.reopened",
        ...meta,
        team: held(state, state.team, "team"),
        caseworkerId: held(state, state.caseworkerId, "caseworker"),
        dueDates: command.dueDates,
        reason: command.reason,
      });
    case "close":
      return emit({ type: "case.closed", ...meta, closure: "closed", reason: command.reason ?? null });
    case "recordBreach":
      if (!runningDeadlines(state).includes(command.deadline)) {
        return refuse("invalid_state", "the case was acknowledged, so its acknowledge deadline no longer runs");
      }
      if (state.breached[command.deadline]) {
        return refuse("invalid_state", `the ${command.deadline} deadline breach is already recorded`);
      }
      if (command.dueAt >= now) return refuse("invalid_command", `the ${command.deadline} deadline has not passed yet`);
      return emit({ type: "case.deadline_breached", ...meta, deadline: command.deadline, dueAt: command.dueAt, team: state.team });
    default:
      return decideDispute(command, state, meta, now);
  }
}

type MediationCommandOf = Extract<CaseCommand, { type: MediationCommandType }>;

/** The mediation decision, and what it means for the case as a whole (closing, reopening, resolving on referral). */
function decideDispute(command: MediationCommandOf, state: OpenedCase, meta: EventMeta, now: Date): Decision {
  const dispute = disputeOf(state);
  // A resolved case that comes back starts a new wait: its old due dates (likely past) must not be what a raise tightens to.
  const comesBack = (state.status === "resolved" || state.status === "closed") && command.type === "markObligation" && command.status === "broken";
  const context = { status: state.status, urgency: state.classification?.urgency ?? null, team: state.team, caseworkerId: state.caseworkerId, dueDates: comesBack ? null : state.dueDates, dispute };
  const decision = decideMediation(command, context, meta, now);
  if (!decision.ok) return { ok: false, refusal: decision.refusal };
  const [first, ...rest] = decision.events as CaseEvent[];
  const events: CaseEvent[] = [first!];
  const reopen = (reason: string, dueDates: DueDates): CaseEvent[] =>
    state.status === "resolved" || state.status === "closed"
      ? [{ type: "case.reopened", ...meta, team: held(state, state.team, "team"), caseworkerId: held(state, state.caseworkerId, "caseworker"), dueDates, reason }]
      : [];
  switch (command.type) {
    case "markObligation":
      if (command.status === "broken") events.push(...reopen(`obligation ${command.obligationId} was broken`, command.dueDatesFrom[state.classification?.urgency ?? "P3"]));
      break;
    case "recordFollowUp":
      if (command.satisfaction === "not_satisfied") events.push(...reopen("the complainant was not satisfied at the follow-up visit", command.dueDatesFrom[state.classification?.urgency ?? "P3"]));
      break;
    case "acknowledgeReferral": {
      const referral = dispute.referrals.find((r) => r.referralId === command.referralId)!;
      if (referral.purpose === "handover" && state.status === "referred") {
        // The body by kind and referral: its name is sealed in the state (commands/seal-command.ts) and the case page shows it with the referral.
        events.push({ type: "case.resolved", ...meta, outcome: referralOutcome(referral), summary: `handed over (${referral.to.kind.replaceAll("_", " ")}, ${referral.referralId})`, level: "referred" });
      }
      break;
    }
    case "decline":
    case "withdraw":
      events.push({ type: "case.closed", ...meta, closure: command.type === "decline" ? "declined" : "withdrawn", reason: command.reason });
      break;
  }
  return { ok: true, events: [...events, ...rest] };
}

export function disputeOf(state: OpenedCase): Dispute {
  return state.dispute ?? emptyDispute();
}

function actsAs(party: Party, actor: Actor, state: CaseState): boolean {
  switch (party) {
    case "system":
    case "admin":
      return actor.role === party;
    case "team_supervisor":
      return actor.role === "supervisor" && state.status !== "unopened" && actor.team !== undefined && state.team?.id === actor.team;
    case "assignee":
      return (actor.role === "caseworker" || actor.role === "supervisor") && state.status !== "unopened" && state.caseworkerId === actor.id;
  }
}

/** Copies only the reference, so a caller passing a whole routing Team does not leak its configuration into events. */
function teamRef(team: TeamRef): TeamRef {
  return { id: team.id, level: team.level };
}

/** The contract's fields only: classify's signals carry offsets and weights that are not case facts. */
function riskSignal({ rule, level, matched }: RiskSignal): RiskSignal {
  return level ? { rule, level, matched } : { rule, matched };
}

// The statuses that reach these calls always hold the value; a missing one means a corrupt stream.
function held<T>(state: OpenedCase, value: T | null, what: string): T {
  if (value === null) throw new Error(`case ${state.caseId} is ${state.status} but has no ${what}`);
  return value;
}

function emit(event: CaseEvent): Decision {
  return { ok: true, events: [event] };
}

function refuse(code: RefusalCode, message: string): Decision {
  return { ok: false, refusal: { code, message } };
}

// ---- evolve ----------------------------------------------------------------------------------

export function evolve(state: CaseState, event: CaseEvent): CaseState {
  if (state.status === "unopened") {
    if (event.type !== "case.opened") throw new Error(`${event.type} cannot apply to a case that was never opened`);
    return {
      status: "received",
      version: 1,
      caseId: event.caseId,
      grievanceId: event.grievanceId,
      trackingCode: event.trackingCode,
      divisionCode: event.divisionCode,
      language: event.language,
      receivedAt: event.receivedAt,
      classification: null,
      team: null,
      caseworkerId: null,
      dueDates: null,
      acknowledgedAt: null,
      mediation: null,
      resolution: null,
      breached: { acknowledge: false, resolve: false },
    };
  }

  const next: OpenedCase = { ...state, version: state.version + 1 };
  switch (event.type) {
    case "case.opened":
      throw new Error(`case ${state.caseId} is already open`);
    case "grievance.triaged":
      return {
        ...next,
        status: "triaged",
        classification: { category: event.category, urgency: event.urgency, signals: event.signals, rulesetVersion: event.rulesetVersion },
      };
    case "case.recategorised":
      return state.classification ? { ...next, classification: { ...state.classification, category: event.category } } : next;
    case "case.assigned":
      return { ...next, status: "assigned", team: event.team, caseworkerId: event.caseworkerId, dueDates: event.dueDates };
    case "case.queued":
      return { ...next, status: "queued", team: event.team, caseworkerId: null };
    case "case.accepted":
      return { ...next, status: "accepted", acknowledgedAt: state.acknowledgedAt ?? event.occurredAt };
    case "case.note_added":
    case "case.reassignment_requested":
      return next;
    case "case.mediation_scheduled":
      return { ...next, status: "in_mediation", mediation: { at: event.at, place: event.place } };
    case "case.resolved":
      return {
        ...next,
        status: "resolved",
        resolution: { outcome: event.outcome, summary: event.summary, resolvedAt: event.occurredAt },
        dispute: { ...disputeOf(state), resolutionLevel: event.level ?? state.team?.level ?? null },
      };
    case "case.escalated":
      // A missed follow-up or referral acknowledgement moves only the responsibility up (escalateOverdue).
      if (state.status === "referred" || state.status === "resolved" || state.status === "closed") return { ...next, team: event.toTeam };
      return { ...next, status: "queued", team: event.toTeam, caseworkerId: null };
    case "case.reassigned":
      return { ...next, status: "assigned", caseworkerId: event.toCaseworkerId };
    case "case.reopened":
      return {
        ...next,
        status: "assigned",
        team: event.team,
        caseworkerId: event.caseworkerId,
        dueDates: event.dueDates,
        acknowledgedAt: null,
        mediation: null,
        resolution: null,
        breached: { acknowledge: false, resolve: false },
        dispute: { ...disputeOf(state), followUp: null, closure: null, resolutionLevel: null },
      };
    case "case.closed":
      return { ...next, status: "closed", dispute: event.closure ? { ...disputeOf(state), closure: { kind: event.closure, reason: event.reason ?? null } } : state.dispute };
    case "case.deadline_breached":
      return { ...next, breached: { ...state.breached, [event.deadline]: true } };
    case "case.session_scheduled":
      return { ...next, status: "in_mediation", dispute: evolveDispute(disputeOf(state), event) };
    case "case.urgency_raised":
      return state.classification ? { ...next, classification: { ...state.classification, urgency: event.urgency }, dueDates: event.dueDates } : next;
    case "case.referred":
      return { ...next, status: event.purpose === "handover" ? "referred" : state.status, dispute: evolveDispute(disputeOf(state), event) };
    default:
      return { ...next, dispute: evolveDispute(disputeOf(state), event) };
  }
}
