import { useId, type ReactNode } from "react";

export type ControlProps = { id: string; "aria-invalid": boolean; "aria-describedby"?: string };

/**
 * A labelled form field; a hint and an error, if any, are shown under it and tied to it for screen
 * readers. The label's id comes second, for a control <label for> does not name (a group of checkboxes).
 */
export function Field({ label, hint, error, children }: { label: string; hint?: string; error?: string; children: (props: ControlProps, labelId: string) => ReactNode }) {
  const id = useId();
  const [labelId, hintId, errorId] = [`${id}-label`, `${id}-hint`, `${id}-error`];
  const describedBy = [hint ? hintId : "", error ? errorId : ""].filter(Boolean).join(" ");
  return (
    <div>
      <label id={labelId} htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": Boolean(error), ...(describedBy ? { "aria-describedby": describedBy } : {}) }, labelId)}
      {hint ? <p className="field-hint muted" id={hintId}>{hint}</p> : null}
      {error ? <p className="field-error" id={errorId}>{error}</p> : null}
    </div>
  );
}
