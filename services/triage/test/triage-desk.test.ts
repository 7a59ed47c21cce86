// The triage desk as a routing decision: the unsure go to the hotline's desk with a deadline of
// their own; a P1 never waits there; a recategorised case is rerouted and told to its new holder.
import { describe, expect, it } from "vitest";
import { decide, evolve, initialState, type CaseCommand, type CaseState, type DecisionContext } from "../src/domain/case-lifecycle";
import { deskDueDates, computeDueDates, defaultDeadlinePolicy } from "../src/domain/deadlines";
import { routeToCaseworker, type Caseworker, type Team } from "../src/domain/routing";

const DIVISION = "110105001002";
const community: Team = { id: "community", level: "community", divisionPrefix: "110105001002", categories: ["family", "neighbour", "labour"] };
const desk: Team = { id: "hotline-desk", level: "district", divisionPrefix: "110105", categories: ["other"], desk: true };
const cw = (id: string, teamId: string): Caseworker => ({ id, teamId, categories: ["family", "neighbour", "labour", "other"], languages: ["zh"], active: true, capacity: 10, openCases: 0, lastAssignedAt: null });
const people = [cw("cw-li", "community"), cw("triager-wu", "hotline-desk")];

describe("routing with a triage desk", () => {
  it("sends an unsure grievance to the hotline's desk, whatever its likeliest category", () => {
    const got = routeToCaseworker({ divisionCode: DIVISION, category: "family", urgency: "P3", needsReview: true }, [community, desk], people);
    expect(got).toMatchObject({ kind: "caseworker", team: { id: "hotline-desk" }, caseworker: { id: "triager-wu" }, alertSupervisor: false });
  });

  it("sends an unsure P1 at once to the local team, with the P1 alert", () => {
    const got = routeToCaseworker({ divisionCode: DIVISION, category: "family", urgency: "P1", needsReview: true }, [community, desk], people);
    expect(got).toMatchObject({ kind: "caseworker", team: { id: "community" }, caseworker: { id: "cw-li" }, alertSupervisor: true });
  });

  it("never routes a grievance it is sure of to the desk, even for a category only the desk lists", () => {
    const got = routeToCaseworker({ divisionCode: DIVISION, category: "other", urgency: "P3" }, [community, desk], people);
    expect(got.kind).toBe("unroutable");
  });

  it("routes on the likeliest category when no desk covers the division", () => {
    const got = routeToCaseworker({ divisionCode: DIVISION, category: "family", urgency: "P3", needsReview: true }, [community], people);
    expect(got).toMatchObject({ kind: "caseworker", team: { id: "community" } });
  });

  it("queues at the desk when no triager is free", () => {
    const got = routeToCaseworker({ divisionCode: DIVISION, category: "family", urgency: "P3", needsReview: true }, [community, desk], [cw("cw-li", "community")]);
    expect(got).toMatchObject({ kind: "team_queue", team: { id: "hotline-desk" } });
  });

  it("gives the desk an hour to settle the category, and keeps the resolve promise", () => {
    const from = new Date("2026-12-04T08:00:00Z");
    const due = deskDueDates("P3", from, defaultDeadlinePolicy);
    expect(due.acknowledgeBy.toISOString()).toBe("2026-12-04T09:00:00.000Z");
    expect(due.resolveBy).toEqual(computeDueDates("P3", from, defaultDeadlinePolicy).resolveBy);
  });
});

describe("recategorising a case", () => {
  const now = new Date("2026-12-04T08:30:00Z");
  const system: DecisionContext["actor"] = { id: "triage", role: "system" };
  const at = (actor: DecisionContext["actor"]) => ({ now, actor });
  function atDesk(): CaseState {
    let state = initialState;
    const due = deskDueDates("P3", now, defaultDeadlinePolicy);
    const commands: CaseCommand[] = [
      { type: "open", caseId: "00000000-0000-4000-8000-000000000001", grievanceId: "00000000-0000-4000-8000-000000000002", trackingCode: "ABCDE-FGHJK", divisionCode: DIVISION, language: "zh", receivedAt: now },
      { type: "triage", category: "family", urgency: "P3", signals: [], rulesetVersion: "r1", modelVersion: "2026.12.1", confidence: 0.4 },
      { type: "assign", team: { id: "hotline-desk", level: "district" }, caseworkerId: "triager-wu", dueDates: due, reason: "unsure" },
    ];
    for (const command of commands) {
      const d = decide(command, state, at(system));
      if (!d.ok) throw new Error(d.refusal.message);
      state = d.events.reduce(evolve, state);
    }
    return state;
  }
  const route = { kind: "assign" as const, team: { id: "community", level: "community" as const }, caseworkerId: "cw-li", dueDates: computeDueDates("P3", now, defaultDeadlinePolicy), routing: "rerouted" };

  it("records the correction and reroutes the case to the team of the settled category", () => {
    const d = decide({ type: "recategorise", category: "labour", reason: "wages owed by an uncle", route }, atDesk(), at({ id: "triager-wu", role: "caseworker" }));
    expect(d.ok && d.events.map((e) => e.type)).toEqual(["case.recategorised", "case.assigned"]);
    const after = d.ok ? d.events.reduce(evolve, atDesk()) : atDesk();
    expect(after).toMatchObject({ status: "assigned", team: { id: "community" }, caseworkerId: "cw-li", classification: { category: "labour" } });
  });

  it("refuses a caseworker who does not hold the case", () => {
    const d = decide({ type: "recategorise", category: "labour", reason: "r", route }, atDesk(), at({ id: "cw-zhao", role: "caseworker" }));
    expect(d).toMatchObject({ ok: false, refusal: { code: "not_permitted" } });
  });

  it("lets the desk's supervisor settle it", () => {
    const d = decide({ type: "recategorise", category: "labour", reason: "r", route }, atDesk(), at({ id: "sup", role: "supervisor", team: "hotline-desk" }));
    expect(d.ok).toBe(true);
  });
});
