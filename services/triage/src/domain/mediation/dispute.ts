// The mediation part of the case decider: parties, the mediator, sessions, agreements and
// their obligations, the follow-up visit, referrals, declining and withdrawing. Pure like the
// rest of the lifecycle: ids, due dates and the clock come in with the command and context.
import { z } from "zod";
import {
  Language, PartyRole, ReceivingBodyKind, Satisfaction, SessionDanger, SessionResult, Urgency,
  type ResolutionLevel, type ResolutionOutcome,
} from "@grievance-hub/schema";
import type { TeamRef } from "../routing";

const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const CalendarDate = z.iso.date();
const LocalId = z.string().trim().min(1).max(100);
const Reason = z.string().trim().min(1).max(2000);
const Note = z.string().trim().min(1).max(10_000);
const Dates = z.object({ acknowledgeBy: Instant, resolveBy: Instant });
/** Due dates for each urgency counted from now, so the decider can tighten them without a policy. */
const DueDatesByUrgency = z.object({ P1: Dates, P2: Dates, P3: Dates, P4: Dates });
const ReceivingBody = z.object({ kind: ReceivingBodyKind, name: z.string().trim().min(1).max(200) });
export type ReceivingBody = z.infer<typeof ReceivingBody>;

// ---- commands --------------------------------------------------------------------------------

export const AddPartyCommand = z.object({
  type: z.literal("addParty"),
  partyId: LocalId,
  role: PartyRole,
  kind: z.enum(["person", "organisation"]),
  name: z.string().trim().min(1).max(200),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/).optional(),
  language: Language.optional(),
  consentToContact: z.boolean(),
});
export const AssignMediatorCommand = z.object({ type: z.literal("assignMediator"), mediatorId: LocalId, reason: Reason });
export const ScheduleSessionCommand = z.object({
  type: z.literal("scheduleSession"),
  sessionId: LocalId,
  at: Instant,
  durationMinutes: z.number().int().min(15).max(480),
  place: z.string().trim().min(1).max(500),
  invitedPartyIds: z.array(LocalId),
});
export const RescheduleSessionCommand = z.object({ type: z.literal("rescheduleSession"), sessionId: LocalId, at: Instant, place: z.string().trim().min(1).max(500).optional() });
export const CancelSessionCommand = z.object({ type: z.literal("cancelSession"), sessionId: LocalId, reason: Reason });
export const RecordSessionCommand = z.object({
  type: z.literal("recordSession"),
  sessionId: LocalId,
  complainantAttended: z.boolean(),
  attendedPartyIds: z.array(LocalId),
  result: SessionResult,
  danger: SessionDanger,
  note: Note.optional(),
  dueDatesFrom: DueDatesByUrgency,
});
export const RecordAgreementCommand = z.object({
  type: z.literal("recordAgreement"),
  agreementId: LocalId,
  sessionId: LocalId,
  terms: Note,
  signedOn: CalendarDate,
  obligations: z.array(z.object({ obligationId: LocalId, owedBy: LocalId, what: z.string().trim().min(1).max(2000), dueBy: CalendarDate })).min(1),
  judicialConfirmation: z.object({ court: z.string().trim().min(1).max(200), referralId: LocalId, acknowledgeBy: Instant }).optional(),
});
export const MarkObligationCommand = z.object({
  type: z.literal("markObligation"),
  agreementId: LocalId,
  obligationId: LocalId,
  status: z.enum(["fulfilled", "broken"]),
  note: Note.optional(),
  dueDatesFrom: DueDatesByUrgency,
});
export const RecordFollowUpCommand = z.object({
  type: z.literal("recordFollowUp"),
  reached: z.boolean(),
  satisfaction: Satisfaction.optional(),
  note: Note.optional(),
  dueDatesFrom: DueDatesByUrgency,
});
export const ReferCommand = z.object({ type: z.literal("refer"), referralId: LocalId, to: ReceivingBody, reason: Reason, acknowledgeBy: Instant });
export const AcknowledgeReferralCommand = z.object({ type: z.literal("acknowledgeReferral"), referralId: LocalId, reference: z.string().trim().min(1).max(200).optional() });
export const DeclineCommand = z.object({ type: z.literal("decline"), reason: Reason, goTo: ReceivingBody.optional() });
export const WithdrawCommand = z.object({ type: z.literal("withdraw"), reason: Reason });
export const MediationDeadlineKind = z.enum(["follow_up", "referral_acknowledgement", "obligation"]);
export type MediationDeadlineKind = z.infer<typeof MediationDeadlineKind>;
/** ref names the referral or obligation; the follow-up has none. */
export const RecordMediationBreachCommand = z.object({ type: z.literal("recordMediationBreach"), deadline: MediationDeadlineKind, ref: LocalId.optional(), dueAt: Instant });

export const mediationCommands = [
  AddPartyCommand, AssignMediatorCommand, ScheduleSessionCommand, RescheduleSessionCommand, CancelSessionCommand, RecordSessionCommand,
  RecordAgreementCommand, MarkObligationCommand, RecordFollowUpCommand, ReferCommand, AcknowledgeReferralCommand, DeclineCommand,
  WithdrawCommand, RecordMediationBreachCommand,
] as const;
export type MediationCommand = z.infer<(typeof mediationCommands)[number]>;
export type MediationCommandType = MediationCommand["type"];

// ---- events ----------------------------------------------------------------------------------

interface Meta {
  occurredAt: Date;
  actor: { id: string; role: "caseworker" | "supervisor" | "admin" | "system" };
}
type DueDates = { acknowledgeBy: Date; resolveBy: Date };
export type Closure = "closed" | "declined" | "withdrawn";

export type PartyAdded = Meta & { type: "case.party_added"; partyId: string; role: PartyRole; kind: "person" | "organisation"; name: string; phone: string | null; language: Language | null; consentToContact: boolean };
export type MediatorAssigned = Meta & { type: "case.mediator_assigned"; mediatorId: string; reason: string };
export type SessionScheduled = Meta & { type: "case.session_scheduled"; sessionId: string; mediatorId: string; at: Date; durationMinutes: number; place: string; invitedPartyIds: string[] };
export type SessionRescheduled = Meta & { type: "case.session_rescheduled"; sessionId: string; at: Date; place: string };
export type SessionCancelled = Meta & { type: "case.session_cancelled"; sessionId: string; reason: string };
export type SessionHeld = Meta & { type: "case.session_held"; sessionId: string; complainantAttended: boolean; attendedPartyIds: string[]; result: SessionResult; danger: SessionDanger; note: string | null };
export type UrgencyRaised = Meta & { type: "case.urgency_raised"; fromUrgency: Urgency; urgency: Urgency; reason: string; dueDates: DueDates; alertSupervisor: boolean };
export type AgreementRecorded = Meta & { type: "case.agreement_recorded"; agreementId: string; sessionId: string; terms: string; signedOn: string; obligations: { obligationId: string; owedBy: string; what: string; dueBy: string }[]; judicialConfirmation: boolean };
export type ObligationMarked = Meta & { type: "case.obligation_marked"; agreementId: string; obligationId: string; status: "fulfilled" | "broken"; note: string | null };
export type FollowUpScheduled = Meta & { type: "case.follow_up_scheduled"; dueAt: Date };
export type FollowUpRecorded = Meta & { type: "case.follow_up_recorded"; reached: boolean; satisfaction: Satisfaction | null; note: string | null };
export type Referred = Meta & { type: "case.referred"; referralId: string; to: ReceivingBody; purpose: "handover" | "judicial_confirmation"; reason: string; acknowledgeBy: Date };
export type ReferralAcknowledged = Meta & { type: "case.referral_acknowledged"; referralId: string; reference: string | null };
export type Declined = Meta & { type: "case.declined"; reason: string; goTo: ReceivingBody | null };
export type Withdrawn = Meta & { type: "case.withdrawn"; reason: string };
export type MediationDeadlineBreached = Meta & { type: "case.mediation_deadline_breached"; deadline: MediationDeadlineKind; ref: string | null; dueAt: Date; team: TeamRef | null };

export type MediationEvent =
  | PartyAdded | MediatorAssigned | SessionScheduled | SessionRescheduled | SessionCancelled | SessionHeld | UrgencyRaised
  | AgreementRecorded | ObligationMarked | FollowUpScheduled | FollowUpRecorded | Referred | ReferralAcknowledged | Declined | Withdrawn
  | MediationDeadlineBreached;

// ---- state -----------------------------------------------------------------------------------

export interface Party { partyId: string; role: PartyRole; kind: "person" | "organisation"; name: string; phone: string | null; language: Language | null; consentToContact: boolean }
export interface Session {
  sessionId: string; mediatorId: string; at: Date; durationMinutes: number; place: string; invitedPartyIds: string[];
  status: "scheduled" | "held" | "cancelled"; result: SessionResult | null; danger: SessionDanger | null;
}
export interface Obligation { obligationId: string; owedBy: string; what: string; dueBy: string; status: "open" | "fulfilled" | "broken"; overdueRecorded: boolean }
export interface Agreement { agreementId: string; sessionId: string; terms: string; signedOn: string; obligations: Obligation[] }
export interface Referral { referralId: string; to: ReceivingBody; purpose: "handover" | "judicial_confirmation"; acknowledgeBy: Date; acknowledgedAt: Date | null; overdueRecorded: boolean }
export interface FollowUp { dueAt: Date; recordedAt: Date | null; reached: boolean | null; satisfaction: Satisfaction | null; overdueRecorded: boolean }
export interface Dispute {
  parties: Party[];
  mediatorId: string | null;
  sessions: Session[];
  agreements: Agreement[];
  referrals: Referral[];
  followUp: FollowUp | null;
  closure: { kind: Closure; reason: string | null } | null;
  resolutionLevel: ResolutionLevel | null;
}

export const emptyDispute = (): Dispute => ({ parties: [], mediatorId: null, sessions: [], agreements: [], referrals: [], followUp: null, closure: null, resolutionLevel: null });

/** What the mediation decider needs of the case around it. */
export interface CaseContext {
  status: string;
  urgency: Urgency | null;
  team: TeamRef | null;
  caseworkerId: string | null;
  dueDates: DueDates | null;
  dispute: Dispute;
}

/** A refusal; field names the wrong part of the request, when one part is wrong. */
export interface MediationRefusal { code: "invalid_state" | "invalid_command"; message: string; field?: string }
export type MediationDecision = { ok: true; events: MediationEvent[] } | { ok: false; refusal: MediationRefusal };

const ok = (...events: MediationEvent[]): MediationDecision => ({ ok: true, events });
const refuse = (code: MediationRefusal["code"], message: string, field?: string): MediationDecision => ({ ok: false, refusal: { code, message, ...(field ? { field } : {}) } });

/** One level more urgent, P1 staying P1. */
export function raisedUrgency(u: Urgency): Urgency {
  return Urgency.options[Math.max(0, Urgency.options.indexOf(u) - 1)]!;
}

/** The sooner of each pair: raising urgency tightens the deadlines and never loosens them. */
function tighter(current: DueDates | null, next: DueDates): DueDates {
  if (!current) return next;
  return { acknowledgeBy: current.acknowledgeBy < next.acknowledgeBy ? current.acknowledgeBy : next.acknowledgeBy, resolveBy: current.resolveBy < next.resolveBy ? current.resolveBy : next.resolveBy };
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const OPEN_FOR_SESSIONS = ["accepted", "in_mediation"];

export function decideMediation(command: MediationCommand, c: CaseContext, meta: Meta, now: Date): MediationDecision {
  const d = c.dispute;
  const urgencyRaise = (to: Urgency, reason: string, dueDatesFrom: Record<Urgency, DueDates>, alertSupervisor: boolean): UrgencyRaised[] => {
    const from = c.urgency ?? "P3";
    if (Urgency.options.indexOf(to) >= Urgency.options.indexOf(from)) return [];
    return [{ type: "case.urgency_raised", ...meta, fromUrgency: from, urgency: to, reason, dueDates: tighter(c.dueDates, dueDatesFrom[to]), alertSupervisor }];
  };
  switch (command.type) {
    case "addParty":
      if (d.parties.some((p) => p.partyId === command.partyId)) return refuse("invalid_command", `party ${command.partyId} is already on the case`, "partyId");
      return ok({
        type: "case.party_added", ...meta, partyId: command.partyId, role: command.role, kind: command.kind, name: command.name,
        phone: command.phone ?? null, language: command.language ?? null, consentToContact: command.consentToContact,
      });
    case "assignMediator":
      if (d.mediatorId === command.mediatorId) return refuse("invalid_command", `mediator ${command.mediatorId} already mediates this case`, "mediatorId");
      if (d.sessions.some((s) => s.status === "scheduled")) return refuse("invalid_state", "a session is scheduled with the current mediator: cancel it before changing mediator");
      return ok({ type: "case.mediator_assigned", ...meta, mediatorId: command.mediatorId, reason: command.reason });
    case "scheduleSession": {
      if (!OPEN_FOR_SESSIONS.includes(c.status)) return refuse("invalid_state", `cannot schedule a session for a case that is ${c.status.replace("_", " ")}`);
      if (d.mediatorId === null) return refuse("invalid_state", "the case has no mediator: assign one first");
      if (command.at <= now) return refuse("invalid_command", "a session can only be scheduled for a time still to come", "at");
      if (d.sessions.some((s) => s.sessionId === command.sessionId)) return refuse("invalid_command", `session ${command.sessionId} exists`, "sessionId");
      const unknown = command.invitedPartyIds.findIndex((id) => !d.parties.some((p) => p.partyId === id));
      if (unknown >= 0) return refuse("invalid_command", `no party ${command.invitedPartyIds[unknown]} on this case`, `invitedPartyIds.${unknown}`);
      return ok({ type: "case.session_scheduled", ...meta, sessionId: command.sessionId, mediatorId: d.mediatorId, at: command.at, durationMinutes: command.durationMinutes, place: command.place, invitedPartyIds: command.invitedPartyIds });
    }
    case "rescheduleSession": {
      const s = d.sessions.find((x) => x.sessionId === command.sessionId);
      if (!s) return refuse("invalid_command", `no session ${command.sessionId} on this case`, "sessionId");
      if (s.status !== "scheduled") return refuse("invalid_state", `session ${s.sessionId} was ${s.status}`);
      if (command.at <= now) return refuse("invalid_command", "a session can only be moved to a time still to come", "at");
      return ok({ type: "case.session_rescheduled", ...meta, sessionId: s.sessionId, at: command.at, place: command.place ?? s.place });
    }
    case "cancelSession": {
      const s = d.sessions.find((x) => x.sessionId === command.sessionId);
      if (!s) return refuse("invalid_command", `no session ${command.sessionId} on this case`, "sessionId");
      if (s.status !== "scheduled") return refuse("invalid_state", `session ${s.sessionId} was ${s.status}`);
      return ok({ type: "case.session_cancelled", ...meta, sessionId: s.sessionId, reason: command.reason });
    }
    case "recordSession": {
      const s = d.sessions.find((x) => x.sessionId === command.sessionId);
      if (!s) return refuse("invalid_command", `no session ${command.sessionId} on this case`, "sessionId");
      if (s.status !== "scheduled") return refuse("invalid_state", `session ${s.sessionId} was ${s.status}`);
      const stranger = command.attendedPartyIds.findIndex((id) => !d.parties.some((p) => p.partyId === id));
      if (stranger >= 0) return refuse("invalid_command", `no party ${command.attendedPartyIds[stranger]} on this case`, `attendedPartyIds.${stranger}`);
      const held: SessionHeld = {
        type: "case.session_held", ...meta, sessionId: s.sessionId, complainantAttended: command.complainantAttended,
        attendedPartyIds: command.attendedPartyIds, result: command.result, danger: command.danger, note: command.note ?? null,
      };
      // Danger at a session is handled like a P1 at intake: the supervisor is alerted at once.
      const raise = command.danger === "none" ? [] : urgencyRaise("P1", `${command.danger} recorded at mediation session ${s.sessionId}`, command.dueDatesFrom, true);
      return ok(held, ...raise);
    }
    case "recordAgreement": {
      const s = d.sessions.find((x) => x.sessionId === command.sessionId);
      if (!s || s.status !== "held" || (s.result !== "agreement" && s.result !== "partial_agreement")) {
        return refuse("invalid_command", "an agreement is recorded against a held session that reached (partial) agreement", "sessionId");
      }
      if (d.agreements.some((a) => a.agreementId === command.agreementId)) return refuse("invalid_command", `agreement ${command.agreementId} exists`, "agreementId");
      if (command.signedOn > dayOf(now)) return refuse("invalid_command", "an agreement cannot be signed in the future", "signedOn");
      for (const [i, o] of command.obligations.entries()) {
        if (o.dueBy < command.signedOn) return refuse("invalid_command", "an obligation cannot fall due before the agreement was signed", `obligations.${i}.dueBy`);
        // case.agreement_recorded.v1 names an ower by party id only: the complainant owes nothing until a v2 can say so.
        if (!d.parties.some((p) => p.partyId === o.owedBy)) return refuse("invalid_command", `no party ${o.owedBy} on this case: an obligation is owed by a party added to the case`, `obligations.${i}.owedBy`);
      }
      const recorded: AgreementRecorded = {
        type: "case.agreement_recorded", ...meta, agreementId: command.agreementId, sessionId: s.sessionId, terms: command.terms, signedOn: command.signedOn,
        obligations: command.obligations.map((o) => ({ obligationId: o.obligationId, owedBy: o.owedBy, what: o.what, dueBy: o.dueBy })), judicialConfirmation: command.judicialConfirmation !== undefined,
      };
      const jc = command.judicialConfirmation;
      return jc
        ? ok(recorded, { type: "case.referred", ...meta, referralId: jc.referralId, to: { kind: "court", name: jc.court }, purpose: "judicial_confirmation", reason: `judicial confirmation of agreement ${command.agreementId}`, acknowledgeBy: jc.acknowledgeBy })
        : ok(recorded);
    }
    case "markObligation": {
      const a = d.agreements.find((x) => x.agreementId === command.agreementId);
      if (!a) return refuse("invalid_command", `no agreement ${command.agreementId} on this case`, "agreementId");
      const o = a.obligations.find((x) => x.obligationId === command.obligationId);
      if (!o) return refuse("invalid_command", `no obligation ${command.obligationId} in agreement ${a.agreementId}`, "obligationId");
      if (o.status !== "open") return refuse("invalid_state", `obligation ${o.obligationId} is already marked ${o.status}`);
      const marked: ObligationMarked = { type: "case.obligation_marked", ...meta, agreementId: a.agreementId, obligationId: o.obligationId, status: command.status, note: command.note ?? null };
      if (command.status === "fulfilled") return ok(marked);
      // A broken promise is how a settled dispute flares up again: back to its mediator, more urgent.
      const to = raisedUrgency(c.urgency ?? "P3");
      const reason = `obligation ${o.obligationId} of agreement ${a.agreementId} was broken`;
      // The lifecycle reopens a resolved case before the raise.
      return ok(marked, ...urgencyRaise(to, reason, command.dueDatesFrom, to === "P1"));
    }
    case "recordFollowUp": {
      if (c.status !== "resolved" && c.status !== "closed") return refuse("invalid_state", `a follow-up visit is made after resolution; this case is ${c.status.replace("_", " ")}`);
      if (command.reached && !command.satisfaction) return refuse("invalid_command", "say how satisfied the complainant is when they were reached", "satisfaction");
      if (!command.reached && command.satisfaction) return refuse("invalid_command", "satisfaction is known only when the complainant was reached", "satisfaction");
      const recorded: FollowUpRecorded = { type: "case.follow_up_recorded", ...meta, reached: command.reached, satisfaction: command.satisfaction ?? null, note: command.note ?? null };
      return ok(recorded);
    }
    case "refer":
      if (!["accepted", "in_mediation"].includes(c.status)) return refuse("invalid_state", `cannot refer a case that is ${c.status.replace("_", " ")}`);
      if (d.referrals.some((r) => r.referralId === command.referralId)) return refuse("invalid_command", `referral ${command.referralId} exists`, "referralId");
      return ok({ type: "case.referred", ...meta, referralId: command.referralId, to: command.to, purpose: "handover", reason: command.reason, acknowledgeBy: command.acknowledgeBy });
    case "acknowledgeReferral": {
      const r = d.referrals.find((x) => x.referralId === command.referralId);
      if (!r) return refuse("invalid_command", `no referral ${command.referralId} on this case`, "referralId");
      if (r.acknowledgedAt) return refuse("invalid_state", `referral ${r.referralId} was acknowledged already`);
      return ok({ type: "case.referral_acknowledged", ...meta, referralId: r.referralId, reference: command.reference ?? null });
    }
    case "decline":
      if (!["received", "triaged", "queued", "assigned", "accepted"].includes(c.status)) return refuse("invalid_state", `cannot decline a case that is ${c.status.replace("_", " ")}`);
      return ok({ type: "case.declined", ...meta, reason: command.reason, goTo: command.goTo ?? null });
    case "withdraw":
      if (c.status === "resolved" || c.status === "closed") return refuse("invalid_state", `the case is ${c.status} already: nothing to withdraw`);
      return ok({ type: "case.withdrawn", ...meta, reason: command.reason });
    case "recordMediationBreach": {
      if (command.dueAt >= now) return refuse("invalid_command", `the ${command.deadline} deadline has not passed yet`);
      const pending = mediationDeadlines(c).find((x) => x.deadline === command.deadline && (x.ref ?? null) === (command.ref ?? null));
      if (!pending) return refuse("invalid_state", `no unrecorded ${command.deadline} deadline${command.ref ? ` for ${command.ref}` : ""}`);
      return ok({ type: "case.mediation_deadline_breached", ...meta, deadline: command.deadline, ref: command.ref ?? null, dueAt: command.dueAt, team: c.team });
    }
  }
}

export interface MediationDeadline { deadline: MediationDeadlineKind; ref: string | null; dueAt: Date }

/** Mediation deadlines still running and not yet recorded as missed (whether due or not). */
export function mediationDeadlines(c: Pick<CaseContext, "status" | "dispute">): MediationDeadline[] {
  const d = c.dispute;
  const out: MediationDeadline[] = [];
  if (d.followUp && d.followUp.recordedAt === null && !d.followUp.overdueRecorded && (c.status === "resolved" || c.status === "closed")) {
    out.push({ deadline: "follow_up", ref: null, dueAt: d.followUp.dueAt });
  }
  for (const r of d.referrals) if (!r.acknowledgedAt && !r.overdueRecorded) out.push({ deadline: "referral_acknowledgement", ref: r.referralId, dueAt: r.acknowledgeBy });
  for (const a of d.agreements) {
    // An obligation is due at the end of its day (UTC): one that falls due today is not yet missed.
    for (const o of a.obligations) if (o.status === "open" && !o.overdueRecorded) out.push({ deadline: "obligation", ref: o.obligationId, dueAt: new Date(`${o.dueBy}T23:59:59.999Z`) });
  }
  return out;
}

/** The level a resolution was reached at: a handed-over case was resolved by the body it went to. */
export function resolutionLevel(c: Pick<CaseContext, "team" | "dispute">): ResolutionLevel {
  if (c.dispute.referrals.some((r) => r.purpose === "handover" && r.acknowledgedAt)) return "referred";
  return c.team?.level ?? "community";
}

/** The outcome a case takes when the body it was handed to acknowledges it. */
export function referralOutcome(r: Referral): ResolutionOutcome {
  return r.to.kind === "court" ? "referred_to_court" : "referred_to_agency";
}

// ---- evolve ----------------------------------------------------------------------------------

export function evolveDispute(d: Dispute, event: MediationEvent): Dispute {
  const session = (id: string, f: (s: Session) => Session) => d.sessions.map((s) => (s.sessionId === id ? f(s) : s));
  switch (event.type) {
    case "case.party_added":
      return { ...d, parties: [...d.parties, { partyId: event.partyId, role: event.role, kind: event.kind, name: event.name, phone: event.phone, language: event.language, consentToContact: event.consentToContact }] };
    case "case.mediator_assigned":
      return { ...d, mediatorId: event.mediatorId };
    case "case.session_scheduled":
      return { ...d, sessions: [...d.sessions, { sessionId: event.sessionId, mediatorId: event.mediatorId, at: event.at, durationMinutes: event.durationMinutes, place: event.place, invitedPartyIds: event.invitedPartyIds, status: "scheduled", result: null, danger: null }] };
    case "case.session_rescheduled":
      return { ...d, sessions: session(event.sessionId, (s) => ({ ...s, at: event.at, place: event.place })) };
    case "case.session_cancelled":
      return { ...d, sessions: session(event.sessionId, (s) => ({ ...s, status: "cancelled" })) };
    case "case.session_held":
      return { ...d, sessions: session(event.sessionId, (s) => ({ ...s, status: "held", result: event.result, danger: event.danger })) };
    case "case.urgency_raised":
      return d;
    case "case.agreement_recorded":
      return { ...d, agreements: [...d.agreements, { agreementId: event.agreementId, sessionId: event.sessionId, terms: event.terms, signedOn: event.signedOn, obligations: event.obligations.map((o) => ({ ...o, status: "open", overdueRecorded: false })) }] };
    case "case.obligation_marked":
      return {
        ...d,
        agreements: d.agreements.map((a) => (a.agreementId !== event.agreementId ? a : { ...a, obligations: a.obligations.map((o) => (o.obligationId === event.obligationId ? { ...o, status: event.status } : o)) })),
      };
    case "case.follow_up_scheduled":
      return { ...d, followUp: { dueAt: event.dueAt, recordedAt: null, reached: null, satisfaction: null, overdueRecorded: false } };
    case "case.follow_up_recorded":
      return { ...d, followUp: { dueAt: d.followUp?.dueAt ?? event.occurredAt, recordedAt: event.occurredAt, reached: event.reached, satisfaction: event.satisfaction, overdueRecorded: d.followUp?.overdueRecorded ?? false } };
    case "case.referred":
      return { ...d, referrals: [...d.referrals, { referralId: event.referralId, to: event.to, purpose: event.purpose, acknowledgeBy: event.acknowledgeBy, acknowledgedAt: null, overdueRecorded: false }] };
    case "case.referral_acknowledged":
      return { ...d, referrals: d.referrals.map((r) => (r.referralId === event.referralId ? { ...r, acknowledgedAt: event.occurredAt } : r)) };
    case "case.declined":
      return { ...d, closure: { kind: "declined", reason: event.reason } };
    case "case.withdrawn":
      return { ...d, closure: { kind: "withdrawn", reason: event.reason } };
    case "case.mediation_deadline_breached":
      if (event.deadline === "follow_up") return d.followUp ? { ...d, followUp: { ...d.followUp, overdueRecorded: true } } : d;
      if (event.deadline === "referral_acknowledgement") return { ...d, referrals: d.referrals.map((r) => (r.referralId === event.ref ? { ...r, overdueRecorded: true } : r)) };
      return { ...d, agreements: d.agreements.map((a) => ({ ...a, obligations: a.obligations.map((o) => (o.obligationId === event.ref ? { ...o, overdueRecorded: true } : o)) })) };
  }
}

/** JSON keeps dates as strings; the decider wants Dates back (and cases saved before mediation have no dispute). */
export function reviveDispute(json: unknown): Dispute {
  if (!json) return emptyDispute();
  const d = json as Dispute;
  const date = (v: unknown) => new Date(v as string);
  return {
    ...emptyDispute(),
    ...d,
    sessions: (d.sessions ?? []).map((s) => ({ ...s, at: date(s.at) })),
    referrals: (d.referrals ?? []).map((r) => ({ ...r, acknowledgeBy: date(r.acknowledgeBy), acknowledgedAt: r.acknowledgedAt ? date(r.acknowledgedAt) : null })),
    followUp: d.followUp ? { ...d.followUp, dueAt: date(d.followUp.dueAt), recordedAt: d.followUp.recordedAt ? date(d.followUp.recordedAt) : null } : null,
  };
}
