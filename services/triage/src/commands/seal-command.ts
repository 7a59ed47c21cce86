// What staff record about people — a party's name and phone, notes, an agreement's terms and
// what each obligation asks — is sealed with the case's person's data key before the decider sees
// it, so the case's state, its timeline and the v2 events hold it sealed and only the case page
// (db/case-views.ts, `sealedFields`) opens it. Each value is sealed for the property that holds it.
import type { Keyring, PoolClient } from "@grievance-hub/kit";
import type { CaseCommand } from "../domain/case-lifecycle";

type Seal = (field: string, plaintext: string) => string;

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
