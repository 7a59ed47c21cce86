// What staff record about people — a party's name and phone, notes, an agreement's terms and
// what each obligation asks — is sealed with the case's person's data key before the decider sees
// it, so the case's state, its timeline and the v2 events hold it sealed and only the case page
// (db/case-views.ts, `sealedFields`) opens it. Each value is sealed for the property that holds it.
import { erasedMarker, isSealed, type Keyring, type PoolClient } from "@grievance-hub/kit";
import type { CaseCommand, CaseEvent } from "../domain/case-lifecycle";

export type Seal = (field: string, plaintext: string) => string;

/** The command types whose personal fields are sealed. */
const sealing = new Set<CaseCommand["type"]>(["addParty", "addNote", "recordSession", "recordAgreement", "markObligation", "recordFollowUp"]);

export function sealsPersonalData(command: CaseCommand): boolean {
  return sealing.has(command.type);
}

export function sealCommand(command: CaseCommand, seal: Seal): CaseCommand {
  switch (command.type) {
    case "addParty":
      return { ...command, name: seal("name", command.name), ...(command.phone === undefined ? {} : { phone: seal("phone", command.phone) }) };
    case "addNote":
      return { ...command, text: seal("text", command.text) };
    case "recordAgreement":
      return { ...command, terms: seal("terms", command.terms), obligations: command.obligations.map((o) => ({ ...o, what: seal("what", o.what) })) };
    case "recordSession":
    case "markObligation":
    case "recordFollowUp":
      return command.note === undefined ? command : { ...command, note: seal("note", command.note) };
    default:
      return command;
  }
}

/**
 * The event with what staff type in their own words sealed — a reason, a resolution's summary, a
 * session's place, the name of the body a case goes to — whoever's words they are: a staff action
 * can carry the system's too (a referral's resolution, a judicial confirmation, the routing after
 * an escalation), and one rule keeps the v2 events' fields all sealed (wire.ts `sealedOr`). A value
 * already sealed is kept as it is. Applied to every event of a staff action before it is folded
 * into the case, so the case's state and timeline hold them sealed as the events do.
 */
export function sealEvent(event: CaseEvent, seal: Seal): CaseEvent {
  const s = (field: string, value: string) => (isSealed(value) || value === erasedMarker ? value : seal(field, value));
  switch (event.type) {
    case "case.assigned":
    case "case.escalated":
    case "case.reassigned":
    case "case.reassignment_requested":
    case "case.recategorised":
    case "case.reopened":
    case "case.session_cancelled":
    case "case.withdrawn":
      return { ...event, reason: s("reason", event.reason) };
    case "case.closed":
      return event.reason ? { ...event, reason: s("reason", event.reason) } : event;
    case "case.resolved":
      return { ...event, summary: s("summary", event.summary) };
    case "case.mediation_scheduled":
      return event.place ? { ...event, place: s("place", event.place) } : event;
    case "case.session_scheduled":
    case "case.session_rescheduled":
      return { ...event, place: s("place", event.place) };
    case "case.referred":
      return { ...event, reason: s("reason", event.reason), to: { ...event.to, name: s("name", event.to.name) } };
    case "case.declined":
      return { ...event, reason: s("reason", event.reason), goTo: event.goTo ? { ...event.goTo, name: s("name", event.goTo.name) } : null };
    default:
      return event;
  }
}

/**
 * The sealer of a case's person: the caller's key (all their grievances share it), else the
 * anonymous grievance's own — as intake chose when it sealed the grievance. A caller erased
 * before (no phone hash left) gets the grievance's key: erasing by tracking code destroys it.
 */
export async function caseSealer(client: PoolClient, keyring: Keyring, caseId: string): Promise<Seal> {
  const { rows } = await client.query<{ phone_hash: string | null; grievance_id: string }>("SELECT phone_hash, grievance_id FROM cases WHERE id = $1", [caseId]);
  const row = rows[0];
  if (!row) throw new Error(`case ${caseId} has no row to seal for`);
  return keyring.sealerFor(row.phone_hash ? `phone:${row.phone_hash}` : `grievance:${row.grievance_id}`);
}
