// A case as the caseworker sees it: the grievance with the classifier's evidence marked, what
// triage decided and why, related and repeat grievances, the dispute, the timeline in words,
// the deadlines counting down, and every action the case's state and the person's role allow.
// A refused action on a stale view shows what changed and offers a reload; nothing is retried.
import { useEffect, useState } from "react";
import { api, type CaseView, type Me, type Problem } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";
import { Countdown } from "../tasks/Countdown";
import { markRead } from "../tasks/unread";
import { ActionForm } from "./ActionForm";
import { availableActions, type CaseAction } from "./actions";
import { caseChanges, type CaseChanges } from "./conflict";
import { highlightEvidence, signalWords } from "./highlight";
import { timelineLabel } from "./timeline";
import { NoAccess } from "./NoAccess";
import { caseWords } from "./words";
import "./case.css";

type Loaded = { c: CaseView; etag?: string };
type Conflict = { detail: string; fresh: Loaded; changes: CaseChanges };

export function CasePage({ id, me }: { id: string; me: Me }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [view, setView] = useState<Loaded>();
  const [failure, setFailure] = useState<Problem>();
  // Kept as a catalogue key (or the server's own words), so switching language re-renders it.
  const [message, setMessage] = useState<{ key: MessageKey; vars?: Record<string, string> } | { text: string }>();
  const [conflict, setConflict] = useState<Conflict>();
  const [open, setOpen] = useState<CaseAction>();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    void api.case(id).then((r) => {
      if (r.ok) {
        setView({ c: r.value, etag: r.etag });
        markRead(r.value.trackingCode);
      } else setFailure(r.problem);
    });
  }, [id]);

  if (failure) return failure.status === 404 || failure.status === 403 ? <NoAccess /> : <p role="alert">{failure.detail ?? failure.title}</p>;
  if (!view) return <p>{t("loading")}</p>;
  const { c } = view;
  const { when, day, partyName } = caseWords(c, i18n);
  const label = (prefix: string, value: string | null) => (value === null ? "—" : t(`${prefix}.${value}` as MessageKey));

  async function submit(action: CaseAction, body: Record<string, unknown>): Promise<Problem | undefined> {
    setMessage(undefined);
    const r = await api.act(id, action, body, view!.etag);
    if (r.ok) {
      setView({ c: r.value, etag: r.etag });
      setOpen(undefined);
      // A broken obligation does more than it says: the case is more urgent, and reopened if it was resolved.
      setMessage({ key: action === "obligation" && body.status === "broken" ? "done.obligation.broken" : (`done.${action}` as MessageKey) });
      return undefined;
    }
    if (r.problem.status === 409 || r.problem.status === 412) {
      const fresh = await api.case(id);
      // A 412 says only "changed", which the panel says in the person's language; a 409 says why the state refuses.
      if (fresh.ok) setConflict({ detail: r.problem.status === 409 ? (r.problem.detail ?? r.problem.title) : "", fresh: { c: fresh.value, etag: fresh.etag }, changes: caseChanges(c, fresh.value) });
      else setMessage({ text: r.problem.detail ?? r.problem.title });
      return r.problem;
    }
    setMessage(r.problem.errors?.length ? { key: "form.invalid" } : { key: "form.failed", vars: { detail: r.problem.detail ?? r.problem.title } });
    return r.problem;
  }

  const actions = availableActions(c, me);
  const running = !["referred", "resolved", "closed"].includes(c.status);
  return (
    <article aria-labelledby="case-title" className="case">
      <h1 id="case-title">{t("case.title")} {c.trackingCode}</h1>
      <p className="case-facts">
        <span className={`pill urgency-${c.urgency ?? "none"}`}>{c.urgency ?? "—"}</span>
        <span className="pill">{label("category", c.category)}</span>
        <span className="pill">{label("caseStatus", c.status)}</span>
        {c.team ? <span className="pill">{t("case.team", { team: c.team.id, level: t(`level.${c.team.level}` as MessageKey) })}</span> : null}
      </p>

      {conflict ? (
        <div role="alert" className="conflict">
          <h2>{t("conflict.title")}</h2>
          {conflict.detail ? <p>{conflict.detail}</p> : null}
          {conflict.changes.fields.length > 0 ? (
            <ul aria-label={t("conflict.fields")}>
              {conflict.changes.fields.map((f) => <li key={f.field}>{t(`conflict.field.${f.field}` as MessageKey)}: {shown(f.field, f.before)} → {shown(f.field, f.after)}</li>)}
            </ul>
          ) : null}
          {conflict.changes.newEntries.length > 0 ? (
            <ul aria-label={t("conflict.entries")}>
              {conflict.changes.newEntries.map((e, i) => <li key={i}>{t(timelineLabel(e.type))} · {when(e.at)} · {e.actor.id}</li>)}
            </ul>
          ) : null}
          <p>{t("conflict.nothingSaved")}</p>
          <button type="button" onClick={() => { setView(conflict.fresh); setConflict(undefined); setMessage(undefined); }}>{t("conflict.reload")}</button>
        </div>
      ) : null}
      {message ? <p role="status" className="notice">{"text" in message ? message.text : t(message.key, message.vars)}</p> : null}

      <section aria-labelledby="deadlines-title">
        <h2 id="deadlines-title">{t("case.deadlines")}</h2>
        <dl className="facts">
          <dt>{t("case.acknowledgeBy")}</dt>
          <dd>{c.acknowledgeBy ? when(c.acknowledgeBy) : "—"} {c.acknowledgedAt ? `· ${t("case.acknowledgedAt", { at: when(c.acknowledgedAt) })}` : c.acknowledgeBy && running ? <>· <Countdown dueAt={c.acknowledgeBy} now={now} /></> : null}{c.breached.acknowledge ? <strong className="overdue"> · {t("case.breached")}</strong> : null}</dd>
          <dt>{t("case.resolveBy")}</dt>
          <dd>{c.resolveBy ? when(c.resolveBy) : "—"} {c.resolveBy && running ? <>· <Countdown dueAt={c.resolveBy} now={now} /></> : null}{c.breached.resolve ? <strong className="overdue"> · {t("case.breached")}</strong> : null}</dd>
          <dt>{t("case.receivedAt")}</dt><dd>{when(c.receivedAt)}</dd>
          {c.mediation ? <><dt>{t("case.mediationAt")}</dt><dd>{when(c.mediation.at)}{c.mediation.place ? ` · ${c.mediation.place}` : ""}</dd></> : null}
          {c.resolution ? <><dt>{t("case.resolution")}</dt><dd>{label("outcome", c.resolution.outcome)} · {c.resolution.summary}</dd></> : null}
        </dl>
      </section>

      <section aria-labelledby="grievance-title">
        <h2 id="grievance-title">{t("case.grievance")}</h2>
        <p className="grievance-text">
          {c.description === null ? t("case.erased") : highlightEvidence(c.description, c.signals).map((p, i) =>
            p.rules.length > 0 ? <mark key={i} title={p.rules.join(", ")}>{p.text}</mark> : <span key={i}>{p.text}</span>)}
        </p>
        <h3>{t("case.signals")}</h3>
        {c.signals.length === 0 ? <p>{t("case.noSignals")}</p> : (
          <ul>{c.signals.map((s, i) => <li key={i}><code>{s.rule}</code>{s.level ? ` (${s.level})` : ""}: {signalWords(s.matched, t)}</li>)}</ul>
        )}
        <p className="muted">{t("case.ruleset", { version: c.rulesetVersion ?? "—" })}</p>
      </section>

      <section aria-labelledby="related-title">
        <h2 id="related-title">{t("case.related")}</h2>
        {c.repeatCount > 0 ? <p><strong>{t("case.repeatCount", { n: String(c.repeatCount) })}</strong></p> : null}
        {c.links.length === 0 ? <p>{t("case.noRelated")}</p> : (
          <ul>
            {c.links.map((l) => (
              <li key={l.grievanceId}>
                {t(`link.${l.kind}` as MessageKey)}{l.similarity !== null ? ` (${Math.round(l.similarity * 100)}%)` : ""} ·{" "}
                {l.relatedCaseId ? <a href={`/cases/${l.relatedCaseId}`}>{t("case.openRelated")}</a> : t("case.noCase")} · {when(l.linkedAt)}
              </li>
            ))}
          </ul>
        )}
      </section>

      {c.dispute.mediatorId !== null || c.dispute.parties.length + c.dispute.sessions.length + c.dispute.agreements.length + c.dispute.referrals.length > 0 ? (
        <section aria-labelledby="dispute-title">
          <h2 id="dispute-title">{t("case.dispute")}</h2>
          {c.dispute.mediatorId !== null ? <><h3>{t("case.mediator")}</h3><p>{c.dispute.mediatorId}</p></> : null}
          {c.dispute.parties.length > 0 ? <><h3>{t("case.parties")}</h3><ul>{c.dispute.parties.map((p) => <li key={p.partyId}>{p.name} · {label("partyRole", p.role)}</li>)}</ul></> : null}
          {c.dispute.sessions.length > 0 ? <><h3>{t("case.sessions")}</h3><ul>{c.dispute.sessions.map((s) => <li key={s.sessionId}>{when(s.at)} · {s.place} · {label("sessionStatus", s.status)}{s.result ? ` · ${label("sessionResult", s.result)}` : ""}</li>)}</ul></> : null}
          {c.dispute.agreements.length > 0 ? <><h3>{t("case.agreements")}</h3><ul>{c.dispute.agreements.map((a) => (
            <li key={a.agreementId}>
              {a.terms} ({day(a.signedOn)})
              <ul>{a.obligations.map((o) => <li key={o.obligationId}>{t("case.obligation", { what: o.what, who: partyName(o.owedBy), due: day(o.dueBy), status: label("obligationStatus", o.status) })}</li>)}</ul>
            </li>
          ))}</ul></> : null}
          {c.dispute.referrals.length > 0 ? <><h3>{t("case.referrals")}</h3><ul>{c.dispute.referrals.map((r) => <li key={r.referralId}>{label("bodyKind", r.to.kind)} · {r.to.name}{r.acknowledgedAt ? ` · ${t("case.acknowledgedAt", { at: when(r.acknowledgedAt) })}` : ""}</li>)}</ul></> : null}
        </section>
      ) : null}

      <section aria-labelledby="actions-title">
        <h2 id="actions-title">{t("case.actions")}</h2>
        {actions.length === 0 ? <p>{t("case.noActions")}</p> : (
          <div className="action-buttons">
            {actions.map((a) => a === "accept"
              ? <button key={a} type="button" onClick={() => void submit("accept", {})}>{t("action.accept")}</button>
              : <button key={a} type="button" aria-expanded={open === a} onClick={() => setOpen(open === a ? undefined : a)}>{t(`action.${a}` as MessageKey)}…</button>)}
          </div>
        )}
        {open && actions.includes(open) ? <ActionForm key={open} action={open} view={c} submit={submit} /> : null}
      </section>

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t("case.timeline")}</h2>
        <ol className="timeline">
          {c.timeline.map((e, i) => <li key={i}><time dateTime={e.at}>{when(e.at)}</time> · <strong>{t(timelineLabel(e.type))}</strong> · {e.actor.role === "system" ? t("actor.system") : e.actor.id}</li>)}
        </ol>
      </section>
    </article>
  );

  function shown(field: string, value: unknown): string {
    if (value === null || value === undefined) return "—";
    if (field === "status") return t(`caseStatus.${String(value)}` as MessageKey);
    if (field === "category") return t(`category.${String(value)}` as MessageKey);
    if (field === "acknowledgeBy" || field === "resolveBy") return when(String(value));
    return String(value);
  }
}
