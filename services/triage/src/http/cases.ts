// The caseworker and supervisor API: their tasks, a case with its timeline, and the actions
// on it. A case outside the caller's assignment or team answers 404, so its existence does
// not leak; an action the lifecycle does not allow answers 409; a stale If-Match 412.
import type { FastifyInstance, FastifyReply } from "fastify";
import { HttpProblem, logRefusedReads, recordRead, refuseRead, requireRole, withTransaction, type Pool, type PoolClient, type Principal, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { CaseActionBodies, CaseStatusName, CaseView, TaskView, Urgency } from "@grievance-hub/schema";
import { z } from "zod";
import { notPermitted, type CaseCommand, type CaseCommandType, type DecisionContext, type OpenedCase, type Refusal } from "../domain/case-lifecycle";
import { computeDueDates, type DeadlinePolicy } from "../domain/deadlines";
import { loadCase } from "../db/cases";
import { findCaseView, listTasks, visibleTo } from "../db/case-views";
import { caseSealer, sealCommand, sealsPersonalData } from "../commands/seal-command";
import { caseworkersOf, listCaseworkers, teamsCovering } from "../db/directory";
import { routeToCaseworker } from "../domain/routing";
import { execute } from "../commands/execute";
import { escalationCommands } from "../commands/escalation";
import { followUpDueAt } from "../domain/mediation/policy";
import { mediationCommands } from "./mediation";
import { caseAccessReason, caseExists } from "./access-log";

const refusalStatus: Record<Refusal["code"], number> = { invalid_state: 409, not_permitted: 403, invalid_command: 422 };
const staff = ["caseworker", "supervisor", "admin"] as const;

function actorOf(p: Principal): DecisionContext["actor"] {
  if (p.role === "operator" || p.role === "auditor") throw new HttpProblem(403, "Forbidden");
  return { id: p.sub, role: p.role, ...(p.team ? { team: p.team } : {}) };
}

function setEtag(reply: FastifyReply, version: number): void {
  reply.header("etag", `"${version}"`);
}

export function caseRoutes(app: FastifyInstance, rt: ServiceRuntime, policy: DeadlinePolicy): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const auth = requireRole(rt.auth, staff);
  const CaseParams = z.object({ id: z.string() });

  api.get(
    "/v1/tasks",
    {
      onRequest: auth,
      schema: {
        summary: "My tasks (caseworker), my team's (supervisor), all (admin); ordered by the next deadline",
        security: [{ bearer: [] }],
        querystring: z.object({ status: CaseStatusName.optional(), urgency: Urgency.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.object({ tasks: z.array(TaskView) }) },
      },
    },
    async (req) => ({ tasks: await listTasks(rt.pool, req.principal!, req.query) }),
  );

  api.get(
    "/v1/cases/:id",
    { onRequest: auth, onError: logRefusedReads(rt.pool, "case"), schema: { summary: "A case with its timeline", security: [{ bearer: [] }], params: CaseParams, response: { 200: CaseView } } },
    async (req, reply) => {
      const id = req.params.id;
      const view = z.uuid().safeParse(id).success ? await findCaseView(rt.pool, rt.keyring, id, req.principal!) : undefined;
      if (!view) {
        if (z.uuid().safeParse(id).success && (await caseExists(rt, id))) refuseRead(req, id);
        throw new HttpProblem(404, "Not found", "No case with this id.");
      }
      // Every read of the case page is in the access log before it is answered.
      await recordRead(rt.pool, req, "case", id, caseAccessReason({ caseworkerId: view.caseworkerId, team: view.team }, req.principal!)!);
      setEtag(reply, view.version);
      return view;
    },
  );

  type Action = keyof typeof CaseActionBodies;
  // An action is the caller's command, possibly followed by the system's (escalating assigns someone above).
  const toCommand: { [A in Action]: (body: z.infer<(typeof CaseActionBodies)[A]>, state: OpenedCase, now: Date, db: Pool | PoolClient) => Promise<CaseCommand | CaseCommand[]> | CaseCommand } = {
    accept: () => ({ type: "accept" }),
    notes: (b) => ({ type: "addNote", text: b.text }),
    mediation: (b) => ({ type: "scheduleMediation", at: new Date(b.at), ...(b.place ? { place: b.place } : {}) }),
    resolve: (b, state, now) => ({
      type: "resolve", outcome: b.outcome, summary: b.summary,
      ...(state.classification ? { followUpAt: followUpDueAt(state.classification.urgency, state.classification.category, now) } : {}),
    }),
    escalate: async (b, state) => {
      const commands = await escalationCommands(rt.pool, state, policy, b.reason);
      if (commands.length === 0) throw new HttpProblem(409, "Conflict", "There is no team above the one holding this case for its division and category.");
      return commands;
    },
    assign: async (b, state) => {
      const members = await listCaseworkers(rt.pool, state.team?.id);
      if (!state.team || !members.some((m) => m.id === b.caseworkerId && m.active)) {
        throw new HttpProblem(422, "Unprocessable", "No active caseworker with this id in the case's team.", { errors: [{ field: "caseworkerId", message: "not an active member of the case's team" }] });
      }
      const urgency = state.classification?.urgency ?? "P3";
      return { type: "assign", team: state.team, caseworkerId: b.caseworkerId, dueDates: state.dueDates ?? computeDueDates(urgency, state.receivedAt, policy), reason: b.reason };
    },
    reassign: async (b, state) => {
      const members = await listCaseworkers(rt.pool, state.team?.id);
      if (!members.some((m) => m.id === b.toCaseworkerId && m.active)) {
        throw new HttpProblem(422, "Unprocessable", "No active caseworker with this id in the case's team.", { errors: [{ field: "toCaseworkerId", message: "not an active member of the case's team" }] });
      }
      return { type: "reassign", toCaseworkerId: b.toCaseworkerId, reason: b.reason };
    },
    "request-reassignment": (b) => ({ type: "requestReassignment", reason: b.reason }),
    reopen: (b, state, now) => ({ type: "reopen", reason: b.reason, dueDates: computeDueDates(state.classification?.urgency ?? "P3", now, policy) }),
    close: (b) => ({ type: "close", ...(b.reason ? { reason: b.reason } : {}) }),
    ...mediationCommands(rt, policy),
    recategorise: async (b, state) => {
      // Rerouted by the same routing as on arrival, for the settled category; the promise made at receipt holds.
      const urgency = state.classification?.urgency ?? "P3";
      const teams = await teamsCovering(rt.pool, state.divisionCode);
      const routing = routeToCaseworker({ divisionCode: state.divisionCode, category: b.category, language: state.language, urgency }, teams, await caseworkersOf(rt.pool, teams.map((t) => t.id)));
      const reason = routing.reasons.join("; ");
      if (routing.kind === "unroutable") throw new HttpProblem(409, "Conflict", `No team covers division ${state.divisionCode} for ${b.category}.`);
      const route =
        routing.kind === "caseworker"
          ? { kind: "assign" as const, team: routing.team, caseworkerId: routing.caseworker.id, dueDates: computeDueDates(urgency, state.receivedAt, policy), routing: reason }
          : { kind: "queue" as const, team: routing.team, routing: reason };
      return { type: "recategorise", category: b.category, reason: b.reason, route };
    },
  };

  // The lifecycle command each action asks for (its first, when it asks for more).
  const commandOf: Record<Action, CaseCommandType> = {
    accept: "accept",
    notes: "addNote",
    mediation: "scheduleMediation",
    resolve: "resolve",
    escalate: "escalate",
    reassign: "reassign",
    "request-reassignment": "requestReassignment",
    assign: "assign",
    reopen: "reopen",
    close: "close",
    parties: "addParty",
    mediator: "assignMediator",
    sessions: "scheduleSession",
    "reschedule-session": "rescheduleSession",
    "cancel-session": "cancelSession",
    "record-session": "recordSession",
    agreement: "recordAgreement",
    obligation: "markObligation",
    "follow-up": "recordFollowUp",
    refer: "refer",
    "acknowledge-referral": "acknowledgeReferral",
    decline: "decline",
    withdraw: "withdraw",
    recategorise: "recategorise",
  };

  for (const action of Object.keys(CaseActionBodies) as Action[]) {
    api.post(
      `/v1/cases/:id/${action}`,
      {
        onRequest: auth,
        onError: logRefusedReads(rt.pool, "case"),
        schema: {
          summary: `${action} (If-Match with the case's ETag guards against acting on a stale view)`,
          security: [{ bearer: [] }],
          params: CaseParams,
          headers: z.object({ "if-match": z.string().optional() }),
          body: CaseActionBodies[action],
          response: { 200: CaseView },
        },
      },
      async (req, reply) => {
        const principal = req.principal!;
        const id = req.params.id;
        if (!z.uuid().safeParse(id).success) throw new HttpProblem(404, "Not found", "No case with this id.");
        const now = new Date();
        await withTransaction(rt.pool, async (client) => {
          const state = await loadCase(client, id, true);
          if (!state || !visibleTo(state, principal)) {
            if (state) refuseRead(req, id);
            throw new HttpProblem(404, "Not found", "No case with this id.");
          }
          const ifMatch = req.headers["if-match"];
          if (ifMatch !== undefined && ifMatch !== "*" && ifMatch.replace(/^W\//, "").replaceAll('"', "") !== String(state.version)) {
            throw new HttpProblem(412, "Precondition failed", `The case has changed (version ${state.version}); reload it and try again.`);
          }
          // Before the command is built: building it may look up teams or mediators, and a caller
          // who may not act must get 403, not an answer that tells them what the lookup found.
          const refused = notPermitted(commandOf[action], actorOf(principal), state);
          if (refused) throw new HttpProblem(403, "Forbidden", refused.message);
          const [built, ...followUps] = [await toCommand[action](req.body as never, state, now, client)].flat();
          // What staff record about people is sealed in the command, the words they type in the events (seal-command.ts).
          const seal = await caseSealer(client, rt.keyring, id);
          const own = built && sealsPersonalData(built) ? sealCommand(built, seal) : built;
          const done = await execute(client, rt.outbox, state, [own!], { now, actor: actorOf(principal) }, { seal });
          if (!done.ok) {
            const { code, message, field } = done.refusal;
            throw new HttpProblem(refusalStatus[code], code === "invalid_state" ? "Conflict" : code === "not_permitted" ? "Forbidden" : "Unprocessable", message, field ? { errors: [{ field, message }] } : {});
          }
          if (followUps.length > 0) {
            const after = await execute(client, rt.outbox, done.state, followUps, { now, actor: { id: "triage", role: "system" } }, { seal });
            if (!after.ok) throw new Error(`triage refused its own follow-up: ${after.refusal.message}`);
          }
          // The answer is the case page: its read is logged with the action, on the grounds the caller had before it.
          await recordRead(client, req, "case", id, caseAccessReason(state, principal)!);
        });
        const view = (await findCaseView(rt.pool, rt.keyring, id, { ...principal, role: "admin" }))!;
        setEtag(reply, view.version);
        return view;
      },
    );
  }
}
