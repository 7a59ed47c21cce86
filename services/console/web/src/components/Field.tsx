import { useId, type ReactNode } from "react";

/** A labelled form field whose error, if any, is shown under it and tied to it for screen readers. */
export function Field({ label, error, children }: { label: string; error?: string; children: (props: { id: string; "aria-invalid": boolean; "aria-describedby"?: string }) => ReactNode }) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": Boolean(error), ...(error ? { "aria-describedby": errorId } : {}) })}
      {error ? <p className="field-error" id={errorId}>{error}</p> : null}
    </div>
  );
}
