// The form of each case action as data: its inputs, named by the path of the request body they
// fill (so a problem+json field error such as "obligations.0.owedBy" lands on its input), and
// how typed values become the body triage's contract expects.
import { PartyRole, ReceivingBodyKind, ResolutionOutcome, Satisfaction, SessionDanger, SessionResult } from "@grievance-hub/schema";
import type { CaseAction } from "./actions";

export type InputKind = "text" | "textarea" | "datetime" | "date" | "number" | "tel" | "checkbox" | "select" | "multi";
/** Options of a select: a contract enum (labelled from the catalogue under labelPrefix), or things of the case. */
export type OptionSource = { enum: readonly string[]; labelPrefix: string } | "scheduledSessions" | "heldSessions" | "parties" | "owers";
export interface ActionInput { path: string; kind: InputKind; optional?: boolean; options?: OptionSource; initial?: string | boolean }
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
  parties: [
    { path: "role", kind: "select", options: en(PartyRole.options, "partyRole") },
    { path: "kind", kind: "select", options: en(["person", "organisation"], "partyKind") },
    { path: "name", kind: "text" },
    { path: "phone", kind: "tel", optional: true },
    { path: "consentToContact", kind: "checkbox", initial: false },
  ],
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
    { path: "obligations.0.owedBy", kind: "select", options: "owers" },
    { path: "obligations.0.what", kind: "text" },
    { path: "obligations.0.dueBy", kind: "date" },
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
  decline: [reason],
  withdraw: [reason],
};

/** The catalogue key of an input's label: list indexes left out ("obligations.0.what" -> "field.obligations.what"). */
export function labelKey(path: string): string {
  return `field.${path.replace(/\.\d+(?=\.|$)/g, "")}`;
}

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

/** The request body from the form's values; an optional input left empty is left out. */
export function bodyOf(inputs: ActionInput[], values: Record<string, FormValue>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const input of inputs) {
    const value = convert(input, values[input.path]);
    if (input.optional && (value === "" || value === undefined)) continue;
    if (value === undefined) continue;
    const keys = input.path.split(".");
    let at: Record<string, unknown> = body;
    keys.slice(0, -1).forEach((key, i) => {
      at[key] ??= /^\d+$/.test(keys[i + 1]!) ? [] : {};
      at = at[key] as Record<string, unknown>;
    });
    at[keys.at(-1)!] = value;
  }
  return body;
}

export function initialValues(inputs: ActionInput[]): Record<string, FormValue> {
  return Object.fromEntries(inputs.map((i) => [i.path, i.initial ?? (i.kind === "multi" ? [] : i.kind === "checkbox" ? false : "")]));
}
