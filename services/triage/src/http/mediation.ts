// Mediation on the case API: the mediators directory (admins write, supervisors read), the
// commands behind the mediation actions of /v1/cases/:id/<action>, and the supervisors'
// statistics per division and month and their dashboard, both read from the statistics projection.
import type { FastifyInstance } from "fastify";
import { HttpProblem, requireRole, type Pool, type PoolClient, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CaseActionBodies, DashboardQuery, DivisionMonthStatistics, SupervisorDashboard, MediatorBody, MediatorView, type Category, type Language } from "@grievance-hub/schema";
import { z } from "zod";
import { disputeOf, type CaseCommand, type OpenedCase } from "../domain/case-lifecycle";
import type { DeadlinePolicy } from "../domain/deadlines";
import { routeToCaseworker, type Caseworker, type Team } from "../domain/routing";
import { dueDatesByUrgency, referralAcknowledgeBy } from "../domain/mediation/policy";
import { findTeam } from "../db/directory";
import { findMediators, markMediatorAssigned, mediatorBookedBetween, upsertMediator } from "../db/mediation";
import { divisionStatistics, supervisorDashboard } from "../db/statistics";

type Db = Pool | PoolClient;
type Bodies = typeof CaseActionBodies;
export type MediationAction = "parties" | "mediator" | "sessions" | "reschedule-session" | "cancel-session" | "record-session" | "agreement" | "obligation" | "follow-up" | "refer" | "acknowledge-referral" | "decline" | "withdraw";
type ToCommand = { [A in MediationAction]: (body: z.infer<Bodies[A]>, state: OpenedCase, now: Date, db: Db) => Promise<CaseCommand> | CaseCommand };

const Id = z.object({ id: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/, "letters, digits, '.', '_' or '-'") });

/** The next id of a kind on a case ("session-3"): readable in a curl, unique within the case, which is locked while it is given. */
const nextId = (kind: string, taken: { length: number }) => `${kind}-${taken.length + 1}`;

/** Mediators as routing sees caseworkers: one committee per level and division prefix, the least loaded of the most local first. */
async function chooseMediator(db: Db, state: OpenedCase): Promise<{ id: string; reasons: string[] }> {
  const category: Category = state.classification?.category ?? "other";
  const mediators = (await findMediators(db)).filter((m) => state.divisionCode.startsWith(m.divisionPrefix));
  const committees = new Map<string, Team>();
  for (const m of mediators) {
    const id = `${m.level}:${m.divisionPrefix}`;
    const team = committees.get(id) ?? { id, level: m.level, divisionPrefix: m.divisionPrefix, categories: [] };
    committees.set(id, { ...team, categories: [...new Set([...team.categories, ...m.specialties])] });
  }
  const candidates: Caseworker[] = mediators.map((m) => ({
    id: m.id, teamId: `${m.level}:${m.divisionPrefix}`, categories: m.specialties, languages: m.languages as Language[], active: m.active,
    capacity: m.capacity, openCases: m.openCases, lastAssignedAt: m.lastAssignedAt,
  }));
  const routed = routeToCaseworker({ divisionCode: state.divisionCode, category, language: state.language, urgency: state.classification?.urgency ?? "P3" }, [...committees.values()], candidates);
  if (routed.kind !== "caseworker") {
    throw new HttpProblem(409, "Conflict", `No mediator is free for ${category} in division ${state.divisionCode}; name one with mediatorId.`);
  }
  return { id: routed.caseworker.id, reasons: routed.reasons.map((r) => r.replace(/caseworker/g, "mediator")) };
}

export function mediationCommands(rt: ServiceRuntime, policy: DeadlinePolicy): ToCommand {
  return {
    parties: (b, state) => ({
      type: "addParty", partyId: nextId("party", disputeOf(state).parties), role: b.role, kind: b.kind, name: b.name,
      ...(b.phone ? { phone: b.phone } : {}), ...(b.language ? { language: b.language } : {}), consentToContact: b.consentToContact,
    }),
    mediator: async (b, state, now, db) => {
      if (b.mediatorId) {
        const named = (await findMediators(db)).find((m) => m.id === b.mediatorId && m.active);
        if (!named) throw new HttpProblem(422, "Unprocessable", "No active mediator with this id.", { errors: [{ field: "mediatorId", message: "not an active mediator" }] });
        return { type: "assignMediator", mediatorId: named.id, reason: "named by the caseworker" };
      }
      const chosen = await chooseMediator(db, state);
      await markMediatorAssigned(db, chosen.id, now);
      return { type: "assignMediator", mediatorId: chosen.id, reason: chosen.reasons.join("; ") };
    },
    sessions: async (b, state, _now, db) => {
      const at = new Date(b.at);
      const mediatorId = disputeOf(state).mediatorId;
      if (mediatorId && (await mediatorBookedBetween(db, mediatorId, at, b.durationMinutes, null))) {
        throw new HttpProblem(409, "Conflict", "The mediator is in another session at that time.", { errors: [{ field: "at", message: "the mediator is booked then" }] });
      }
      return { type: "scheduleSession", sessionId: nextId("session", disputeOf(state).sessions), at, durationMinutes: b.durationMinutes, place: b.place, invitedPartyIds: b.invitedPartyIds };
    },
    "reschedule-session": async (b, state, _now, db) => {
      const at = new Date(b.at);
      const session = disputeOf(state).sessions.find((s) => s.sessionId === b.sessionId);
      if (session && (await mediatorBookedBetween(db, session.mediatorId, at, session.durationMinutes, { caseId: state.caseId, sessionId: session.sessionId }))) {
        throw new HttpProblem(409, "Conflict", "The mediator is in another session at that time.", { errors: [{ field: "at", message: "the mediator is booked then" }] });
      }
      return { type: "rescheduleSession", sessionId: b.sessionId, at, ...(b.place ? { place: b.place } : {}) };
    },
    "cancel-session": (b) => ({ type: "cancelSession", sessionId: b.sessionId, reason: b.reason }),
    "record-session": (b, _state, now) => ({
      type: "recordSession", sessionId: b.sessionId, complainantAttended: b.complainantAttended, attendedPartyIds: b.attendedPartyIds,
      result: b.result, danger: b.danger, ...(b.note ? { note: b.note } : {}), dueDatesFrom: dueDatesByUrgency(now, policy),
    }),
    agreement: (b, state, now) => {
      const agreementId = nextId("agreement", disputeOf(state).agreements);
      return {
        type: "recordAgreement", agreementId, sessionId: b.sessionId, terms: b.terms, signedOn: b.signedOn,
        obligations: b.obligations.map((o, i) => ({ obligationId: `${agreementId}.${i + 1}`, owedBy: o.owedBy, what: o.what, dueBy: o.dueBy })),
        ...(b.judicialConfirmation ? { judicialConfirmation: { court: b.judicialConfirmation.court, referralId: nextId("referral", disputeOf(state).referrals), acknowledgeBy: referralAcknowledgeBy(now) } } : {}),
      };
    },
    obligation: (b, _state, now) => ({ type: "markObligation", agreementId: b.agreementId, obligationId: b.obligationId, status: b.status, ...(b.note ? { note: b.note } : {}), dueDatesFrom: dueDatesByUrgency(now, policy) }),
    "follow-up": (b, _state, now) => ({
      type: "recordFollowUp", reached: b.reached, ...(b.satisfaction ? { satisfaction: b.satisfaction } : {}), ...(b.note ? { note: b.note } : {}), dueDatesFrom: dueDatesByUrgency(now, policy),
    }),
    refer: (b, state, now) => ({ type: "refer", referralId: nextId("referral", disputeOf(state).referrals), to: b.to, reason: b.reason, acknowledgeBy: referralAcknowledgeBy(now) }),
    "acknowledge-referral": (b) => ({ type: "acknowledgeReferral", referralId: b.referralId, ...(b.reference ? { reference: b.reference } : {}) }),
    decline: (b) => ({ type: "decline", reason: b.reason, ...(b.goTo ? { goTo: b.goTo } : {}) }),
    withdraw: (b) => ({ type: "withdraw", reason: b.reason }),
  };
}

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "YYYY-MM");

const DAY_MS = 86_400_000;
const DASHBOARD_DAYS = 30;
const MAX_DASHBOARD_DAYS = 92;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The dashboard's window of UTC days: `to` defaults to today, `from` to 30 days ending at `to`; at most 92 days. */
export function dashboardWindow(from: string | undefined, to: string | undefined, now: Date): { from: string; to: string } | { field: "from" | "to"; message: string } {
  const end = to ?? isoDay(now.getTime());
  const start = from ?? isoDay(Date.parse(end) - (DASHBOARD_DAYS - 1) * DAY_MS);
  if (end < start) return { field: "to", message: "before from" };
  if ((Date.parse(end) - Date.parse(start)) / DAY_MS + 1 > MAX_DASHBOARD_DAYS) return { field: "from", message: `the window is at most ${MAX_DASHBOARD_DAYS} days` };
  return { from: start, to: end };
}

export function mediationRoutes(app: FastifyInstance, rt: ServiceRuntime): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = requireRole(rt.auth, ["admin"]);
  const readers = requireRole(rt.auth, ["admin", "supervisor"]);

  api.get(
    "/v1/admin/mediators",
    { onRequest: readers, schema: { summary: "People's mediators with their open cases", security: [{ bearer: [] }], response: { 200: z.object({ mediators: z.array(MediatorView) }) } } },
    async () => ({
      mediators: (await findMediators(rt.pool)).map((m) => ({ id: m.id, name: m.name, level: m.level, divisionPrefix: m.divisionPrefix, specialties: m.specialties, languages: m.languages, capacity: m.capacity, active: m.active, openCases: m.openCases })),
    }),
  );

  api.put(
    "/v1/admin/mediators/:id",
    { onRequest: admin, schema: { summary: "Register or replace a people's mediator", security: [{ bearer: [] }], params: Id, body: MediatorBody, response: { 200: MediatorBody.extend({ id: z.string() }) } } },
    async (req) => {
      await upsertMediator(rt.pool, { id: req.params.id, ...req.body });
      return { id: req.params.id, ...req.body };
    },
  );

  api.get(
    "/v1/statistics",
    {
      onRequest: readers,
      schema: {
        summary: "Per month, for a division (a supervisor's own team's area by default): received, resolved at community level, mediation success, agreements holding, satisfaction, repeats, median days to resolution",
        security: [{ bearer: [] }],
        querystring: z.object({ division: z.string().regex(/^\d{2,12}$/, "2 to 12 digits").optional(), from: Month.optional(), to: Month.optional() }).strict(),
        response: { 200: z.object({ statistics: z.array(DivisionMonthStatistics) }) },
      },
    },
    async (req) => {
      const p = req.principal!;
      let division = req.query.division ?? "";
      if (p.role === "supervisor") {
        const team = p.team ? await findTeam(rt.pool, p.team) : undefined;
        if (!team) return { statistics: [] };
        if (!division) division = team.divisionPrefix;
        if (!division.startsWith(team.divisionPrefix)) {
          throw new HttpProblem(403, "Forbidden", "A supervisor sees the statistics of their own team's area.", { errors: [{ field: "division", message: `not within ${team.divisionPrefix}` }] });
        }
      }
      const from = req.query.from ?? "2000-01";
      const to = req.query.to ?? "2999-12";
      if (to < from) throw new HttpProblem(400, "Bad request", "to is before from.", { errors: [{ field: "to", message: "before from" }] });
      return { statistics: await divisionStatistics(rt.pool, division, from, to) };
    },
  );

  api.get(
    "/v1/statistics/dashboard",
    {
      onRequest: readers,
      schema: {
        summary: "The supervisor dashboard over a window of UTC days (default: the last 30; at most 92) for a division prefix (a supervisor's own team's area by default)",
        security: [{ bearer: [] }],
        querystring: DashboardQuery,
        response: { 200: SupervisorDashboard },
      },
    },
    async (req) => {
      const p = req.principal!;
      let division = req.query.division ?? "";
      if (p.role === "supervisor") {
        const team = p.team ? await findTeam(rt.pool, p.team) : undefined;
        if (!team) throw new HttpProblem(403, "Forbidden", "A supervisor sees the dashboard of their own team's area, and this one has no team.", { errors: [{ field: "division", message: "no team" }] });
        if (!division) division = team.divisionPrefix;
        if (!division.startsWith(team.divisionPrefix)) {
          throw new HttpProblem(403, "Forbidden", "A supervisor sees the dashboard of their own team's area.", { errors: [{ field: "division", message: `not within ${team.divisionPrefix}` }] });
        }
      }
      const now = new Date();
      const window = dashboardWindow(req.query.from, req.query.to, now);
      if ("field" in window) throw new HttpProblem(400, "Bad request", window.message, { errors: [{ field: window.field, message: window.message }] });
      return supervisorDashboard(rt.pool, division, window.from, window.to, now);
    },
  );
}
