// The supervisor's team queue: queued, unaccepted, at-risk and breached cases first, each with
// assign (queued) or reassign (assigned) to a caseworker of the team, sent with If-Match.
import { useEffect, useState } from "react";
import type { TaskView } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";
import "./supervisor.css";
import { supervisorApi, type Caseworker } from "./api";
import { nextDeadline, supervisorQueue, type QueueFlag } from "./queue";

const filters = ["all", "queued", "unaccepted", "atRisk", "breached"] as const;
type Filter = (typeof filters)[number];

export function QueuePage() {
  const { t, locale } = useI18n();
  const [tasks, setTasks] = useState<TaskView[]>();
  const [caseworkers, setCaseworkers] = useState<Caseworker[]>([]);
  const [filter, setFilter] = useState<Filter>("all");
  const [failed, setFailed] = useState<string>();

  async function load() {
    const [q, c] = await Promise.all([supervisorApi.queue(), supervisorApi.caseworkers()]);
    if (q.ok) setTasks(q.value.tasks);
    else setFailed(q.problem.detail ?? q.problem.title);
    if (c.ok) setCaseworkers(c.value.caseworkers.filter((w) => w.active));
  }
  useEffect(() => void load(), []);

  if (failed) return <p role="alert">{t("queue.failed", { detail: failed })}</p>;
  if (!tasks) return <p>{t("loading")}</p>;
  const rows = supervisorQueue(tasks, Date.now()).filter((r) => filter === "all" || r.flags.includes(filter));
  const nameOf = (id: string | null) => (id === null ? t("queue.unassigned") : (caseworkers.find((w) => w.id === id)?.name ?? id));
  return (
    <section aria-labelledby="queue-title">
      <h1 id="queue-title">{t("queue.title")}</h1>
      <fieldset className="filters">
        <legend>{t("queue.filter")}</legend>
        {filters.map((f) => (
          <label key={f} className="inline">
            <input type="radio" name="queue-filter" value={f} checked={filter === f} onChange={() => setFilter(f)} /> {t(`queue.${f}` as MessageKey)}
          </label>
        ))}
      </fieldset>
      {rows.length === 0 ? <p>{t("queue.empty")}</p> : (
        <table className="queue">
          <thead>
            <tr>
              <th scope="col">{t("queue.code")}</th><th scope="col">{t("tasks.urgency")}</th><th scope="col">{t("tasks.category")}</th>
              <th scope="col">{t("queue.state")}</th><th scope="col">{t("queue.caseworker")}</th><th scope="col">{t("queue.due")}</th><th scope="col">{t("queue.assignTo")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const due = nextDeadline(row);
              return (
                <tr key={row.caseId} data-testid={`queue-row-${row.trackingCode}`}>
                  <td><a href={`/cases/${row.caseId}`}>{row.trackingCode}</a></td>
                  <td>{row.urgency ?? "—"}</td>
                  <td>{row.category ? t(`category.${row.category}` as MessageKey) : "—"}</td>
                  <td>
                    {t(`caseStatus.${row.status}` as MessageKey)}
                    {row.flags.map((f: QueueFlag) => <span key={f} className={`flag flag-${f}`}>{t(`queue.${f}` as MessageKey)}</span>)}
                  </td>
                  <td>{nameOf(row.caseworkerId)}</td>
                  <td>{due ? new Date(due).toLocaleString(locale) : "—"}</td>
                  <td><AssignForm task={row} caseworkers={caseworkers} onDone={load} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AssignForm({ task, caseworkers, onDone }: { task: TaskView; caseworkers: Caseworker[]; onDone: () => Promise<void> }) {
  const { t } = useI18n();
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const assign = task.caseworkerId === null;
  const choices = caseworkers.filter((w) => w.id !== task.caseworkerId);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!to) return setMessage(t("queue.pickCaseworker"));
    if (!reason.trim()) return setMessage(t("queue.needReason"));
    setBusy(true);
    const result = assign ? await supervisorApi.assign(task.caseId, task.version, to, reason) : await supervisorApi.reassign(task.caseId, task.version, to, reason);
    setBusy(false);
    if (result.ok) {
      setMessage(t("queue.done", { name: caseworkers.find((w) => w.id === to)?.name ?? to }));
      setTo("");
      setReason("");
      await onDone();
    } else if (result.problem.status === 412 || result.problem.status === 409) {
      setMessage(t("queue.conflict"));
      await onDone();
    } else {
      setMessage(t("queue.failed", { detail: result.problem.errors?.[0]?.message ?? result.problem.detail ?? result.problem.title }));
    }
  }

  const label = assign ? t("queue.assign") : t("queue.reassign");
  return (
    <form className="assign" onSubmit={submit} aria-label={`${label} ${task.trackingCode}`}>
      <label className="sr-only" htmlFor={`to-${task.caseId}`}>{t("queue.assignTo")}</label>
      <select id={`to-${task.caseId}`} value={to} onChange={(e) => setTo(e.target.value)}>
        <option value="">{t("queue.pickCaseworker")}</option>
        {choices.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
      </select>
      <label className="sr-only" htmlFor={`reason-${task.caseId}`}>{t("queue.reason")}</label>
      <input id={`reason-${task.caseId}`} type="text" placeholder={t("queue.reason")} value={reason} onChange={(e) => setReason(e.target.value)} />
      <button type="submit" disabled={busy}>{label}</button>
      {message ? <p role="status">{message}</p> : null}
    </form>
  );
}
