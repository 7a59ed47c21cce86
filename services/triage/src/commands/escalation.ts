// Escalation a level up, shared by the deadline scheduler and a caseworker's own request:
// the next team above covering the division and category, and someone free there.
import type { Pool, PoolClient } from "@grievance-hub/kit";
import type { CaseCommand, OpenedCase } from "../domain/case-lifecycle";
import { computeDueDates, type DeadlinePolicy } from "../domain/deadlines";
import { nextLevelTeam, routeToCaseworker } from "../domain/routing";
import { caseworkersOf, markAssigned, teamsCovering } from "../db/directory";

/** The commands that move the case up a level and assign it there; empty when there is no team above. */
export async function escalationCommands(db: Pool | PoolClient, state: OpenedCase, policy: DeadlinePolicy, reason: string): Promise<CaseCommand[]> {
  if (!state.team || !state.classification) return [];
  const teams = await teamsCovering(db, state.divisionCode);
  const current = teams.find((t) => t.id === state.team!.id);
  const up = current ? nextLevelTeam(current, state.divisionCode, state.classification.category, teams) : null;
  if (!up) return [];
  const commands: CaseCommand[] = [{ type: "escalate", toTeam: up, reason }];
  const routing = routeToCaseworker(
    { divisionCode: state.divisionCode, category: state.classification.category, language: state.language, urgency: state.classification.urgency },
    [up],
    await caseworkersOf(db, [up.id]),
  );
  if (routing.kind === "caseworker") {
    // The complainant's wait does not start over: the case keeps its due dates.
    const dueDates = state.dueDates ?? computeDueDates(state.classification.urgency, state.receivedAt, policy);
    commands.push({ type: "assign", team: up, caseworkerId: routing.caseworker.id, dueDates, reason: routing.reasons.join("; ") });
    await markAssigned(db, routing.caseworker.id, new Date());
  }
  return commands;
}
