// Local-first routing: which team and caseworker a triaged grievance goes to, with the reasons,
// and which team a case escalates to. Teams and caseworkers come in as data; nothing is read here.
import { z } from "zod";
import type { Category, Language, Urgency } from "@grievance-hub/schema";

/** Administrative level a team works at, most local first. */
export const TeamLevel = z.enum(["community", "street", "district"]);
export type TeamLevel = z.infer<typeof TeamLevel>;

/** What a case records about the team holding it. */
export const TeamRef = z.object({ id: z.string().trim().min(1).max(100), level: TeamLevel });
export type TeamRef = z.infer<typeof TeamRef>;

export interface Team {
  id: string;
  level: TeamLevel;
  /** Division code prefix the team covers; a longer prefix is a more local team. */
  divisionPrefix: string;
  categories: readonly Category[];
  /** A triage desk: takes the grievances whose category is unsure, whatever it is; never chosen by category. */
  desk?: boolean;
}

export interface Caseworker {
  id: string;
  teamId: string;
  categories: readonly Category[];
  languages: readonly Language[];
  active: boolean;
  /** Most open cases the caseworker carries at once. */
  capacity: number;
  openCases: number;
  lastAssignedAt: Date | null;
}

export interface RoutingRequest {
  divisionCode: string;
  category: Category;
  language?: Language;
  urgency: Urgency;
  /** The category model was unsure: a human triager settles the category first (never for a P1). */
  needsReview?: boolean;
}

export type RoutingDecision =
  | { kind: "caseworker"; team: Team; caseworker: Caseworker; alertSupervisor: boolean; reasons: string[] }
  | { kind: "team_queue"; team: Team; notifySupervisor: true; alertSupervisor: boolean; reasons: string[] }
  | { kind: "unroutable"; alertSupervisor: boolean; reasons: string[] };

export function routeToCaseworker(
  request: RoutingRequest,
  teams: readonly Team[],
  caseworkers: readonly Caseworker[],
): RoutingDecision {
  // A P1 is danger to life or safety: a supervisor hears of it whoever gets it.
  const alertSupervisor = request.urgency === "P1";
  const reasons: string[] = alertSupervisor ? ["P1: the supervisor is alerted whoever takes the case"] : [];

  if (request.needsReview && request.urgency === "P1") {
    reasons.push("unsure of the category, but a P1 never waits at the triage desk: routed on the likeliest category, settled afterwards");
  } else if (request.needsReview) {
    const desk = mostLocalDesk(teams, request.divisionCode);
    if (desk) return toMember(desk, request, caseworkers, alertSupervisor, [...reasons, `the category model is unsure: triage desk ${desk.id} settles the category`], () => true);
    reasons.push(`the category model is unsure, but no triage desk covers ${request.divisionCode}: routed on the likeliest category`);
  }

  const team = mostLocalTeam(teams, request.divisionCode, request.category, (t) => !t.desk);
  if (!team) {
    reasons.push(`no team covers division ${request.divisionCode} for ${request.category}`);
    return { kind: "unroutable", alertSupervisor, reasons };
  }
  reasons.push(`${team.level} team ${team.id} is the most local covering ${request.divisionCode} for ${request.category}`);
  return toMember(team, request, caseworkers, alertSupervisor, reasons, (c) => c.categories.includes(request.category));
}

/** The free member of `team` with the fewest open cases (a speaker of the caller's language when one is free), or the team's queue. */
function toMember(
  team: Team,
  request: RoutingRequest,
  caseworkers: readonly Caseworker[],
  alertSupervisor: boolean,
  reasons: string[],
  handles: (c: Caseworker) => boolean,
): RoutingDecision {
  const free = caseworkers.filter((c) => c.teamId === team.id && c.active && handles(c) && c.openCases < c.capacity);
  const language = request.language;
  let candidates = free;
  if (language) {
    const speakers = free.filter((c) => c.languages.includes(language));
    if (speakers.length > 0) {
      candidates = speakers;
      reasons.push(`chosen among free caseworkers who speak ${language}`);
    } else if (free.length > 0) {
      // Waiting for a speaker to free up would leave the grievance unseen; mediation can bring an interpreter.
      reasons.push(`nobody free in team ${team.id} speaks ${language}: chosen on category alone`);
    }
  }

  const caseworker = [...candidates].sort(byLeastLoaded)[0];
  if (!caseworker) {
    reasons.push(`nobody in team ${team.id} is active, handles ${request.category} and has capacity: queued for the team`);
    return { kind: "team_queue", team, notifySupervisor: true, alertSupervisor, reasons };
  }
  reasons.push(
    `caseworker ${caseworker.id} has the fewest open cases (${caseworker.openCases} of ${caseworker.capacity})` +
      (caseworker.lastAssignedAt ? `, last assigned ${caseworker.lastAssignedAt.toISOString()}` : ", never assigned"),
  );
  return { kind: "caseworker", team, caseworker, alertSupervisor, reasons };
}

/** The team an escalation goes to: the most local one strictly less local than the current team. */
export function nextLevelTeam(
  currentTeam: Team,
  divisionCode: string,
  category: Category,
  teams: readonly Team[],
): Team | null {
  return mostLocalTeam(teams, divisionCode, category, (t) => !t.desk && t.divisionPrefix.length < currentTeam.divisionPrefix.length);
}

/** The triage desk of the hotline the division belongs to: the most local desk covering it. */
function mostLocalDesk(teams: readonly Team[], divisionCode: string): Team | null {
  const desks = teams.filter((t) => t.desk && divisionCode.startsWith(t.divisionPrefix));
  desks.sort((a, b) => b.divisionPrefix.length - a.divisionPrefix.length || compareIds(a.id, b.id));
  return desks[0] ?? null;
}

function mostLocalTeam(
  teams: readonly Team[],
  divisionCode: string,
  category: Category,
  admissible: (team: Team) => boolean,
): Team | null {
  const covering = teams.filter(
    (t) => divisionCode.startsWith(t.divisionPrefix) && t.categories.includes(category) && admissible(t),
  );
  // Two teams at the same locality would be a configuration overlap; the id keeps the choice stable.
  covering.sort((a, b) => b.divisionPrefix.length - a.divisionPrefix.length || compareIds(a.id, b.id));
  return covering[0] ?? null;
}

function byLeastLoaded(a: Caseworker, b: Caseworker): number {
  return a.openCases - b.openCases || waitedLonger(a.lastAssignedAt, b.lastAssignedAt) || compareIds(a.id, b.id);
}

function waitedLonger(a: Date | null, b: Date | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return a.getTime() - b.getTime();
}

// Plain code-unit order, so the result does not depend on the host's locale.
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
