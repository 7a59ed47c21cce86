// The grounds a reader of a case page has, as the access log records them: the same rule that
// decides who may see the case, named.
import { describe, expect, it } from "vitest";
import type { Principal } from "@grievance-hub/kit";
import { caseAccessReason } from "../src/http/access-log";

type Held = Parameters<typeof caseAccessReason>[0];
const held: Held = { caseworkerId: "cw-1", team: { id: "team-a", level: "community" } };
const queued: Held = { caseworkerId: null, team: { id: "team-a", level: "community" } };

describe("caseAccessReason", () => {
  it.each<[string, Principal, Held, string | undefined]>([
    ["the assigned caseworker reads their own case", { sub: "cw-1", role: "caseworker", team: "team-a" }, held, "own_case"],
    ["a team-mate reads a case of their team", { sub: "cw-2", role: "caseworker", team: "team-a" }, held, "team_case"],
    ["a caseworker reads a case waiting in their team's queue", { sub: "cw-2", role: "caseworker", team: "team-a" }, queued, "team_case"],
    ["the team's supervisor supervises", { sub: "sup-1", role: "supervisor", team: "team-a" }, held, "supervisor"],
    ["an admin administers", { sub: "admin-1", role: "admin" }, held, "admin"],
    ["another team's caseworker has no grounds", { sub: "cw-9", role: "caseworker", team: "team-b" }, held, undefined],
    ["another team's supervisor has none", { sub: "sup-9", role: "supervisor", team: "team-b" }, held, undefined],
    ["a supervisor without a team has none", { sub: "sup-0", role: "supervisor" }, held, undefined],
    ["an operator has none", { sub: "op-1", role: "operator" }, held, undefined],
  ])("%s", (_what, principal, state, reason) => {
    expect(caseAccessReason(state, principal)).toBe(reason);
  });
});
