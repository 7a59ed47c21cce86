// Which actions the case page offers: those triage's lifecycle allows in the case's status to
// this person (the caseworker holding the case, or a supervisor of its team). Triage decides
// again on every request; this only keeps the page from offering what would be refused.
import type { CaseView, Me } from "../../api";

export const caseActions = [
  "accept", "notes", "mediation", "resolve", "escalate", "request-reassignment", "recategorise",
  "parties", "mediator", "sessions", "reschedule-session", "cancel-session", "record-session", "agreement", "obligation", "follow-up",
  "refer", "acknowledge-referral", "decline", "withdraw",
] as const;
export type CaseAction = (typeof caseActions)[number];
type Status = CaseView["status"];
type Who = "assignee" | "team_supervisor";

const working: Status[] = ["accepted", "in_mediation"];
const rules: Record<CaseAction, { from: Status[]; who: Who[] }> = {
  accept: { from: ["assigned"], who: ["assignee"] },
  notes: { from: ["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "resolved"], who: ["assignee", "team_supervisor"] },
  mediation: { from: working, who: ["assignee", "team_supervisor"] },
  resolve: { from: working, who: ["assignee", "team_supervisor"] },
  escalate: { from: ["queued", "assigned", "accepted", "in_mediation"], who: ["assignee", "team_supervisor"] },
  // The caseworker asks; the supervisor reassigns (supervisors have reassign itself).
  "request-reassignment": { from: ["assigned", "accepted", "in_mediation"], who: ["assignee"] },
  recategorise: { from: ["queued", "assigned", "accepted", "in_mediation"], who: ["assignee", "team_supervisor"] },
  parties: { from: ["assigned", "accepted", "in_mediation", "referred", "resolved"], who: ["assignee", "team_supervisor"] },
  mediator: { from: ["assigned", "accepted", "in_mediation"], who: ["assignee", "team_supervisor"] },
  sessions: { from: working, who: ["assignee", "team_supervisor"] },
  "reschedule-session": { from: working, who: ["assignee", "team_supervisor"] },
  "cancel-session": { from: working, who: ["assignee", "team_supervisor"] },
  "record-session": { from: working, who: ["assignee", "team_supervisor"] },
  agreement: { from: ["in_mediation"], who: ["assignee", "team_supervisor"] },
  obligation: { from: ["in_mediation", "resolved", "closed"], who: ["assignee", "team_supervisor"] },
  "follow-up": { from: ["resolved", "closed"], who: ["assignee", "team_supervisor"] },
  refer: { from: working, who: ["assignee", "team_supervisor"] },
  "acknowledge-referral": { from: ["referred", "in_mediation", "resolved", "closed"], who: ["assignee", "team_supervisor"] },
  decline: { from: ["received", "triaged", "queued", "assigned", "accepted"], who: ["assignee", "team_supervisor"] },
  withdraw: { from: ["received", "triaged", "queued", "assigned", "accepted", "in_mediation", "referred"], who: ["assignee", "team_supervisor"] },
};

/** What the case itself must hold for an action to make sense (a session to record, a follow-up due). */
function ready(action: CaseAction, c: CaseView): boolean {
  const sessions = c.dispute.sessions;
  switch (action) {
    // Triage keeps the mediator of a scheduled session: the session is cancelled first.
    case "mediator": return !sessions.some((s) => s.status === "scheduled");
    case "reschedule-session":
    case "cancel-session":
    case "record-session": return sessions.some((s) => s.status === "scheduled");
    case "agreement": return sessions.some((s) => s.status === "held");
    case "obligation": return openObligations(c).length > 0;
    case "follow-up": return c.dispute.followUp !== null && c.dispute.followUp.recordedAt === null;
    case "acknowledge-referral": return c.dispute.referrals.some((r) => r.acknowledgedAt === null);
    default: return true;
  }
}

/** The obligations of the case's agreements not yet marked fulfilled or broken. */
export function openObligations(c: CaseView): (CaseView["dispute"]["agreements"][number]["obligations"][number] & { agreementId: string })[] {
  return c.dispute.agreements.flatMap((a) => a.obligations.filter((o) => o.status === "open").map((o) => ({ ...o, agreementId: a.agreementId })));
}

export function availableActions(c: CaseView, me: Pick<Me, "sub" | "role" | "team">): CaseAction[] {
  const roles: Who[] = [];
  if ((me.role === "caseworker" || me.role === "supervisor") && c.caseworkerId === me.sub) roles.push("assignee");
  if (me.role === "supervisor" && me.team !== undefined && c.team?.id === me.team) roles.push("team_supervisor");
  return caseActions.filter((a) => rules[a].from.includes(c.status) && rules[a].who.some((w) => roles.includes(w)) && ready(a, c));
}
