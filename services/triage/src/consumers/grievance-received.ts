// grievance.received -> classified, linked to an open case of the same caller (repeat) or
// opened as a new case, routed to the most local caseworker, all in one transaction.
import { v5 as uuidv5 } from "uuid";
import { enqueueEvent, type EventHandler, type PoolClient, type ServiceRuntime } from "@grievance-hub/kit";
import { moreUrgent, type GrievanceReceivedV1, type RiskSignal, type Urgency } from "@grievance-hub/schema";
import { classify } from "../domain/classification/classify";
import type { Ruleset } from "../domain/classification/ruleset";
import type { CategoryModel } from "../domain/classification/category-model";
import { initialState, type CaseCommand, type DecisionContext } from "../domain/case-lifecycle";
import { computeDueDates, deskDueDates, type DeadlinePolicy } from "../domain/deadlines";
import type { Classification } from "../domain/classification/classify";
import { routeToCaseworker } from "../domain/routing";
import { caseworkersOf, markAssigned, teamsCovering } from "../db/directory";
import { loadCase, saveCase } from "../db/cases";
import { execute } from "../commands/execute";

const CASE_NAMESPACE = "5b0c8f2e-3c41-4f7a-9d3e-0a7c1f6e2b90";

/** One case per grievance that opens one, with an id derived from it (UUIDv5), so a replay opens the same case. */
export function caseIdFor(grievanceId: string): string {
  return uuidv5(grievanceId, CASE_NAMESPACE);
}

export interface TriageRules {
  ruleset: Ruleset;
  /** Decides the category with a confidence; below its threshold a non-P1 grievance goes to the triage desk. */
  categoryModel?: CategoryModel;
  policy: DeadlinePolicy;
  repeatWindowDays: number;
  relatedWindowDays: number;
  relatedSimilarity: number;
  /** A case whose caller has come back this many times is raised to at least P2. */
  repeatsForP2: number;
}

const system: DecisionContext["actor"] = { id: "triage", role: "system" };

export function onGrievanceReceived(rt: ServiceRuntime, rules: TriageRules): EventHandler {
  return async (client, event) => {
    const g = event.data as GrievanceReceivedV1;
    // The same grievance under another event id (a replay by hand) must not touch its case again.
    const known = await client.query("SELECT 1 FROM cases WHERE id = $1 UNION ALL SELECT 1 FROM case_links WHERE grievance_id = $2 AND kind = 'repeat'", [caseIdFor(g.grievanceId), g.grievanceId]);
    if ((known.rowCount ?? 0) > 0) return;
    const now = new Date();
    const classification = classify({ text: g.description, ...(g.hints ? { hints: g.hints } : {}) }, rules.ruleset, rules.categoryModel);
    const phoneHash = g.complainant.anonymous ? null : g.complainant.phoneHash;

    if (phoneHash && (await linkRepeat(client, rt, rules, g, phoneHash, classification.category, classification.urgency, now))) return;

    const signals: RiskSignal[] = classification.signals.flatMap((s) => (s.kind === "urgency" ? [{ rule: s.rule, level: s.level, matched: s.matched }] : []));
    // For the triager: the three likeliest categories, each with the words that carried it.
    if (classification.needsReview) signals.push(...deskCandidates(classification));
    let urgency = classification.urgency;
    const related = await findRelated(client, rules, g, phoneHash);
    if (related.length > 0) {
      signals.push({ rule: "p2.group-dispute", level: "P2", matched: `similar to ${related.length} other grievance(s) in ${g.divisionCode} within ${rules.relatedWindowDays} days` });
      urgency = moreUrgent(urgency, "P2");
    }

    const caseId = caseIdFor(g.grievanceId);
    const commands: CaseCommand[] = [
      { type: "open", caseId, grievanceId: g.grievanceId, trackingCode: g.trackingCode, divisionCode: g.divisionCode, language: g.language, receivedAt: new Date(g.receivedAt) },
      {
        type: "triage", category: classification.category, urgency, signals, rulesetVersion: classification.rulesetVersion,
        ...(classification.modelVersion === undefined ? {} : { modelVersion: classification.modelVersion }),
        ...(classification.confidence === undefined ? {} : { confidence: classification.confidence }),
      },
    ];
    const teams = await teamsCovering(client, g.divisionCode);
    const routing = routeToCaseworker({ divisionCode: g.divisionCode, category: classification.category, language: g.language, urgency, needsReview: classification.needsReview }, teams, await caseworkersOf(client, teams.map((t) => t.id)));
    const reason = routing.reasons.join("; ");
    if (routing.kind === "caseworker") {
      const dueDates = routing.team.desk ? deskDueDates(urgency, new Date(g.receivedAt), rules.policy) : computeDueDates(urgency, new Date(g.receivedAt), rules.policy);
      commands.push({ type: "assign", team: routing.team, caseworkerId: routing.caseworker.id, dueDates, reason });
      await markAssigned(client, routing.caseworker.id, now);
    } else if (routing.kind === "team_queue") {
      commands.push({ type: "queue", team: routing.team, reason });
    } else {
      rt.logger.warn({ caseId, divisionCode: g.divisionCode, category: classification.category }, "no team covers this grievance; it waits unrouted");
    }
    const done = await execute(client, rt.outbox, initialState, commands, { now, actor: system }, { extras: { phoneHash, description: g.description }, alertSupervisor: routing.alertSupervisor });
    if (!done.ok) throw new Error(`triage refused its own decision: ${done.refusal.message}`);

    for (const r of related) {
      await client.query(
        "INSERT INTO case_links (case_id, grievance_id, kind, related_case_id, similarity, linked_at) VALUES ($1,$2,'related',$3,$4,$5) ON CONFLICT DO NOTHING",
        [caseId, g.grievanceId, r.caseId, r.similarity, now],
      );
      await enqueueEvent(client, rt.outbox, "grievance.linked.v1", {
        caseId, grievanceId: g.grievanceId, occurredAt: now.toISOString(), actor: system, kind: "related",
        linkedGrievanceId: r.grievanceId, repeatCount: 0, similarity: r.similarity, urgency,
      });
    }
  };
}

function deskCandidates(c: Classification): RiskSignal[] {
  return (c.reasons.categoryModel?.candidates ?? []).map((k) => ({ rule: `model.category.${k.category}`, matched: `${Math.round(k.probability * 100)}%: ${k.evidence.map((e) => e.matched).join(", ")}` }));
}

/** Links the grievance to its caller's open case about the same matter; false when there is none. */
async function linkRepeat(client: PoolClient, rt: ServiceRuntime, rules: TriageRules, g: GrievanceReceivedV1, phoneHash: string, category: string, urgency: Urgency, now: Date): Promise<boolean> {
  // Two grievances of one caller on two partitions must not both open a case.
  await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [phoneHash]);
  const { rows } = await client.query<{ id: string; repeat_count: number }>(
    `SELECT id, repeat_count FROM cases WHERE phone_hash = $1 AND category = $2 AND status NOT IN ('resolved', 'closed')
       AND received_at > $3::timestamptz - make_interval(days => $4) ORDER BY received_at DESC LIMIT 1 FOR UPDATE`,
    [phoneHash, category, g.receivedAt, rules.repeatWindowDays],
  );
  const open = rows[0];
  if (!open) return false;
  const state = (await loadCase(client, open.id))!;
  const repeatCount = open.repeat_count + 1;
  let raised = moreUrgent(state.classification?.urgency ?? "P3", urgency);
  if (repeatCount >= rules.repeatsForP2) raised = moreUrgent(raised, "P2");
  await client.query(
    "INSERT INTO case_links (case_id, grievance_id, kind, linked_at) VALUES ($1,$2,'repeat',$3) ON CONFLICT DO NOTHING",
    [open.id, g.grievanceId, now],
  );
  await client.query("UPDATE cases SET repeat_count = $2 WHERE id = $1", [open.id, repeatCount]);
  if (state.classification && raised !== state.classification.urgency) {
    // The caller coming back raises attention on the case they already have.
    await saveCase(client, { ...state, classification: { ...state.classification, urgency: raised } });
  }
  await enqueueEvent(client, rt.outbox, "grievance.linked.v1", {
    caseId: state.caseId, grievanceId: state.grievanceId, occurredAt: now.toISOString(), actor: system, kind: "repeat",
    linkedGrievanceId: g.grievanceId, repeatCount, urgency: raised,
  });
  return true;
}

async function findRelated(client: PoolClient, rules: TriageRules, g: GrievanceReceivedV1, phoneHash: string | null) {
  const { rows } = await client.query<{ id: string; grievance_id: string; sim: number }>(
    `SELECT id, grievance_id, similarity(description, $1) AS sim FROM cases
     WHERE division_code = $2 AND received_at > $3::timestamptz - make_interval(days => $4)
       AND ($5::text IS NULL OR phone_hash IS DISTINCT FROM $5) AND description % $1 AND similarity(description, $1) >= $6
     ORDER BY sim DESC LIMIT 5`,
    [g.description, g.divisionCode, g.receivedAt, rules.relatedWindowDays, phoneHash, rules.relatedSimilarity],
  );
  return rows.map((r) => ({ caseId: r.id, grievanceId: r.grievance_id, similarity: Math.round(r.sim * 1000) / 1000 }));
}

