import { describe, expect, it } from "vitest";
import type { Urgency } from "@grievance-hub/schema";
import { decide, evolve, initialState, type CaseEvent, type CaseState, type DueDates } from "../src/domain/case-lifecycle";
import { computeDueDates, DeadlinePolicy, defaultDeadlinePolicy, dueForBreach, nearDeadline } from "../src/domain/deadlines";
import { nextLevelTeam, type Team } from "../src/domain/routing";

const T0 = new Date("2025-03-01T08:00:00Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const hours = (n: number) => minutes(n * 60);
const days = (n: number) => hours(n * 24);
const seconds = (n: number) => new Date(T0.getTime() + n * 1000);

const system = { id: "triage-service", role: "system" as const };
const alice = { id: "cw-alice", role: "caseworker" as const };
const communityTeam: Team = { id: "community-001002", level: "community", divisionPrefix: "110105001002", categories: ["family"] };
const streetTeam: Team = { id: "street-001", level: "street", divisionPrefix: "110105001", categories: ["family"] };
const community = { id: communityTeam.id, level: communityTeam.level };

const meta = (at: Date, actor: CaseEvent["actor"] = system) => ({ occurredAt: at, actor });
const opened: CaseEvent = {
  type: "case.opened",
  ...meta(T0),
  caseId: "7d1f6f0e-5a43-5b8e-9c1a-2f0d3e4b5c6d",
  grievanceId: "0b9e3c52-8f4a-4d21-a3b7-5e6f7a8b9c0d",
  trackingCode: "GH7K2Q9X",
  divisionCode: "110105001002",
  language: "zh",
  receivedAt: T0,
};
const triaged = (urgency: Urgency): CaseEvent => ({
  type: "grievance.triaged",
  ...meta(T0),
  category: "family",
  urgency,
  signals: [],
  rulesetVersion: "2025.03.1",
});
const assigned = (dueDates: DueDates): CaseEvent => ({ type: "case.assigned", ...meta(minutes(1)), team: community, caseworkerId: alice.id, dueDates, reason: "fewest open cases" });
const queued: CaseEvent = { type: "case.queued", ...meta(minutes(1)), team: community, reason: "nobody free" };
const acceptedAt = (at: Date): CaseEvent => ({ type: "case.accepted", ...meta(at, alice), caseworkerId: alice.id });
const resolvedAt = (at: Date): CaseEvent => ({ type: "case.resolved", ...meta(at, alice), outcome: "mediated_agreement", summary: "agreed" });
const breached = (deadline: "acknowledge" | "resolve", dueAt: Date): CaseEvent => ({ type: "case.deadline_breached", ...meta(dueAt), deadline, dueAt, team: community });

const caseOf = (...events: CaseEvent[]): CaseState => events.reduce(evolve, initialState);

const p1Due = computeDueDates("P1", T0, defaultDeadlinePolicy);
const assignedP1 = caseOf(opened, triaged("P1"), assigned(p1Due));
const acceptedP1 = caseOf(opened, triaged("P1"), assigned(p1Due), acceptedAt(minutes(5)));

describe("computeDueDates with the default policy", () => {
  it.each([
    { urgency: "P1", acknowledge: "15 minutes", resolve: "24 hours", acknowledgeBy: minutes(15), resolveBy: hours(24) },
    { urgency: "P2", acknowledge: "2 hours", resolve: "3 days", acknowledgeBy: hours(2), resolveBy: days(3) },
    { urgency: "P3", acknowledge: "24 hours", resolve: "15 days", acknowledgeBy: hours(24), resolveBy: days(15) },
    { urgency: "P4", acknowledge: "3 days", resolve: "30 days", acknowledgeBy: days(3), resolveBy: days(30) },
  ] as const)("gives a $urgency grievance $acknowledge to be acknowledged and $resolve to be resolved", ({ urgency, acknowledgeBy, resolveBy }) => {
    expect(computeDueDates(urgency, T0, defaultDeadlinePolicy)).toEqual({ acknowledgeBy, resolveBy });
  });
});

describe("DeadlinePolicy from configuration", () => {
  it("keeps every default when the configuration says nothing", () => {
    expect(DeadlinePolicy.parse({})).toEqual({
      P1: { acknowledgeWithinMinutes: 15, resolveWithinMinutes: 1440 },
      P2: { acknowledgeWithinMinutes: 120, resolveWithinMinutes: 4320 },
      P3: { acknowledgeWithinMinutes: 1440, resolveWithinMinutes: 21600 },
      P4: { acknowledgeWithinMinutes: 4320, resolveWithinMinutes: 43200 },
    });
  });

  it("overrides one value and keeps the rest", () => {
    const policy = DeadlinePolicy.parse({ P1: { acknowledgeWithinMinutes: 10 } });
    expect(policy.P1).toEqual({ acknowledgeWithinMinutes: 10, resolveWithinMinutes: 1440 });
    expect(policy.P2).toEqual(defaultDeadlinePolicy.P2);
    expect(computeDueDates("P1", T0, policy).acknowledgeBy).toEqual(minutes(10));
  });

  it.each([
    { behaviour: "rejects acknowledgement due after resolution", config: { P3: { acknowledgeWithinMinutes: 30_000 } } },
    { behaviour: "rejects a zero duration", config: { P2: { acknowledgeWithinMinutes: 0 } } },
    { behaviour: "rejects a fraction of a minute", config: { P2: { acknowledgeWithinMinutes: 1.5 } } },
    { behaviour: "rejects an ISO-8601 duration, since durations are minutes", config: { P1: { acknowledgeWithinMinutes: "PT15M" } } },
    { behaviour: "rejects an urgency that does not exist", config: { P5: {} } },
    { behaviour: "rejects a misspelt field instead of ignoring it", config: { P1: { acknowledgeWithin: 10 } } },
  ])("$behaviour", ({ config }) => {
    expect(DeadlinePolicy.safeParse(config).success).toBe(false);
  });
});

describe("dueForBreach", () => {
  it("escalates a P1 that nobody acknowledged within 15 minutes", () => {
    const now = minutes(16);
    const [missed, ...rest] = dueForBreach(assignedP1, now, defaultDeadlinePolicy);
    expect(rest).toEqual([]);
    expect(missed).toEqual({ deadline: "acknowledge", dueAt: minutes(15) });

    const breach = decide({ type: "recordBreach", deadline: "acknowledge", dueAt: minutes(15) }, assignedP1, { now, actor: system });
    if (!breach.ok) throw new Error(breach.refusal.message);
    const afterBreach = breach.events.reduce(evolve, assignedP1);

    const toTeam = nextLevelTeam(communityTeam, "110105001002", "family", [communityTeam, streetTeam]);
    expect(toTeam?.id).toBe(streetTeam.id);
    const escalation = decide({ type: "escalate", toTeam: streetTeam, reason: "not acknowledged within 15 minutes" }, afterBreach, { now, actor: system });
    if (!escalation.ok) throw new Error(escalation.refusal.message);
    const escalated = escalation.events.reduce(evolve, afterBreach);

    expect(escalated).toMatchObject({ status: "queued", team: { id: streetTeam.id, level: "street" } });
    expect(dueForBreach(escalated, minutes(17), defaultDeadlinePolicy)).toEqual([]);
  });

  it.each([
    { behaviour: "finds nothing due at the acknowledge-by instant itself", state: assignedP1, now: minutes(15), due: [] },
    { behaviour: "finds the acknowledge deadline passed one second later", state: assignedP1, now: seconds(15 * 60 + 1), due: [{ deadline: "acknowledge", dueAt: minutes(15) }] },
    {
      behaviour: "finds both deadlines passed when nobody acknowledged for a day",
      state: assignedP1,
      now: hours(25),
      due: [
        { deadline: "acknowledge", dueAt: minutes(15) },
        { deadline: "resolve", dueAt: hours(24) },
      ],
    },
    { behaviour: "holds an acknowledged case only to the resolve deadline", state: acceptedP1, now: hours(25), due: [{ deadline: "resolve", dueAt: hours(24) }] },
    { behaviour: "finds nothing due for an acknowledged case still within its time", state: acceptedP1, now: hours(23), due: [] },
    {
      behaviour: "does not report a breach that is already recorded",
      state: caseOf(opened, triaged("P1"), assigned(p1Due), breached("acknowledge", minutes(15))),
      now: minutes(30),
      due: [],
    },
    { behaviour: "finds nothing due on a resolved case", state: caseOf(opened, triaged("P1"), assigned(p1Due), acceptedAt(minutes(5)), resolvedAt(hours(2))), now: days(40), due: [] },
    { behaviour: "finds nothing due before the grievance is triaged", state: caseOf(opened), now: days(40), due: [] },
    { behaviour: "finds nothing due on a case that does not exist", state: initialState, now: days(40), due: [] },
    {
      behaviour: "measures a queued case without due dates by the policy from when it was received",
      state: caseOf(opened, triaged("P2"), queued),
      now: minutes(121),
      due: [{ deadline: "acknowledge", dueAt: hours(2) }],
    },
    { behaviour: "measures a triaged case that was never routed by the policy", state: caseOf(opened, triaged("P1")), now: minutes(16), due: [{ deadline: "acknowledge", dueAt: minutes(15) }] },
    {
      behaviour: "holds a reopened case to its new due dates",
      state: caseOf(
        opened,
        triaged("P1"),
        assigned(p1Due),
        acceptedAt(minutes(5)),
        resolvedAt(hours(2)),
        { type: "case.reopened", ...meta(days(2)), team: community, caseworkerId: alice.id, dueDates: { acknowledgeBy: days(2.5), resolveBy: days(5) }, reason: "broken agreement" },
      ),
      now: days(3),
      due: [{ deadline: "acknowledge", dueAt: days(2.5) }],
    },
  ])("$behaviour", ({ state, now, due }) => {
    expect(dueForBreach(state, now, defaultDeadlinePolicy)).toEqual(due);
  });

  it("keeps a case to the due dates it was given when the policy changes later", () => {
    const assignedP3 = caseOf(opened, triaged("P3"), assigned(computeDueDates("P3", T0, defaultDeadlinePolicy)));
    const stricter = DeadlinePolicy.parse({ P3: { acknowledgeWithinMinutes: 60 } });
    expect(dueForBreach(assignedP3, hours(2), stricter)).toEqual([]);
  });
});

describe("nearDeadline", () => {
  it.each([
    { behaviour: "reminds of an acknowledge deadline within the lead time", state: assignedP1, now: minutes(10), lead: 10, near: [{ deadline: "acknowledge", dueAt: minutes(15) }] },
    { behaviour: "reminds of a deadline exactly at the end of the lead time", state: assignedP1, now: minutes(5), lead: 10, near: [{ deadline: "acknowledge", dueAt: minutes(15) }] },
    { behaviour: "does not remind of a deadline beyond the lead time", state: assignedP1, now: minutes(4), lead: 10, near: [] },
    { behaviour: "does not remind of a deadline that has passed", state: assignedP1, now: minutes(16), lead: 10, near: [] },
    { behaviour: "reminds only of resolution once the case is acknowledged", state: acceptedP1, now: hours(23.5), lead: 60, near: [{ deadline: "resolve", dueAt: hours(24) }] },
    { behaviour: "does not remind of acknowledgement once the case is acknowledged", state: acceptedP1, now: minutes(10), lead: 10, near: [] },
    { behaviour: "has nobody to remind on a queued case without due dates", state: caseOf(opened, triaged("P1"), queued), now: minutes(10), lead: 10, near: [] },
    { behaviour: "does not remind on a case that does not exist", state: initialState, now: minutes(10), lead: 10, near: [] },
  ])("$behaviour", ({ state, now, lead, near }) => {
    expect(nearDeadline(state, now, lead)).toEqual(near);
  });
});
