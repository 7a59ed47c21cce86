// The edge around the case decider: read state, decide, evolve, write state + timeline +
// outbox in the caller's transaction.
import type { OutboxContext, OutgoingEvent, PoolClient } from "@grievance-hub/kit";
import { enqueueEvents } from "@grievance-hub/kit";
import { partitionKeyFor } from "@grievance-hub/schema";
import { decide, evolve, initialState, type CaseCommand, type CaseState, type DecisionContext, type OpenedCase, type Refusal } from "../domain/case-lifecycle";
import { appendTimeline, saveCase, type CaseExtras } from "../db/cases";
import { sealEvent, type Seal } from "./seal-command";
import { toWire } from "./wire";

export type Executed = { ok: true; state: OpenedCase } | { ok: false; refusal: Refusal; state: CaseState };

/** Applies commands in order; stops at the first refusal. Everything is written only through `client`. */
export async function execute(
  client: PoolClient,
  outbox: OutboxContext,
  start: CaseState,
  commands: CaseCommand[],
  context: DecisionContext,
  /** seal: a staff action's sealer (seal-command.ts `caseSealer`): the words staff type are sealed before they are folded in. */
  opts: { extras?: CaseExtras; alertSupervisor?: boolean; seal?: Seal } = {},
): Promise<Executed> {
  let state = start;
  const applied: { event: Parameters<typeof evolve>[1]; after: OpenedCase }[] = [];
  for (const command of commands) {
    const decision = decide(command, state, context);
    if (!decision.ok) return { ok: false, refusal: decision.refusal, state };
    for (const decided of decision.events) {
      const event = opts.seal ? sealEvent(decided, opts.seal) : decided;
      state = evolve(state, event);
      applied.push({ event, after: state as OpenedCase });
    }
  }
  if (state.status === "unopened") return { ok: false, refusal: { code: "invalid_command", message: "nothing to do" }, state };
  await saveCase(client, state, start === initialState ? opts.extras : {});
  const outgoing = applied.map(({ event, after }) => {
    const wire = toWire(event, after, { alertSupervisor: opts.alertSupervisor ?? false });
    return { type: wire.type, data: wire.data, opts: { time: event.occurredAt, key: partitionKeyFor(after.divisionCode) } } as OutgoingEvent;
  });
  const eventIds = await enqueueEvents(client, outbox, outgoing);
  await appendTimeline(client, applied.map(({ event, after }, i) => ({ caseId: after.caseId, eventId: eventIds[i]!, event, version: after.version })));
  return { ok: true, state };
}
