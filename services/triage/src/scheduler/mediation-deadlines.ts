// Mediation's deadlines: a follow-up visit not made, a referral the receiving body has not
// acknowledged, an obligation of an agreement past its day. Each missed one is recorded once as
// case.deadline_breached.v1 (the caseworker and the team's supervisor are told, as for the
// other deadlines). Same claim as the deadline scheduler: rows FOR UPDATE SKIP LOCKED and the
// breach recorded in that transaction, so with several replicas each is recorded once, and
// everything lives in Postgres, so a restart loses nothing.
import { withTransaction, type ServiceRuntime } from "@grievance-hub/kit";
import { disputeOf, type CaseCommand, type DecisionContext } from "../domain/case-lifecycle";
import { mediationDeadlines } from "../domain/mediation/dispute";
import { loadCase } from "../db/cases";
import { execute } from "../commands/execute";

const system: DecisionContext["actor"] = { id: "deadline-scheduler", role: "system" };

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
