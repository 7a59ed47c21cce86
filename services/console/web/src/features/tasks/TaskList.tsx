// "My tasks": the caseworker's cases, most urgent first, then the nearest deadline.
import { useEffect, useState } from "react";
import { api, type TaskView } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";
import { byUrgencyThenDeadline, nextDeadline } from "./order";

export function TaskList() {
  const { t, locale } = useI18n();
  const [tasks, setTasks] = useState<TaskView[]>();
  useEffect(() => {
    void api.tasks().then((r) => r.ok && setTasks([...r.value.tasks].sort(byUrgencyThenDeadline)));
  }, []);
  if (!tasks) return <p>{t("loading")}</p>;
  return (
    <section aria-labelledby="tasks-title">
      <h1 id="tasks-title">{t("tasks.title")}</h1>
      {tasks.length === 0 ? <p>{t("tasks.empty")}</p> : (
        <table>
          <thead><tr><th>{t("track.code")}</th><th>{t("tasks.urgency")}</th><th>{t("tasks.category")}</th><th>{t("tasks.status")}</th><th>{t("tasks.due")}</th></tr></thead>
          <tbody>
            {tasks.map((task) => {
              const due = nextDeadline(task);
              return (
                <tr key={task.caseId}>
                  <td><a href={`/cases/${task.caseId}`}>{task.trackingCode}</a></td>
                  <td>{task.urgency ?? "—"}</td>
                  <td>{task.category ? t(`category.${task.category}` as MessageKey) : "—"}</td>
                  <td>{t(`caseStatus.${task.status}` as MessageKey)}</td>
                  <td>{due ? new Date(due).toLocaleString(locale) : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
