// One case action as a form; triage's problem+json field errors are shown at their inputs.
import { useState, type FormEvent } from "react";
import type { CaseView, Problem } from "../../api";
import { Field } from "../../components/Field";
import { useI18n, type MessageKey } from "../../i18n";
import { actionInputs, bodyOf, initialValues, labelKey, type ActionInput, type FormValue } from "./action-forms";
import type { CaseAction } from "./actions";

type Option = { value: string; label: string };

function useOptions(c: CaseView): (input: ActionInput) => Option[] {
  const { t, locale } = useI18n();
  const when = (at: string) => new Date(at).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
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
      case "owers": return [{ value: "complainant", label: t("party.complainant") }, ...parties];
    }
  };
}

export function ActionForm({ action, view, submit }: {
  action: CaseAction;
  view: CaseView;
  submit: (action: CaseAction, body: Record<string, unknown>) => Promise<Problem | undefined>;
}) {
  const { t } = useI18n();
  const inputs = actionInputs[action];
  const optionsOf = useOptions(view);
  const [values, setValues] = useState<Record<string, FormValue>>(() => initialValues(inputs));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (path: string, value: FormValue) => setValues((v) => ({ ...v, [path]: value }));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const problem = await submit(action, bodyOf(inputs, values));
    setBusy(false);
    const found: Record<string, string> = {};
    for (const { field, message } of problem?.errors ?? []) {
      const path = field.replace(/^body\./, "");
      if (inputs.some((i) => i.path === path)) found[path] ??= message;
    }
    setErrors(found);
  }

  const control = (input: ActionInput, props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => {
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
          <div {...props} role="group" className="checks">
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

  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-label={t(`action.${action}` as MessageKey)} className="action-form" noValidate>
      {inputs.map((input) => (
        <Field key={input.path} label={t(labelKey(input.path) as MessageKey) + (input.optional ? ` ${t("form.optional")}` : "")} error={errors[input.path]}>
          {(props) => control(input, props)}
        </Field>
      ))}
      <button type="submit" disabled={busy}>{t(`action.${action}` as MessageKey)}</button>
    </form>
  );
}
