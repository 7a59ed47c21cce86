// Watches deadlines: records a breach and escalates the case a level up (reassigning it
// there), and reminds the caseworker before a deadline. Rows are claimed with
// FOR UPDATE SKIP LOCKED and the breach is recorded in the same transaction, so with
// several replicas each breach is acted on once; state lives in Postgres, so a restart
// loses nothing.
import { enqueueEvent, withTransaction, type ServiceRuntime } from "@grievance-hub/kit";
import { partitionKeyFor } from "@grievance-hub/schema";
import type { CaseCommand, DecisionContext } from "../domain/case-lifecycle";
import { dueForBreach, nearDeadline, type DeadlinePolicy } from "../domain/deadlines";
import { loadCase } from "../db/cases";
import { execute } from "../commands/execute";
import { escalationCommands } from "../commands/escalation";
import { actOnMediationDeadlines, publishDailyStatistics, remindOfSessions } from "./mediation-deadlines";

const DEADLINE_STATUSES = ["triaged", "queued", "assigned", "accepted", "in_mediation"];
const system: DecisionContext["actor"] = { id: "deadline-scheduler", role: "system" };

export interface SchedulerOptions {
  policy: DeadlinePolicy;
  leadTimeMinutes: number;
  intervalMs: number;
  batchSize?: number;
}

export class DeadlineScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;

  constructor(private readonly rt: ServiceRuntime, private readonly opts: SchedulerOptions) {}

  start(): void {
    this.stopped = false;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.tick().catch((err: Error) => this.rt.logger.warn({ err: { message: err.message } }, "deadline scan failed; next scan will retry"));
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One scan; returns how many breaches and reminders it acted on (mediation's follow-ups, referrals, obligations and session reminders apart). */
  async tick(now = new Date()): Promise<{ breaches: number; reminders: number; mediation: number; sessionReminders: number; statistics: number }> {
    const batch = this.opts.batchSize ?? 100;
    return {
      breaches: await this.actOnBreaches(now),
      reminders: await this.remind(now),
      mediation: await actOnMediationDeadlines(this.rt, now, batch),
      sessionReminders: await remindOfSessions(this.rt, now, batch),
      statistics: await publishDailyStatistics(this.rt, now),
    };
  }

  private async actOnBreaches(now: Date): Promise<number> {
    return withTransaction(this.rt.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM cases
         WHERE status = ANY($1) AND state IS NOT NULL
           AND ((NOT acknowledged AND NOT breached_acknowledge AND (acknowledge_by IS NULL OR acknowledge_by < $2))
             OR (NOT breached_resolve AND (resolve_by IS NULL OR resolve_by < $2)))
         ORDER BY acknowledge_by NULLS LAST LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [DEADLINE_STATUSES, now, this.opts.batchSize ?? 100],
      );
      let acted = 0;
      for (const { id } of rows) {
        const state = (await loadCase(client, id))!;
        const breaches = dueForBreach(state, now, this.opts.policy);
        if (breaches.length === 0) continue;
        const commands: CaseCommand[] = breaches.map((b) => ({ type: "recordBreach", deadline: b.deadline, dueAt: b.dueAt }));
        if (["queued", "assigned", "accepted", "in_mediation"].includes(state.status)) {
          commands.push(...(await escalationCommands(client, state, this.opts.policy, `the ${breaches.map((b) => b.deadline).join(" and ")} deadline passed at ${state.team?.level ?? "no"} level`)));
        }
        const done = await execute(client, this.rt.outbox, state, commands, { now, actor: system }, { alertSupervisor: true });
        if (!done.ok) {
          this.rt.logger.error({ caseId: id, refusal: done.refusal }, "deadline scheduler's own decision was refused");
          continue;
        }
        acted += breaches.length;
      }
      return acted;
    });
  }

  private async remind(now: Date): Promise<number> {
    const horizon = new Date(now.getTime() + this.opts.leadTimeMinutes * 60_000);
    return withTransaction(this.rt.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM cases WHERE status = ANY($1) AND state IS NOT NULL
           AND ((NOT acknowledged AND acknowledge_by BETWEEN $2 AND $3) OR resolve_by BETWEEN $2 AND $3)
         LIMIT $4 FOR UPDATE SKIP LOCKED`,
        [DEADLINE_STATUSES, now, horizon, this.opts.batchSize ?? 100],
      );
      let sent = 0;
      for (const { id } of rows) {
        const state = (await loadCase(client, id))!;
        for (const d of nearDeadline(state, now, this.opts.leadTimeMinutes)) {
          const fresh = await client.query("INSERT INTO deadline_reminders (case_id, deadline, due_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING", [id, d.deadline, d.dueAt]);
          if (fresh.rowCount === 0 || !state.classification) continue;
          await enqueueEvent(client, this.rt.outbox, "case.deadline_approaching.v1", {
            caseId: state.caseId, grievanceId: state.grievanceId, occurredAt: now.toISOString(), actor: system,
            trackingCode: state.trackingCode, divisionCode: state.divisionCode, category: state.classification.category, urgency: state.classification.urgency,
            deadline: d.deadline, dueAt: d.dueAt.toISOString(), team: state.team, caseworkerId: state.caseworkerId,
          }, { key: partitionKeyFor(state.divisionCode) });
          sent++;
        }
      }
      return sent;
    });
  }
}
