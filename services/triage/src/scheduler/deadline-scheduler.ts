// Watches deadlines: records a breach and escalates the case a level up (reassigning it
// there), and reminds the caseworker before a deadline. Rows are claimed with
// FOR UPDATE SKIP LOCKED and the breach is recorded in the same transaction, so with
// several replicas each breach is acted on once; state lives in Postgres, so a restart
// loses nothing.
import { enqueueEvents, withTransaction, type OutgoingEvent, type ServiceRuntime } from "@grievance-hub/kit";
import { partitionKeyFor } from "@grievance-hub/schema";
import type { CaseCommand, DecisionContext } from "../domain/case-lifecycle";
import { dueForBreach, nearDeadline, type DeadlinePolicy } from "../domain/deadlines";
import { reviveCase } from "../db/cases";
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
      const { rows } = await client.query<{ state: Record<string, unknown> }>(
        `SELECT state FROM cases
         WHERE status = ANY($1) AND state IS NOT NULL
           AND ((NOT acknowledged AND NOT breached_acknowledge AND (acknowledge_by IS NULL OR acknowledge_by < $2))
             OR (NOT breached_resolve AND (resolve_by IS NULL OR resolve_by < $2)))
         ORDER BY acknowledge_by NULLS LAST LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [DEADLINE_STATUSES, now, this.opts.batchSize ?? 100],
      );
      let acted = 0;
      for (const row of rows) {
        const state = reviveCase(row.state);
        const id = state.caseId;
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

  /** Reminders of one scan with a fixed number of statements: the claimed cases with their state, the new reminders, their events. */
  private async remind(now: Date): Promise<number> {
    const horizon = new Date(now.getTime() + this.opts.leadTimeMinutes * 60_000);
    return withTransaction(this.rt.pool, async (client) => {
      const { rows } = await client.query<{ state: Record<string, unknown> }>(
        // Only deadlines not reminded of yet, soonest first: with more due than a scan takes, a scan
        // that took the already-reminded again would never reach the others.
        `SELECT state FROM cases c WHERE status = ANY($1) AND state IS NOT NULL
           AND ((NOT acknowledged AND acknowledge_by BETWEEN $2 AND $3
                 AND NOT EXISTS (SELECT 1 FROM deadline_reminders r WHERE r.case_id = c.id AND r.deadline = 'acknowledge' AND r.due_at = c.acknowledge_by))
             OR (resolve_by BETWEEN $2 AND $3
                 AND NOT EXISTS (SELECT 1 FROM deadline_reminders r WHERE r.case_id = c.id AND r.deadline = 'resolve' AND r.due_at = c.resolve_by)))
         ORDER BY least(CASE WHEN NOT acknowledged THEN acknowledge_by END, resolve_by)
         LIMIT $4 FOR UPDATE SKIP LOCKED`,
        [DEADLINE_STATUSES, now, horizon, this.opts.batchSize ?? 100],
      );
      const due = rows.flatMap((r) => {
        const state = reviveCase(r.state);
        return nearDeadline(state, now, this.opts.leadTimeMinutes).map((d) => ({ state, ...d }));
      });
      if (due.length === 0) return 0;
      // A reminder is sent once: only those this scan records for the first time become events.
      const key = (caseId: string, deadline: string, dueAt: Date) => `${caseId} ${deadline} ${dueAt.getTime()}`;
      const { rows: fresh } = await client.query<{ case_id: string; deadline: string; due_at: Date }>(
        `INSERT INTO deadline_reminders (case_id, deadline, due_at) SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
         ON CONFLICT DO NOTHING RETURNING case_id::text, deadline, due_at`,
        [due.map((d) => d.state.caseId), due.map((d) => d.deadline), due.map((d) => d.dueAt)],
      );
      const recorded = new Set(fresh.map((r) => key(r.case_id, r.deadline, r.due_at)));
      const events: OutgoingEvent[] = due.flatMap(({ state, deadline, dueAt }) => {
        if (!recorded.has(key(state.caseId, deadline, dueAt)) || !state.classification) return [];
        return [{
          type: "case.deadline_approaching.v1",
          data: {
            caseId: state.caseId, grievanceId: state.grievanceId, occurredAt: now.toISOString(), actor: system,
            trackingCode: state.trackingCode, divisionCode: state.divisionCode, category: state.classification.category, urgency: state.classification.urgency,
            deadline, dueAt: dueAt.toISOString(), team: state.team, caseworkerId: state.caseworkerId,
          },
          opts: { key: partitionKeyFor(state.divisionCode) },
        }];
      });
      if (events.length > 0) await enqueueEvents(client, this.rt.outbox, events);
      return events.length;
    });
  }
}
