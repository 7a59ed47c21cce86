import { describe, expect, it } from "vitest";
import type { Category, Language, Urgency } from "@grievance-hub/schema";
import { nextLevelTeam, routeToCaseworker, type Caseworker, type Team } from "../src/domain/routing";

const DIVISION = "110105001002";

const community: Team = { id: "community-001002", level: "community", divisionPrefix: "110105001002", categories: ["family", "neighbour"] };
const neighbouringCommunity: Team = { id: "community-001003", level: "community", divisionPrefix: "110105001003", categories: ["family", "neighbour", "labour"] };
const street: Team = { id: "street-001", level: "street", divisionPrefix: "110105001", categories: ["family", "neighbour", "labour"] };
const district: Team = {
  id: "district-0105",
  level: "district",
  divisionPrefix: "110105",
  categories: ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal"],
};
const teams = [district, street, neighbouringCommunity, community];

function caseworker(overrides: Partial<Caseworker> & { id: string }): Caseworker {
  return {
    teamId: community.id,
    categories: ["family", "neighbour"],
    languages: ["zh"],
    active: true,
    capacity: 10,
    openCases: 3,
    lastAssignedAt: new Date("2025-03-01T08:00:00Z"),
    ...overrides,
  };
}

function request(overrides: { divisionCode?: string; category?: Category; language?: Language; urgency?: Urgency } = {}) {
  return { divisionCode: DIVISION, category: "family" as Category, urgency: "P3" as Urgency, ...overrides };
}

describe("routeToCaseworker: choosing the team", () => {
  const anyoneEverywhere = teams.map((t) => caseworker({ id: `cw-${t.id}`, teamId: t.id, categories: t.categories }));

  it.each([
    { behaviour: "routes to the community team before the street team", req: request(), team: community.id },
    { behaviour: "routes to the street team when the community team does not handle the category", req: request({ category: "labour" }), team: street.id },
    { behaviour: "routes to the street team when no community team covers the division", req: request({ divisionCode: "110105001099" }), team: street.id },
    { behaviour: "routes to the district team when only it handles the category", req: request({ category: "land_housing" }), team: district.id },
    { behaviour: "routes a 9-digit division code to the street team", req: request({ divisionCode: "110105001" }), team: street.id },
  ])("$behaviour", ({ req, team }) => {
    const decision = routeToCaseworker(req, teams, anyoneEverywhere);
    expect(decision.kind).toBe("caseworker");
    expect(decision.kind === "caseworker" && decision.team.id).toBe(team);
  });

  it.each([
    { behaviour: "cannot route a division no team covers", req: request({ divisionCode: "120101001001" }), reason: "no team covers division 120101001001 for family" },
    { behaviour: "cannot route a category no covering team handles", req: request({ category: "other" }), reason: "no team covers division 110105001002 for other" },
  ])("$behaviour", ({ req, reason }) => {
    const decision = routeToCaseworker(req, teams, anyoneEverywhere);
    expect(decision).toEqual({ kind: "unroutable", alertSupervisor: false, reasons: [reason] });
  });

  it("stays with the most local team and queues there even when a less local team has someone free", () => {
    const decision = routeToCaseworker(request(), teams, [caseworker({ id: "busy", openCases: 10 }), caseworker({ id: "street-free", teamId: street.id })]);
    expect(decision).toMatchObject({ kind: "team_queue", team: { id: community.id }, notifySupervisor: true });
  });
});

describe("routeToCaseworker: choosing the caseworker within the team", () => {
  const early = new Date("2025-03-01T08:00:00Z");
  const late = new Date("2025-03-02T08:00:00Z");

  it.each([
    {
      behaviour: "picks the caseworker with the fewest open cases",
      caseworkers: [caseworker({ id: "a", openCases: 5 }), caseworker({ id: "b", openCases: 2 }), caseworker({ id: "c", openCases: 4 })],
      expected: "b",
    },
    {
      behaviour: "breaks a tie in open cases by who has waited longest since their last assignment",
      caseworkers: [caseworker({ id: "a", lastAssignedAt: late }), caseworker({ id: "b", lastAssignedAt: early })],
      expected: "b",
    },
    {
      behaviour: "puts a never-assigned caseworker first in a tie",
      caseworkers: [caseworker({ id: "a", lastAssignedAt: early }), caseworker({ id: "b", lastAssignedAt: null })],
      expected: "b",
    },
    {
      behaviour: "breaks a complete tie by caseworker id",
      caseworkers: [caseworker({ id: "m" }), caseworker({ id: "k" }), caseworker({ id: "z" })],
      expected: "k",
    },
    {
      behaviour: "skips an inactive caseworker",
      caseworkers: [caseworker({ id: "a", openCases: 0, active: false }), caseworker({ id: "b", openCases: 5 })],
      expected: "b",
    },
    {
      behaviour: "skips a caseworker at capacity",
      caseworkers: [caseworker({ id: "a", openCases: 2, capacity: 2 }), caseworker({ id: "b", openCases: 5 })],
      expected: "b",
    },
    {
      behaviour: "skips a caseworker who does not handle the category",
      caseworkers: [caseworker({ id: "a", openCases: 0, categories: ["neighbour"] }), caseworker({ id: "b", openCases: 5 })],
      expected: "b",
    },
    {
      behaviour: "ignores caseworkers of other teams",
      caseworkers: [caseworker({ id: "a", openCases: 0, teamId: street.id }), caseworker({ id: "b", openCases: 5 })],
      expected: "b",
    },
    {
      behaviour: "prefers a caseworker who speaks the caller's language over a less loaded one",
      language: "en" as Language,
      caseworkers: [caseworker({ id: "a", openCases: 0 }), caseworker({ id: "b", openCases: 5, languages: ["zh", "en"] })],
      expected: "b",
    },
    {
      behaviour: "does not prefer a speaker of the language who is at capacity",
      language: "en" as Language,
      caseworkers: [caseworker({ id: "a", openCases: 1 }), caseworker({ id: "b", openCases: 2, capacity: 2, languages: ["en"] })],
      expected: "a",
    },
  ])("$behaviour", ({ caseworkers, expected, language }) => {
    const decision = routeToCaseworker(request(language ? { language } : {}), teams, caseworkers);
    expect(decision.kind === "caseworker" && decision.caseworker.id).toBe(expected);
  });

  it("falls back to category alone when nobody free speaks the language, and says so", () => {
    const decision = routeToCaseworker(request({ language: "en" }), teams, [caseworker({ id: "a" })]);
    expect(decision).toMatchObject({ kind: "caseworker", caseworker: { id: "a" } });
    expect(decision.reasons).toContain("nobody free in team community-001002 speaks en: chosen on category alone");
  });

  it("does not mention language when the caller's language was not recorded", () => {
    const decision = routeToCaseworker(request(), teams, [caseworker({ id: "a", languages: [] })]);
    expect(decision).toMatchObject({ kind: "caseworker", caseworker: { id: "a" } });
    expect(decision.reasons.join("\n")).not.toMatch(/speak/);
  });

  it.each([
    { behaviour: "queues for the team and notifies its supervisor when everyone is at capacity", caseworkers: [caseworker({ id: "a", openCases: 10 })] },
    { behaviour: "queues for the team and notifies its supervisor when nobody is active", caseworkers: [caseworker({ id: "a", active: false })] },
    { behaviour: "queues for the team and notifies its supervisor when the team has no caseworkers", caseworkers: [] },
  ])("$behaviour", ({ caseworkers }) => {
    const decision = routeToCaseworker(request(), teams, caseworkers);
    expect(decision).toMatchObject({ kind: "team_queue", team: community, notifySupervisor: true, alertSupervisor: false });
  });
});

describe("routeToCaseworker: supervisor alerts", () => {
  const free = [caseworker({ id: "a" })];
  const full = [caseworker({ id: "a", openCases: 10 })];

  it.each([
    { behaviour: "alerts the supervisor for a P1 routed to a caseworker", req: request({ urgency: "P1" }), caseworkers: free, kind: "caseworker" },
    { behaviour: "alerts the supervisor for a P1 queued for the team", req: request({ urgency: "P1" }), caseworkers: full, kind: "team_queue" },
    { behaviour: "alerts for a P1 nobody can take", req: request({ urgency: "P1", category: "other" }), caseworkers: free, kind: "unroutable" },
  ])("$behaviour", ({ req, caseworkers, kind }) => {
    const decision = routeToCaseworker(req, teams, caseworkers);
    expect(decision.kind).toBe(kind);
    expect(decision.alertSupervisor).toBe(true);
    expect(decision.reasons[0]).toMatch(/^P1/);
  });

  it.each(["P2", "P3", "P4"] as const)("does not alert the supervisor for a %s routed to a caseworker", (urgency) => {
    expect(routeToCaseworker(request({ urgency }), teams, free).alertSupervisor).toBe(false);
  });
});

describe("nextLevelTeam", () => {
  const streetWithoutFamily: Team = { ...street, categories: ["labour"] };
  const communityTwin: Team = { ...community, id: "community-twin", categories: ["labour"] };

  it.each([
    { behaviour: "escalates from the community team to the street team", current: community, category: "family" as Category, all: teams, expected: street.id },
    { behaviour: "escalates from the street team to the district team", current: street, category: "family" as Category, all: teams, expected: district.id },
    {
      behaviour: "skips a less local team that does not handle the category",
      current: community,
      category: "family" as Category,
      all: [community, streetWithoutFamily, district],
      expected: district.id,
    },
    { behaviour: "has nowhere to go from the district team", current: district, category: "family" as Category, all: teams, expected: null },
    {
      behaviour: "does not escalate sideways to another team at the same locality",
      current: community,
      category: "labour" as Category,
      all: [community, neighbouringCommunity, communityTwin],
      expected: null,
    },
    {
      behaviour: "has nowhere to go when no less local team handles the category",
      current: street,
      category: "other" as Category,
      all: teams,
      expected: null,
    },
  ])("$behaviour", ({ current, category, all, expected }) => {
    expect(nextLevelTeam(current, DIVISION, category, all)?.id ?? null).toBe(expected);
  });
});
