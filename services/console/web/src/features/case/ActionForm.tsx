// One case action as a form; triage's problem+json field errors are shown at their inputs. A list
// in the body (an agreement's obligations) is a set of rows the person adds and removes.
import { useRef, useState, type FormEvent } from "react";
import type { CaseView, Problem } from "../../api";
import { Field, type ControlProps } from "../../components/Field";
import { useI18n, type MessageKey } from "../../i18n";
import { actionInputs, bodyOf, choiceOf, errorsAt, initialValues, labelKey, withRows, type ActionInput, type FormValue } from "./action-forms";
import { openObligations, type CaseAction } from "./actions";
import { caseWords } from "./words";

type Option = { value: string; label: string };

function useOptions(c: CaseView): (input: ActionInput) => Option[] {
  const i18n = useI18n();
  const { t } = i18n;
  const { when, day, partyName } = caseWords(c, i18n);
  const parties = c.dispute.parties.map((p) => ({ value: p.partyId, label: `${p.name} (${t(`partyRole.${p.role}` as MessageKey)})` }));
  return (input) => {
    const source = input.options;
    if (!source) return [];
    if (typeof source === "object") return source.enum.map((value) => ({ value, label: t(`${source.labelPrefix}.${value}` as MessageKey) }));
    switch (source) {
      case "scheduledSessions":
      case "heldSessions": {
        const status = source === "scheduledSessions" ? "scheduled" : "held";
        return c.dispute.sessions.filter((s) => s.status === status).map((s) => ({ value: s.sessionId, label: `${when(s.at)} · ${s.place}` }));
      }
      case "parties": return parties;
      // Only a party added to the case can owe (case.agreement_recorded.v1 has no word for the complainant).
      case "owers": return parties;
      case "openObligations": return openObligations(c).map((o) => ({
        value: choiceOf(o.agreementId, o.obligationId),
        label: t("obligation.option", { what: o.what, who: partyName(o.owedBy), due: day(o.dueBy) }),
      }));
      case "openReferrals": return c.dispute.referrals.filter((r) => r.acknowledgedAt === null).map((r) => ({ value: r.referralId, label: `${t(`bodyKind.${r.to.kind}` as MessageKey)} · ${r.to.name}` }));
    }
  };
}

export function ActionForm({ action, view, submit }: {
  action: CaseAction;
  view: CaseView;
  submit: (action: CaseAction, body: Record<string, unknown>) => Promise<Problem | undefined>;
}) {
  const { t } = useI18n();
  const template = actionInputs[action];
  const list = template.find((i) => i.path.includes(".#."))?.path.split(".#.")[0];
  const [rows, setRows] = useState([0]);
  const inputs = withRows(template, rows);
  const optionsOf = useOptions(view);
  const [values, setValues] = useState<Record<string, FormValue>>(() => initialValues(inputs));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const added = useRef<number>(undefined);
  const addButton = useRef<HTMLButtonElement>(null);
  const set = (path: string, value: FormValue) => setValues((v) => ({ ...v, [path]: value }));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const problem = await submit(action, bodyOf(inputs, values));
    setBusy(false);
    setErrors(errorsAt(inputs, values, problem?.errors ?? []));
  }

  function addRow() {
    const row = Math.max(...rows) + 1;
    added.current = row;
    setValues((v) => ({ ...initialValues(withRows(template, [row])), ...v }));
    setRows([...rows, row]);
  }

  function removeRow(row: number) {
    setRows(rows.filter((r) => r !== row));
    addButton.current?.focus();
  }

  const control = (input: ActionInput, props: ControlProps, labelId: string) => {
    const value = values[input.path];
    switch (input.kind) {
      case "textarea": return <textarea {...props} value={value as string} onChange={(e) => set(input.path, e.target.value)} />;
      case "checkbox": return <input type="checkbox" {...props} checked={value === true} onChange={(e) => set(input.path, e.target.checked)} />;
      case "select": return (
        <select {...props} value={value as string} onChange={(e) => set(input.path, e.target.value)}>
          <option value="">{input.optional ? t("form.none") : t("form.choose")}</option>
          {optionsOf(input).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      );
      case "multi": {
        const chosen = value as string[];
        const options = optionsOf(input);
        return (
          <div {...props} role="group" aria-labelledby={labelId} className="checks">
            {options.length === 0 ? <span>{t("party.none")}</span> : options.map((o) => (
              <label key={o.value} className="inline">
                <input type="checkbox" checked={chosen.includes(o.value)} onChange={(e) => set(input.path, e.target.checked ? [...chosen, o.value] : chosen.filter((v) => v !== o.value))} /> {o.label}
              </label>
            ))}
          </div>
        );
      }
      default: {
        const type = { datetime: "datetime-local", date: "date", number: "number", tel: "tel", text: "text" }[input.kind];
        return <input type={type} {...props} value={value as string} onChange={(e) => set(input.path, e.target.value)} />;
      }
    }
  };

  const field = (input: ActionInput) => (
    <Field key={input.path} label={t(labelKey(input.path) as MessageKey) + (input.optional ? ` ${t("form.optional")}` : "")} hint={input.hint ? t(input.hint as MessageKey) : undefined} error={errors[input.path]}>
      {(props, labelId) => control(input, props, labelId)}
    </Field>
  );

  // The list's rows stand where its inputs stand in the template, each row a group named by its place.
  const listAt = template.findIndex((i) => i.path.includes(".#."));
  const listRows = list === undefined ? null : (
    <div key={list}>
      {rows.map((row, n) => (
        <fieldset key={row} className="list-row" ref={(el) => {
          if (el && added.current === row) {
            added.current = undefined;
            el.querySelector<HTMLElement>("input, select, textarea")?.focus();
          }
        }}>
          <legend>{t(`field.${list}` as MessageKey, { n: String(n + 1) })}</legend>
          {inputs.filter((i) => i.path.startsWith(`${list}.${row}.`)).map(field)}
          {rows.length > 1 ? <button type="button" onClick={() => removeRow(row)}>{t(`form.removeRow.${list}` as MessageKey, { n: String(n + 1) })}</button> : null}
        </fieldset>
      ))}
      <button type="button" ref={addButton} onClick={addRow}>{t(`form.addRow.${list}` as MessageKey)}</button>
    </div>
  );

  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label={t(`action.${action}` as MessageKey)} className="action-form" noValidate>
      {template.map((input, i) => (input.path.includes(".#.") ? (i === listAt ? listRows : null) : field(input)))}
      <button type="submit" disabled={busy}>{t(`action.${action}` as MessageKey)}</button>
    </form>
  );
}
