// Escalation a level up, shared by the deadline scheduler and a caseworker's own request:
// the next team above covering the division and category, and someone free there.
import type { Pool, PoolClient } from "@grievance-hub/kit";
import type { CaseCommand, OpenedCase } from "../domain/case-lifecycle";
import { computeDueDates, type DeadlinePolicy } from "../domain/deadlines";
import { nextLevelTeam, routeToCaseworker, type Team } from "../domain/routing";
import { caseworkersOf, markAssigned, teamsCovering } from "../db/directory";

/** The team a level above the case's covering its division and category; null when there is none. */
async function teamAbove(db: Pool | PoolClient, state: OpenedCase): Promise<Team | null> {
  if (!state.team || !state.classification) return null;
  const teams = await teamsCovering(db, state.divisionCode);
  const current = teams.find((t) => t.id === state.team!.id);
  return current ? nextLevelTeam(current, state.divisionCode, state.classification.category, teams) : null;
}

/** The commands that move the case up a level and assign it there; empty when there is no team above. */
export async function escalationCommands(db: Pool | PoolClient, state: OpenedCase, policy: DeadlinePolicy, reason: string): Promise<CaseCommand[]> {
  const up = await teamAbove(db, state);
  if (!up || !state.classification) return [];
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

/**
 * A missed follow-up visit or referral acknowledgement of a case past its open work (referred,
 * resolved, closed): the case goes to the team above, whose supervisor answers for the duty; its
 * status and caseworker stay. Empty when there is no team above.
 */
export async function overdueEscalationCommands(db: Pool | PoolClient, state: OpenedCase, reason: string): Promise<CaseCommand[]> {
  const up = await teamAbove(db, state);
  return up ? [{ type: "escalateOverdue", toTeam: up, reason }] : [];
}
