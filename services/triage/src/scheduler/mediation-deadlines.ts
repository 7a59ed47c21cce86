// Mediation's deadlines, the reminder a day before each session, and the daily statistics event. Deadlines: a follow-up visit not made, a referral the receiving body has not
// acknowledged, an obligation of an agreement past its day. Each missed one is recorded once as
// case.deadline_breached.v1 (the caseworker and the team's supervisor are told, as for the
// other deadlines); a missed follow-up or acknowledgement of a referred, resolved or closed case
// also moves it to the team a level up (case.escalated.v1, its supervisor told), as the open
// case's deadlines do. Same claim as the deadline scheduler: rows FOR UPDATE SKIP LOCKED and the
// breach recorded in that transaction, so with several replicas each is recorded once, and
// everything lives in Postgres, so a restart loses nothing.
import { enqueueEvent, withTransaction, type ServiceRuntime } from "@grievance-hub/kit";
import { partitionKeyFor } from "@grievance-hub/schema";
import { disputeOf, type CaseCommand, type DecisionContext } from "../domain/case-lifecycle";
import { mediationDeadlines } from "../domain/mediation/dispute";
import { loadCase } from "../db/cases";
import { execute } from "../commands/execute";
import { sealedOr } from "../commands/wire";
import { overdueEscalationCommands } from "../commands/escalation";
import { divisionStatistics } from "../db/statistics";

const system: DecisionContext["actor"] = { id: "deadline-scheduler", role: "system" };
/** An in-mediation case's referral (judicial confirmation) is part of open work its own deadlines watch. */
const OVERDUE_ESCALATES_FROM = ["referred", "resolved", "closed"];

export async function actOnMediationDeadlines(rt: ServiceRuntime, now: Date, batchSize: number): Promise<number> {
  return withTransaction(rt.pool, async (client) => {
    // Instants in the state are ISO strings in UTC and obligation days are YYYY-MM-DD, so both compare as text.
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM cases
       WHERE state IS NOT NULL AND state ? 'dispute' AND (
         (status IN ('resolved', 'closed') AND state #>> '{dispute,followUp,recordedAt}' IS NULL
           AND state #>> '{dispute,followUp,overdueRecorded}' = 'false' AND state #>> '{dispute,followUp,dueAt}' < $1)
         OR EXISTS (SELECT 1 FROM jsonb_array_elements(state #> '{dispute,referrals}') r
           WHERE r ->> 'acknowledgedAt' IS NULL AND r ->> 'overdueRecorded' = 'false' AND r ->> 'acknowledgeBy' < $1)
         OR EXISTS (SELECT 1 FROM jsonb_array_elements(state #> '{dispute,agreements}') a, jsonb_array_elements(a -> 'obligations') o
           WHERE o ->> 'status' = 'open' AND o ->> 'overdueRecorded' = 'false' AND o ->> 'dueBy' < $2))
       LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), now.toISOString().slice(0, 10), batchSize],
    );
    let acted = 0;
    for (const { id } of rows) {
      const state = (await loadCase(client, id))!;
      const missed = mediationDeadlines({ status: state.status, dispute: disputeOf(state) }).filter((d) => d.dueAt < now);
      if (missed.length === 0) continue;
      const commands: CaseCommand[] = missed.map((d) => ({ type: "recordMediationBreach", deadline: d.deadline, dueAt: d.dueAt, ...(d.ref ? { ref: d.ref } : {}) }));
      // A missed follow-up or referral acknowledgement is escalated like the open case's deadlines
      // (a missed obligation is the mediator's to take up: recorded, the supervisor told).
      const duties = missed.filter((d) => d.deadline !== "obligation");
      if (duties.length > 0 && OVERDUE_ESCALATES_FROM.includes(state.status)) {
        commands.push(...(await overdueEscalationCommands(client, state, `the ${duties.map((d) => d.deadline.replace(/_/g, " ")).join(" and ")} deadline passed at ${state.team?.level ?? "no"} level`)));
      }
      const done = await execute(client, rt.outbox, state, commands, { now, actor: system }, { alertSupervisor: true });
      if (!done.ok) {
        rt.logger.error({ caseId: id, refusal: done.refusal }, "mediation deadline's own decision was refused");
        continue;
      }
      acted += missed.length;
    }
    return acted;
  });
}

const REMINDER_LEAD_MS = 24 * 60 * 60_000;

/** Sessions starting within a day that have not been reminded of: one case.session_reminder_due (v2, or v1 for a session whose place is in clear) each. */
export async function remindOfSessions(rt: ServiceRuntime, now: Date, batchSize: number): Promise<number> {
  const horizon = new Date(now.getTime() + REMINDER_LEAD_MS);
  return withTransaction(rt.pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM cases
       WHERE status = 'in_mediation' AND state ? 'dispute'
         AND EXISTS (SELECT 1 FROM jsonb_array_elements(state #> '{dispute,sessions}') s
           WHERE s ->> 'status' = 'scheduled' AND s ->> 'at' BETWEEN $1 AND $2
             AND NOT EXISTS (SELECT 1 FROM session_reminders r WHERE r.case_id = cases.id AND r.session_id = s ->> 'sessionId' AND r.at = (s ->> 'at')::timestamptz))
       LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), horizon.toISOString(), batchSize],
    );
    let sent = 0;
    for (const { id } of rows) {
      const state = (await loadCase(client, id))!;
      for (const session of disputeOf(state).sessions) {
        if (session.status !== "scheduled" || session.at < now || session.at > horizon) continue;
        const fresh = await client.query("INSERT INTO session_reminders (case_id, session_id, at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING", [id, session.sessionId, session.at]);
        if (fresh.rowCount === 0 || !state.classification) continue;
        // The place as the session holds it: sealed (v2) since places are sealed, in clear for a session scheduled before.
        await enqueueEvent(client, rt.outbox, sealedOr(session.place, "case.session_reminder_due.v2", "case.session_reminder_due.v1"), {
          caseId: state.caseId, grievanceId: state.grievanceId, occurredAt: now.toISOString(), actor: system,
          trackingCode: state.trackingCode, divisionCode: state.divisionCode, category: state.classification.category, urgency: state.classification.urgency,
          sessionId: session.sessionId, mediatorId: session.mediatorId, at: session.at.toISOString(), place: session.place, invitedPartyIds: session.invitedPartyIds,
        }, { key: partitionKeyFor(state.divisionCode) });
        sent++;
      }
    }
    return sent;
  });
}

/**
 * Once a day (UTC): statistics.published.v1 for each team's area, with the figures of the month
 * the previous day belongs to. The day's row is the claim: with several replicas the first to
 * insert it publishes, the others find it there (the insert waits for the first to commit).
 */
export async function publishDailyStatistics(rt: ServiceRuntime, now: Date): Promise<number> {
  const day = now.toISOString().slice(0, 10);
  const month = new Date(now.getTime() - REMINDER_LEAD_MS).toISOString().slice(0, 7);
  return withTransaction(rt.pool, async (client) => {
    // Without teams there is nothing to publish, and the day stays unclaimed (a claim must leave an event, or replay could not restore it).
    const { rows } = await client.query<{ division_prefix: string }>("SELECT DISTINCT division_prefix FROM teams ORDER BY division_prefix");
    if (rows.length === 0) return 0;
    const claimed = await client.query("INSERT INTO statistics_published (day) VALUES ($1) ON CONFLICT DO NOTHING", [day]);
    if (claimed.rowCount === 0) return 0;
    for (const { division_prefix: prefix } of rows) {
      const [figures] = await divisionStatistics(client, prefix, month, month);
      await enqueueEvent(client, rt.outbox, "statistics.published.v1", {
        ...(figures ?? { divisionPrefix: prefix, month, received: 0, resolved: 0, resolvedAtCommunityLevel: 0, mediationSuccessRate: null, agreementsHoldingAtFollowUp: null, satisfaction: null, repeatRate: null, medianDaysToResolution: null }),
        day,
        publishedAt: now.toISOString(),
      });
    }
    return rows.length;
  });
}
