import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Category, ResolutionOutcome, Urgency, type RiskSignal } from "@grievance-hub/schema";
import {
  CaseCommand,
  CaseStatus,
  DeadlineKind,
  decide,
  evolve,
  initialState,
  type Actor,
  type CaseEvent,
  type CaseState,
  type Decision,
  type OpenedCase,
  type RefusalCode,
} from "../src/domain/case-lifecycle";
import type { Team, TeamRef } from "../src/domain/routing";

const T0 = new Date("2025-03-01T08:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const communityTeam: TeamRef = { id: "community-001002", level: "community" };
const streetTeam: TeamRef = { id: "street-001", level: "street" };
const districtTeam: TeamRef = { id: "district-0105", level: "district" };

const system: Actor = { id: "triage-service", role: "system" };
const alice: Actor = { id: "cw-alice", role: "caseworker" };
const bob: Actor = { id: "cw-bob", role: "caseworker" };
const supervisor: Actor = { id: "sup-community", role: "supervisor", team: communityTeam.id };
const streetSupervisor: Actor = { id: "sup-street", role: "supervisor", team: streetTeam.id };
const teamlessSupervisor: Actor = { id: "sup-nowhere", role: "supervisor" };
const admin: Actor = { id: "admin-1", role: "admin" };

const firstDueDates = { acknowledgeBy: at(15), resolveBy: at(24 * 60) };

const open: CaseCommand = {
  type: "open",
  caseId: "7d1f6f0e-5a43-5b8e-9c1a-2f0d3e4b5c6d",
  grievanceId: "0b9e3c52-8f4a-4d21-a3b7-5e6f7a8b9c0d",
  trackingCode: "GH7K2Q9X",
  divisionCode: "110105001002",
  language: "zh",
  receivedAt: T0,
};
const triage: CaseCommand = {
  type: "triage",
  category: "family",
  urgency: "P1",
  signals: [{ rule: "threat-of-violence", level: "P1", matched: "said he would hurt her" }],
  rulesetVersion: "2025.03.1",
};
const assignAlice: CaseCommand = { type: "assign", team: communityTeam, caseworkerId: alice.id, dueDates: firstDueDates, reason: "fewest open cases" };
const queue: CaseCommand = { type: "queue", team: communityTeam, reason: "nobody free" };
const accept: CaseCommand = { type: "accept" };
const scheduleMediation: CaseCommand = { type: "scheduleMediation", at: at(3 * 24 * 60), place: "community office" };
const resolve: CaseCommand = { type: "resolve", outcome: "mediated_agreement", summary: "both sides signed an agreement" };
const close: CaseCommand = { type: "close" };

type Step = [CaseCommand, Actor];

/** Applies steps that must all succeed, one minute apart, and returns the state and events. */
function run(steps: Step[], from: CaseState = initialState, start = 0): { state: CaseState; events: CaseEvent[] } {
  let state = from;
  const events: CaseEvent[] = [];
  steps.forEach(([command, actor], i) => {
    const decision = decide(command, state, { now: at(start + i), actor });
    if (!decision.ok) throw new Error(`${command.type} by ${actor.id} refused: ${decision.refusal.message}`);
    for (const event of decision.events) {
      state = evolve(state, event);
      events.push(event);
    }
  });
  return { state, events };
}

const stateAfter = (steps: Step[]) => run(steps).state;
const received = stateAfter([[open, system]]);
const triaged = stateAfter([[open, system], [triage, system]]);
const queued = stateAfter([[open, system], [triage, system], [queue, system]]);
const assigned = stateAfter([[open, system], [triage, system], [assignAlice, system]]);
const accepted = stateAfter([[open, system], [triage, system], [assignAlice, system], [accept, alice]]);
const inMediation = run([[scheduleMediation, alice]], accepted, 10).state;
const resolved = run([[resolve, alice]], inMediation, 20).state;
const closed = run([[close, alice]], resolved, 30).state;

function opened(state: CaseState): OpenedCase {
  if (state.status === "unopened") throw new Error("expected an opened case");
  return state;
}

function refusalOf(decision: Decision): { code: RefusalCode; message: string } {
  if (decision.ok) throw new Error(`expected a refusal, got ${decision.events.map((e) => e.type).join(", ")}`);
  return decision.refusal;
}

describe("case lifecycle: the usual path", () => {
  it("takes a grievance from received to closed, one version per event", () => {
    const { state, events } = run([
      [open, system],
      [triage, system],
      [assignAlice, system],
      [accept, alice],
      [{ type: "addNote", text: "called both parties" }, alice],
      [scheduleMediation, alice],
      [resolve, alice],
      [close, alice],
    ]);
    expect(events.map((e) => e.type)).toEqual([
      "case.opened",
      "grievance.triaged",
      "case.assigned",
      "case.accepted",
      "case.note_added",
      "case.mediation_scheduled",
      "case.resolved",
      "case.closed",
    ]);
    expect(state).toMatchObject({ status: "closed", version: 8, caseworkerId: alice.id, team: communityTeam });
    expect(opened(state).resolution).toEqual({ outcome: "mediated_agreement", summary: "both sides signed an agreement", resolvedAt: at(6) });
  });

  it.each([
    { behaviour: "opens a case as received", state: received, status: "received", version: 1 },
    { behaviour: "marks a triaged case as awaiting routing", state: triaged, status: "triaged", version: 2 },
    { behaviour: "holds a queued case at the team without a caseworker", state: queued, status: "queued", version: 3 },
    { behaviour: "holds an assigned case with its caseworker and due dates", state: assigned, status: "assigned", version: 3 },
    { behaviour: "moves a case with a scheduled mediation to in mediation", state: inMediation, status: "in_mediation", version: 5 },
  ])("$behaviour", ({ state, status, version }) => {
    expect(state.status).toBe(status);
    expect(state.version).toBe(version);
  });

  it("stamps every event with the time and the actor, without the actor's team", () => {
    const decision = decide({ type: "reassign", toCaseworkerId: bob.id, reason: "alice is on leave" }, accepted, { now: at(99), actor: supervisor });
    expect(decision).toEqual({
      ok: true,
      events: [
        {
          type: "case.reassigned",
          occurredAt: at(99),
          actor: { id: supervisor.id, role: "supervisor" },
          team: communityTeam,
          fromCaseworkerId: alice.id,
          toCaseworkerId: bob.id,
          dueDates: firstDueDates,
          reason: "alice is on leave",
        },
      ],
    });
  });

  it("records only the team reference when given a whole routing team", () => {
    const routingTeam: Team = { ...communityTeam, divisionPrefix: "110105001002", categories: ["family"] };
    const { events } = run([[{ ...assignAlice, team: routingTeam }, system]], triaged);
    expect(events[0]).toMatchObject({ type: "case.assigned", team: communityTeam });
    expect(events[0]).not.toHaveProperty("team.divisionPrefix");
  });

  it("records only the contract's fields of a classifier signal", () => {
    const fromClassifier = { kind: "urgency", rule: "threat-of-violence", level: "P1" as const, matched: "hurt her", at: 12 };
    const categorySignal = { kind: "category", rule: "family-divorce", matched: "divorce", at: 40, weight: 2 };
    const { events } = run([[{ ...triage, signals: [fromClassifier, categorySignal] }, system]], received);
    expect(events[0]).toMatchObject({ type: "grievance.triaged" });
    expect(events[0]?.type === "grievance.triaged" && events[0].signals).toStrictEqual([
      { rule: "threat-of-violence", level: "P1", matched: "hurt her" },
      { rule: "family-divorce", matched: "divorce" },
    ]);
  });

  it.each(["referred_to_court", "referred_to_agency"] as const)("resolves a case by referral (%s)", (outcome) => {
    const { state } = run([[{ type: "resolve", outcome, summary: "beyond mediation" }, alice]], accepted, 10);
    expect(opened(state).resolution?.outcome).toBe(outcome);
  });

  it("keeps the first acknowledgement when a reassigned case is accepted again", () => {
    const { state } = run(
      [
        [{ type: "reassign", toCaseworkerId: bob.id, reason: "language" }, supervisor],
        [accept, bob],
      ],
      accepted,
      10,
    );
    expect(state).toMatchObject({ status: "accepted", caseworkerId: bob.id, acknowledgedAt: at(3), dueDates: firstDueDates });
  });

  it("asks the new caseworker to accept a reassigned case", () => {
    const { state } = run([[{ type: "reassign", toCaseworkerId: bob.id, reason: "workload" }, admin]], inMediation, 20);
    expect(state).toMatchObject({ status: "assigned", caseworkerId: bob.id, mediation: { at: at(3 * 24 * 60), place: "community office" } });
  });

  it("records the caseworker's request for reassignment for the supervisor, changing nothing else", () => {
    const before = opened(inMediation);
    const { state, events } = run([[{ type: "requestReassignment", reason: "the respondent is my cousin" }, alice]], inMediation, 20);
    expect(events).toEqual([{ type: "case.reassignment_requested", occurredAt: at(20), actor: { id: alice.id, role: "caseworker" }, team: communityTeam, caseworkerId: alice.id, reason: "the respondent is my cousin" }]);
    expect(state).toEqual({ ...before, version: before.version + 1 });
  });

  it("queues an escalated case at the higher team, keeping its due dates", () => {
    const { state, events } = run([[{ type: "escalate", toTeam: streetTeam, reason: "land dispute beyond the community" }, alice]], accepted, 10);
    expect(events[0]).toMatchObject({ type: "case.escalated", fromTeam: communityTeam, toTeam: streetTeam });
    expect(state).toMatchObject({ status: "queued", team: streetTeam, caseworkerId: null, dueDates: firstDueDates });
  });

  it("moves a missed duty of a resolved case (its follow-up visit) a level up, keeping its status, resolution and caseworker", () => {
    const overdue: CaseCommand = { type: "escalateOverdue", toTeam: streetTeam, reason: "the follow-up visit is overdue" };
    const { state, events } = run([[overdue, system]], resolved, 40);
    expect(events).toEqual([{ type: "case.escalated", occurredAt: at(40), actor: { id: system.id, role: "system" }, fromTeam: communityTeam, toTeam: streetTeam, reason: "the follow-up visit is overdue" }]);
    expect(state).toMatchObject({ status: "resolved", team: streetTeam, caseworkerId: alice.id, resolution: (resolved as OpenedCase).resolution });
    // The system's alone, for cases past their open work; an open case is escalated as a whole.
    expect(refusalOf(decide(overdue, resolved, { now: at(41), actor: supervisor })).code).toBe("not_permitted");
    expect(refusalOf(decide(overdue, accepted, { now: at(41), actor: system })).code).toBe("invalid_state");
    expect(refusalOf(decide({ ...overdue, toTeam: communityTeam }, resolved, { now: at(41), actor: system })).code).toBe("invalid_command");
  });

  it("reopens a resolved case to its caseworker with new due dates and a fresh acknowledgement", () => {
    const breached = run([[{ type: "recordBreach", deadline: "resolve", dueAt: firstDueDates.resolveBy }, system]], accepted, 24 * 60 + 1).state;
    const resolvedLate = run([[resolve, alice]], breached, 24 * 60 + 5).state;
    const newDueDates = { acknowledgeBy: at(3 * 24 * 60), resolveBy: at(10 * 24 * 60) };
    const { state, events } = run([[{ type: "reopen", reason: "the agreement was broken", dueDates: newDueDates }, supervisor]], resolvedLate, 2 * 24 * 60);
    expect(events[0]).toMatchObject({ type: "case.reopened", team: communityTeam, caseworkerId: alice.id, dueDates: newDueDates });
    expect(state).toMatchObject({
      status: "assigned",
      caseworkerId: alice.id,
      dueDates: newDueDates,
      acknowledgedAt: null,
      resolution: null,
      breached: { acknowledge: false, resolve: false },
    });
  });

  it("reopens a closed case", () => {
    const { state } = run([[{ type: "reopen", reason: "complainant called back", dueDates: firstDueDates }, admin]], closed, 40);
    expect(state.status).toBe("assigned");
  });

  it("assigns a queued case once someone is free", () => {
    const { state } = run([[{ ...assignAlice, reason: "picked by the supervisor" }, supervisor]], queued, 10);
    expect(state).toMatchObject({ status: "assigned", caseworkerId: alice.id });
  });

  it("records a missed deadline once", () => {
    const breach: CaseCommand = { type: "recordBreach", deadline: "acknowledge", dueAt: firstDueDates.acknowledgeBy };
    const { state, events } = run([[breach, system]], assigned, 16);
    expect(events[0]).toMatchObject({ type: "case.deadline_breached", deadline: "acknowledge", dueAt: at(15), team: communityTeam });
    expect(state).toMatchObject({ status: "assigned", breached: { acknowledge: true, resolve: false } });
    expect(refusalOf(decide(breach, state, { now: at(17), actor: system })).code).toBe("invalid_state");
  });
});

describe("case lifecycle: refusals", () => {
  const cases: { behaviour: string; state: CaseState; command: CaseCommand; actor: Actor; code: RefusalCode }[] = [
    { behaviour: "refuses to resolve a case that was never accepted", state: assigned, command: resolve, actor: alice, code: "invalid_state" },
    { behaviour: "refuses to close a case that is not resolved", state: inMediation, command: close, actor: alice, code: "invalid_state" },
    { behaviour: "refuses to open a case twice", state: received, command: open, actor: system, code: "invalid_state" },
    { behaviour: "refuses to triage a case twice", state: triaged, command: triage, actor: system, code: "invalid_state" },
    { behaviour: "refuses to act on a case that was never opened", state: initialState, command: triage, actor: system, code: "invalid_state" },
    { behaviour: "refuses to queue a case that is already assigned", state: assigned, command: queue, actor: system, code: "invalid_state" },
    { behaviour: "refuses to assign a case that is not yet triaged", state: received, command: assignAlice, actor: system, code: "invalid_state" },
    { behaviour: "refuses to schedule mediation before the case is accepted", state: assigned, command: scheduleMediation, actor: alice, code: "invalid_state" },
    { behaviour: "refuses to reopen a case that is still open", state: accepted, command: { type: "reopen", reason: "x", dueDates: firstDueDates }, actor: supervisor, code: "invalid_state" },
    { behaviour: "refuses to add a note to a closed case", state: closed, command: { type: "addNote", text: "late" }, actor: supervisor, code: "invalid_state" },
    { behaviour: "refuses to escalate a case no team holds yet", state: triaged, command: { type: "escalate", toTeam: streetTeam, reason: "x" }, actor: system, code: "invalid_state" },
    { behaviour: "refuses to escalate a resolved case", state: resolved, command: { type: "escalate", toTeam: streetTeam, reason: "x" }, actor: supervisor, code: "invalid_state" },
    { behaviour: "refuses to record an acknowledge breach once the case was accepted", state: accepted, command: { type: "recordBreach", deadline: "acknowledge", dueAt: at(15) }, actor: system, code: "invalid_state" },
    { behaviour: "refuses to record a breach on a resolved case", state: resolved, command: { type: "recordBreach", deadline: "resolve", dueAt: at(0) }, actor: system, code: "invalid_state" },

    { behaviour: "refuses a caseworker accepting a case assigned to someone else", state: assigned, command: accept, actor: bob, code: "not_permitted" },
    { behaviour: "refuses a caseworker resolving a case assigned to someone else", state: accepted, command: resolve, actor: bob, code: "not_permitted" },
    { behaviour: "refuses a caseworker adding a note to a case assigned to someone else", state: accepted, command: { type: "addNote", text: "x" }, actor: bob, code: "not_permitted" },
    { behaviour: "refuses a caseworker taking a case from the team queue", state: queued, command: accept, actor: alice, code: "not_permitted" },
    { behaviour: "refuses a supervisor accepting on a caseworker's behalf", state: assigned, command: accept, actor: supervisor, code: "not_permitted" },
    { behaviour: "refuses the assigned caseworker reassigning their own case", state: accepted, command: { type: "reassign", toCaseworkerId: bob.id, reason: "x" }, actor: alice, code: "not_permitted" },
    { behaviour: "refuses the system reassigning a case", state: accepted, command: { type: "reassign", toCaseworkerId: bob.id, reason: "x" }, actor: system, code: "not_permitted" },
    { behaviour: "refuses a supervisor of another team reassigning", state: accepted, command: { type: "reassign", toCaseworkerId: bob.id, reason: "x" }, actor: streetSupervisor, code: "not_permitted" },
    { behaviour: "refuses a supervisor with no team reassigning", state: accepted, command: { type: "reassign", toCaseworkerId: bob.id, reason: "x" }, actor: teamlessSupervisor, code: "not_permitted" },
    { behaviour: "refuses a caseworker asking to reassign a case assigned to someone else", state: accepted, command: { type: "requestReassignment", reason: "x" }, actor: bob, code: "not_permitted" },
    { behaviour: "refuses a supervisor asking for reassignment of a case they do not hold (they reassign it)", state: accepted, command: { type: "requestReassignment", reason: "x" }, actor: supervisor, code: "not_permitted" },
    { behaviour: "refuses a request for reassignment of a resolved case", state: resolved, command: { type: "requestReassignment", reason: "x" }, actor: alice, code: "invalid_state" },
    { behaviour: "refuses a caseworker reopening a case", state: resolved, command: { type: "reopen", reason: "x", dueDates: firstDueDates }, actor: alice, code: "not_permitted" },
    { behaviour: "refuses a caseworker triaging", state: received, command: triage, actor: alice, code: "not_permitted" },
    { behaviour: "refuses a person recording a deadline breach", state: assigned, command: { type: "recordBreach", deadline: "acknowledge", dueAt: at(15) }, actor: supervisor, code: "not_permitted" },

    { behaviour: "refuses to schedule mediation in the past", state: accepted, command: { type: "scheduleMediation", at: at(-60) }, actor: alice, code: "invalid_command" },
    { behaviour: "refuses to escalate to a team at the same level", state: accepted, command: { type: "escalate", toTeam: { id: "community-x", level: "community" }, reason: "x" }, actor: alice, code: "invalid_command" },
    { behaviour: "refuses to escalate down a level", state: run([[{ type: "escalate", toTeam: districtTeam, reason: "x" }, system]], assigned, 20).state, command: { type: "escalate", toTeam: streetTeam, reason: "x" }, actor: admin, code: "invalid_command" },
    { behaviour: "refuses to reassign a case to the caseworker who has it", state: accepted, command: { type: "reassign", toCaseworkerId: alice.id, reason: "x" }, actor: supervisor, code: "invalid_command" },
    { behaviour: "refuses to record a breach before the deadline has passed", state: assigned, command: { type: "recordBreach", deadline: "acknowledge", dueAt: at(15) }, actor: system, code: "invalid_command" },
  ];

  it.each(cases)("$behaviour", ({ state, command, actor, code }) => {
    expect(refusalOf(decide(command, state, { now: at(10), actor })).code).toBe(code);
  });

  it("names who may act when it refuses someone", () => {
    const refusal = refusalOf(decide(resolve, accepted, { now: at(10), actor: bob }));
    expect(refusal.message).toBe(
      "caseworker cw-bob may not resolve this case: only the assigned caseworker or a supervisor of the team holding the case or an admin may",
    );
  });

  it("says which state forbids the action", () => {
    expect(refusalOf(decide(resolve, assigned, { now: at(10), actor: alice })).message).toBe("cannot resolve a case that is assigned");
  });

  it.each([
    { behaviour: "lets the team's supervisor act on the case", actor: supervisor },
    { behaviour: "lets an admin act on any case", actor: admin },
    { behaviour: "lets the assigned caseworker act on their case", actor: alice },
  ])("$behaviour", ({ actor }) => {
    expect(decide({ type: "addNote", text: "ok" }, accepted, { now: at(10), actor }).ok).toBe(true);
  });

  it("refuses to fold an event into a case that was never opened", () => {
    expect(() => evolve(initialState, { type: "case.closed", occurredAt: T0, actor: system })).toThrow(/never opened/);
  });
});

describe("case lifecycle: command bodies", () => {
  it("reads instants in a body as dates", () => {
    expect(CaseCommand.parse({ type: "scheduleMediation", at: "2025-03-04T10:00:00+08:00", place: "community office" })).toEqual({
      type: "scheduleMediation",
      at: new Date("2025-03-04T02:00:00Z"),
      place: "community office",
    });
  });

  it.each([
    { behaviour: "rejects an unknown resolution outcome", body: { type: "resolve", outcome: "gave_up", summary: "x" } },
    { behaviour: "rejects an empty note", body: { type: "addNote", text: "   " } },
    { behaviour: "rejects a time without an offset", body: { type: "scheduleMediation", at: "2025-03-04 10:00" } },
    {
      behaviour: "rejects due dates that ask for acknowledgement after resolution",
      body: { type: "reopen", reason: "x", dueDates: { acknowledgeBy: "2025-03-05T00:00:00Z", resolveBy: "2025-03-04T00:00:00Z" } },
    },
    { behaviour: "rejects an unknown team level", body: { type: "escalate", toTeam: { id: "city", level: "city" }, reason: "x" } },
  ])("$behaviour", ({ body }) => {
    expect(CaseCommand.safeParse(body).success).toBe(false);
  });
});

describe("case lifecycle: properties", () => {
  const actors = [system, alice, bob, supervisor, streetSupervisor, admin];
  const teamArb = fc.constantFrom(communityTeam, streetTeam, districtTeam);
  const caseworkerArb = fc.constantFrom(alice.id, bob.id);
  const instantArb = fc.integer({ min: 0, max: 40 * 24 * 60 }).map(at);
  const dueDatesArb = fc.tuple(instantArb, instantArb).map(([a, b]) => (a <= b ? { acknowledgeBy: a, resolveBy: b } : { acknowledgeBy: b, resolveBy: a }));
  // Commands that move a case forward come more often, so sequences reach the later states.
  const forward = 3;
  const commandArb: fc.Arbitrary<CaseCommand> = fc.oneof(
    fc.constant(open),
    fc.record({
      type: fc.constant("triage" as const),
      category: fc.constantFrom(...Category.options),
      urgency: fc.constantFrom(...Urgency.options),
      signals: fc.constant<RiskSignal[]>([]),
      rulesetVersion: fc.constant("r1"),
    }),
    fc.record({ type: fc.constant("assign" as const), team: teamArb, caseworkerId: caseworkerArb, dueDates: dueDatesArb, reason: fc.constant("routed") }),
    fc.record({ type: fc.constant("queue" as const), team: teamArb, reason: fc.constant("nobody free") }),
    { arbitrary: fc.constant(accept), weight: forward },
    fc.constant({ type: "addNote" as const, text: "note" }),
    { arbitrary: fc.record({ type: fc.constant("scheduleMediation" as const), at: instantArb }), weight: forward },
    {
      arbitrary: fc.record({
        type: fc.constant("resolve" as const),
        outcome: fc.constantFrom(...ResolutionOutcome.options),
        summary: fc.constant("done"),
      }),
      weight: forward,
    },
    fc.record({ type: fc.constant("escalate" as const), toTeam: teamArb, reason: fc.constant("beyond us") }),
    fc.record({ type: fc.constant("escalateOverdue" as const), toTeam: teamArb, reason: fc.constant("the follow-up visit is overdue") }),
    fc.record({ type: fc.constant("reassign" as const), toCaseworkerId: caseworkerArb, reason: fc.constant("workload") }),
    fc.constant<CaseCommand>({ type: "requestReassignment", reason: "a conflict of interest" }),
    fc.record({ type: fc.constant("reopen" as const), reason: fc.constant("back"), dueDates: dueDatesArb }),
    fc.record({
      type: fc.constant("recategorise" as const),
      category: fc.constantFrom(...Category.options),
      reason: fc.constant("it is about wages"),
      route: fc.oneof(
        fc.record({ kind: fc.constant("assign" as const), team: teamArb, caseworkerId: caseworkerArb, dueDates: dueDatesArb, routing: fc.constant("rerouted") }),
        fc.record({ kind: fc.constant("queue" as const), team: teamArb, routing: fc.constant("nobody free") }),
      ),
    }),
    { arbitrary: fc.constant(close), weight: forward },
    fc.record({ type: fc.constant("recordBreach" as const), deadline: fc.constantFrom(...DeadlineKind.options), dueAt: instantArb }),
    fc.constant<CaseCommand>({ type: "refer", referralId: "referral-1", to: { kind: "labour_arbitration", name: "arbitration committee" }, reason: "wages", acknowledgeBy: at(60 * 24 * 60) }),
    fc.constant<CaseCommand>({ type: "acknowledgeReferral", referralId: "referral-1" }),
    fc.constant<CaseCommand>({ type: "decline", reason: "not ours" }),
    fc.constant<CaseCommand>({ type: "withdraw", reason: "settled privately" }),
  );

  // Mostly the party who would plausibly send the command, so sequences get past the first refusals
  // and reach every state; anyone at all the rest of the time, so refusals are exercised too.
  const plausibleActors: Record<CaseCommand["type"], Actor[]> = {
    open: [system],
    triage: [system],
    assign: [system, admin],
    queue: [system],
    accept: [alice, bob],
    addNote: [alice, bob, supervisor],
    scheduleMediation: [alice, bob],
    resolve: [alice, bob],
    escalate: [alice, bob, system],
    escalateOverdue: [system],
    reassign: [supervisor, streetSupervisor, admin],
    requestReassignment: [alice, bob],
    recategorise: [alice, bob, supervisor],
    reopen: [supervisor, admin],
    close: [alice, bob, system],
    recordBreach: [system],
    addParty: [alice, bob],
    assignMediator: [alice, bob],
    scheduleSession: [alice, bob],
    rescheduleSession: [alice, bob],
    cancelSession: [alice, bob],
    recordSession: [alice, bob],
    recordAgreement: [alice, bob],
    markObligation: [alice, bob],
    recordFollowUp: [alice, bob],
    refer: [alice, bob],
    acknowledgeReferral: [alice, bob, system],
    decline: [alice, bob, system],
    withdraw: [alice, bob, supervisor],
    recordMediationBreach: [system],
  };
  const stepArb = commandArb.chain((command) =>
    fc.record({
      command: fc.constant(command),
      actor: fc.oneof({ arbitrary: fc.constantFrom(...plausibleActors[command.type]), weight: 3 }, { arbitrary: fc.constantFrom(...actors), weight: 1 }),
      advanceMinutes: fc.integer({ min: 0, max: 4 * 60 }),
    }),
  );
  const stepsArb = fc.array(stepArb, { minLength: 40, maxLength: 150, size: "max" });

  function assertCoherent(state: CaseState): void {
    expect(CaseStatus.options).toContain(state.status);
    if (state.status === "unopened") return;
    // Declined and withdrawn cases are closed from wherever they were, without a resolution.
    const closedUnresolved = state.status === "closed" && (state.dispute?.closure?.kind === "declined" || state.dispute?.closure?.kind === "withdrawn");
    if (closedUnresolved) return expect(state.resolution).toBeNull();
    const routed = state.status !== "received" && state.status !== "triaged";
    expect(state.classification === null).toBe(state.status === "received");
    expect(state.team !== null).toBe(routed);
    expect(state.caseworkerId !== null).toBe(routed && state.status !== "queued");
    if (state.caseworkerId !== null) expect(state.dueDates).not.toBeNull();
    if (["accepted", "in_mediation", "resolved", "closed"].includes(state.status)) expect(state.acknowledgedAt).not.toBeNull();
    if (state.status === "in_mediation") expect(state.mediation !== null || (state.dispute?.sessions.length ?? 0) > 0).toBe(true);
    expect(state.resolution !== null).toBe(state.status === "resolved" || state.status === "closed");
  }

  it("never leaves the allowed states, and the version counts the events", () => {
    const reached = new Set<CaseStatus>();
    fc.assert(
      fc.property(stepsArb, (steps) => {
        let state: CaseState = initialState;
        let events = 0;
        let minutes = 0;
        for (const { command, actor, advanceMinutes } of steps) {
          minutes += advanceMinutes;
          const decision = decide(command, state, { now: at(minutes), actor });
          if (!decision.ok) continue;
          for (const event of decision.events) {
            state = evolve(state, event);
            events += 1;
          }
          assertCoherent(state);
          expect(state.version).toBe(events);
          reached.add(state.status);
        }
      }),
      { numRuns: 400 },
    );
    // Guards the property itself: random commands must reach every state for it to say anything.
    expect([...reached].sort()).toEqual(CaseStatus.options.filter((s) => s !== "unopened").sort());
  }, 30_000);

  it("decides without touching the state it is given", () => {
    fc.assert(
      fc.property(fc.constantFrom(initialState, received, triaged, queued, assigned, accepted, inMediation, resolved, closed), commandArb, fc.constantFrom(...actors), (state, command, actor) => {
        const snapshot = structuredClone(state);
        decide(command, state, { now: at(60), actor });
        expect(state).toEqual(snapshot);
      }),
    );
  });
});
