// The form of each case action as data: its inputs, named by the path of the request body they
// fill (so a problem+json field error such as "obligations.0.owedBy" lands on its input), and
// how typed values become the body triage's contract expects. A list in the body (an agreement's
// obligations) is a row of inputs with "#" for its index, repeated as the person adds rows.
import { CaseActionBodies, Category, PartyRole, ReceivingBodyKind, ResolutionOutcome, Satisfaction, SessionDanger, SessionResult } from "@grievance-hub/schema";
import type { CaseAction } from "./actions";

export type InputKind = "text" | "textarea" | "datetime" | "date" | "number" | "tel" | "checkbox" | "select" | "multi";
/** Options of a select: a contract enum (labelled from the catalogue under labelPrefix), or things of the case. */
export type OptionSource =
  | { enum: readonly string[]; labelPrefix: string }
  | "scheduledSessions" | "heldSessions" | "parties" | "owers" | "openObligations" | "openReferrals";
export interface ActionInput {
  path: string;
  kind: InputKind;
  optional?: boolean;
  options?: OptionSource;
  initial?: string | boolean;
  /** The body paths one choice fills, from its value (see choiceOf): choosing an obligation names its agreement too. */
  fills?: string[];
  /** Catalogue key of a line under the input saying what leaving it empty does. */
  hint?: string;
}
export type FormValue = string | boolean | string[];

const reason: ActionInput = { path: "reason", kind: "textarea" };
const en = (values: readonly string[], labelPrefix: string): OptionSource => ({ enum: values, labelPrefix });

export const actionInputs: Record<CaseAction, ActionInput[]> = {
  accept: [],
  notes: [{ path: "text", kind: "textarea" }],
  mediation: [{ path: "at", kind: "datetime" }, { path: "place", kind: "text", optional: true }],
  resolve: [{ path: "outcome", kind: "select", options: en(ResolutionOutcome.options, "outcome") }, { path: "summary", kind: "textarea" }],
  escalate: [reason],
  "request-reassignment": [reason],
  recategorise: [{ path: "category", kind: "select", options: en(Category.options, "category") }, reason],
  parties: [
    { path: "role", kind: "select", options: en(PartyRole.options, "partyRole") },
    { path: "kind", kind: "select", options: en(["person", "organisation"], "partyKind") },
    { path: "name", kind: "text" },
    { path: "phone", kind: "tel", optional: true },
    { path: "consentToContact", kind: "checkbox", initial: false },
  ],
  // Left empty, triage picks the most local free mediator; the BFF lists no mediators to choose from.
  mediator: [{ path: "mediatorId", kind: "text", optional: true, hint: "hint.mediatorId" }],
  sessions: [
    { path: "at", kind: "datetime" },
    { path: "durationMinutes", kind: "number", initial: "90" },
    { path: "place", kind: "text" },
    { path: "invitedPartyIds", kind: "multi", options: "parties" },
  ],
  "reschedule-session": [
    { path: "sessionId", kind: "select", options: "scheduledSessions" },
    { path: "at", kind: "datetime" },
    { path: "place", kind: "text", optional: true },
  ],
  "cancel-session": [{ path: "sessionId", kind: "select", options: "scheduledSessions" }, reason],
  "record-session": [
    { path: "sessionId", kind: "select", options: "scheduledSessions" },
    { path: "complainantAttended", kind: "checkbox", initial: true },
    { path: "attendedPartyIds", kind: "multi", options: "parties" },
    { path: "result", kind: "select", options: en(SessionResult.options, "sessionResult") },
    { path: "danger", kind: "select", options: en(SessionDanger.options, "danger") },
    { path: "note", kind: "textarea", optional: true },
  ],
  agreement: [
    { path: "sessionId", kind: "select", options: "heldSessions" },
    { path: "terms", kind: "textarea" },
    { path: "signedOn", kind: "date" },
    { path: "obligations.#.owedBy", kind: "select", options: "owers" },
    { path: "obligations.#.what", kind: "text" },
    { path: "obligations.#.dueBy", kind: "date" },
  ],
  obligation: [
    { path: "obligation", kind: "select", options: "openObligations", fills: ["agreementId", "obligationId"] },
    { path: "status", kind: "select", options: en(CaseActionBodies.obligation.shape.status.options, "obligationStatus") },
    { path: "note", kind: "textarea", optional: true },
  ],
  "follow-up": [
    { path: "reached", kind: "checkbox", initial: true },
    { path: "satisfaction", kind: "select", options: en(Satisfaction.options, "satisfaction"), optional: true },
    { path: "note", kind: "textarea", optional: true },
  ],
  refer: [
    { path: "to.kind", kind: "select", options: en(ReceivingBodyKind.options, "bodyKind") },
    { path: "to.name", kind: "text" },
    reason,
  ],
  "acknowledge-referral": [{ path: "referralId", kind: "select", options: "openReferrals" }, { path: "reference", kind: "text", optional: true }],
  decline: [reason],
  withdraw: [reason],
};

/** The catalogue key of an input's label: list indexes left out ("obligations.0.what" -> "field.obligations.what"). */
export function labelKey(path: string): string {
  return `field.${path.replace(/\.(\d+|#)(?=\.|$)/g, "")}`;
}

/** The inputs of a form whose list has these rows (keys that stay with a row while rows before it are removed). */
export function withRows(inputs: ActionInput[], rows: number[]): ActionInput[] {
  return inputs.flatMap((input) => (input.path.includes(".#.") ? rows.map((row) => ({ ...input, path: input.path.replace(".#.", `.${row}.`) })) : [input]));
}

/** The value of an option that fills several body paths, in their order. */
export const choiceOf = (...ids: string[]): string => JSON.stringify(ids);

function convert(input: ActionInput, value: FormValue | undefined): unknown {
  switch (input.kind) {
    case "checkbox": return value === true;
    case "multi": return Array.isArray(value) ? value : [];
    case "number": return value === "" || value === undefined ? undefined : Number(value);
    case "datetime": {
      // datetime-local gives local wall time without an offset; the contract wants an instant.
      const at = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
      return Number.isNaN(at.getTime()) ? (value ?? "") : at.toISOString();
    }
    default: return typeof value === "string" ? value.trim() : "";
  }
}

const blank = (value: unknown) => value === "" || value === undefined;

/**
 * Where each input's value goes in the body. An optional input left empty goes nowhere; so does a
 * list row left wholly empty, unless every row is (then the first goes, and triage names its
 * fields); the rows that go are numbered from 0 without holes.
 */
function placements(inputs: ActionInput[], values: Record<string, FormValue>): { input: string; at: string; value: unknown }[] {
  const converted = inputs.map((input) => ({ input, value: convert(input, values[input.path]) }));
  const rowOf = (path: string) => /^(.+?)\.(\d+)\./.exec(path);
  const rowsOfList = new Map<string, string[]>();
  const filled = new Set<string>();
  for (const { input, value } of converted) {
    const row = rowOf(input.path);
    if (!row) continue;
    const rows = rowsOfList.get(row[1]!) ?? [];
    if (!rows.includes(row[0])) rowsOfList.set(row[1]!, [...rows, row[0]]);
    if (!blank(value)) filled.add(row[0]);
  }
  const renumbered = new Map<string, string>();
  for (const [list, rows] of rowsOfList) {
    const kept = rows.filter((row) => filled.has(row));
    (kept.length > 0 ? kept : rows.slice(0, 1)).forEach((row, i) => renumbered.set(row, `${list}.${i}.`));
  }
  return converted.flatMap(({ input, value }) => {
    if (blank(value) && (input.optional || value === undefined)) return [];
    if (input.fills) {
      const ids = value === "" ? [] : (JSON.parse(String(value)) as string[]);
      return input.fills.map((at, i) => ({ input: input.path, at, value: ids[i] ?? "" }));
    }
    const row = rowOf(input.path);
    if (!row) return [{ input: input.path, at: input.path, value }];
    const to = renumbered.get(row[0]);
    return to === undefined ? [] : [{ input: input.path, at: input.path.replace(row[0], to), value }];
  });
}

/** The request body from the form's values. */
export function bodyOf(inputs: ActionInput[], values: Record<string, FormValue>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const { at: path, value } of placements(inputs, values)) {
    const keys = path.split(".");
    let at: Record<string, unknown> = body;
    keys.slice(0, -1).forEach((key, i) => {
      at[key] ??= /^\d+$/.test(keys[i + 1]!) ? [] : {};
      at = at[key] as Record<string, unknown>;
    });
    at[keys.at(-1)!] = value;
  }
  return body;
}

/** Triage's field errors on a body sent from these values, by the input each belongs to (the first message per input). */
export function errorsAt(inputs: ActionInput[], values: Record<string, FormValue>, errors: { field: string; message: string }[]): Record<string, string> {
  const inputAt = new Map(placements(inputs, values).map((p) => [p.at, p.input]));
  const found: Record<string, string> = {};
  for (const { field, message } of errors) {
    const input = inputAt.get(field.replace(/^body\./, ""));
    if (input !== undefined) found[input] ??= message;
  }
  return found;
}

export function initialValues(inputs: ActionInput[]): Record<string, FormValue> {
  return Object.fromEntries(inputs.map((i) => [i.path, i.initial ?? (i.kind === "multi" ? [] : i.kind === "checkbox" ? false : "")]));
}
