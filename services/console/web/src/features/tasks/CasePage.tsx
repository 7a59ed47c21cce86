// A case as the caseworker sees it, with accept; a stale view (412) or a refused action (409) says so.
import { useEffect, useState } from "react";
import { api, type CaseView } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";

export function CasePage({ id }: { id: string }) {
  const { t } = useI18n();
  const [view, setView] = useState<{ c: CaseView; etag?: string }>();
  const [message, setMessage] = useState<string>();
  const load = () => void api.case(id).then((r) => (r.ok ? setView({ c: r.value, etag: r.etag }) : setMessage(r.problem.detail ?? r.problem.title)));
  useEffect(load, [id]);
  if (!view) return <p role={message ? "alert" : undefined}>{message ?? t("loading")}</p>;
  const { c } = view;
  async function accept() {
    const r = await api.accept(id, view!.etag);
    if (r.ok) {
      setView({ c: r.value, etag: r.etag });
      setMessage(t("case.accepted"));
    } else setMessage(r.problem.status === 412 ? t("case.conflict") : r.problem.detail ?? r.problem.title);
  }
  return (
    <section aria-labelledby="case-title">
      <h1 id="case-title">{t("case.title")} {c.trackingCode}</h1>
      {message ? <p role="status">{message}</p> : null}
      <p>{c.urgency ?? "—"} · {c.category ? t(`category.${c.category}` as MessageKey) : "—"} · {t(`caseStatus.${c.status}` as MessageKey)}</p>
      <p>{c.description}</p>
      {c.status === "assigned" ? <button type="button" onClick={() => void accept()}>{t("case.accept")}</button> : null}
    </section>
  );
}
