// "My tasks": the caseworker's cases, most urgent first, then the nearest deadline, with live
// countdowns. New assignments arrive from the live feed without a reload and stay marked
// (with a count in the heading) until opened. Rendered virtualised: only the rows in view
// are in the DOM, so a thousand tasks scroll as smoothly as ten.
import { useCallback, useEffect, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api, type TaskView } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";
import { byUrgencyThenDeadline, runningDeadline } from "./order";
import { Countdown } from "./Countdown";
import { useFeed } from "./useFeed";
import { markUnread, unreadCodes } from "./unread";

function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function TaskList() {
  const { t } = useI18n();
  const [tasks, setTasks] = useState<TaskView[]>();
  const [unread, setUnread] = useState<string[]>(unreadCodes);
  const [announcement, setAnnouncement] = useState("");
  const now = useNow(1000);
  const load = useCallback(() => void api.tasks().then((r) => r.ok && setTasks([...r.value.tasks].sort(byUrgencyThenDeadline))), []);
  useEffect(load, [load]);
  const feed = useFeed((n) => {
    const code = n.facts.trackingCode;
    if (!code) return;
    setUnread(markUnread(code));
    setAnnouncement(t("tasks.arrived", { code }));
    load();
  }, load);

  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: tasks?.length ?? 0, getScrollElement: () => scroller.current, estimateSize: () => 64, overscan: 8 });
  if (!tasks) return <p>{t("loading")}</p>;
  const unreadHere = unread.filter((code) => tasks.some((task) => task.trackingCode === code)).length;
  return (
    <section aria-labelledby="tasks-title" className="tasks">
      <h1 id="tasks-title">
        {t("tasks.title")}
        {unreadHere > 0 ? <span className="badge" aria-label={t("tasks.unread", { n: String(unreadHere) })}>{unreadHere}</span> : null}
      </h1>
      <p className="tasks-count">{t("tasks.count", { n: String(tasks.length) })} · <span className={`feed-${feed}`}>{t(`feed.${feed}` as MessageKey)}</span></p>
      <p className="visually-hidden" role="status">{announcement}</p>
      {tasks.length === 0 ? <p>{t("tasks.empty")}</p> : (
        <div ref={scroller} className="task-scroller" tabIndex={-1}>
          <ul aria-labelledby="tasks-title" className="task-rows" style={{ height: rows.getTotalSize() }}>
            {rows.getVirtualItems().map((row) => {
              const task = tasks[row.index]!;
              const due = runningDeadline(task);
              const isNew = unread.includes(task.trackingCode);
              return (
                <li
                  key={task.caseId}
                  data-index={row.index}
                  ref={rows.measureElement}
                  aria-setsize={tasks.length}
                  aria-posinset={row.index + 1}
                  className={`task-row urgency-${task.urgency ?? "none"}${isNew ? " unread" : ""}`}
                  style={{ transform: `translateY(${row.start}px)` }}
                >
                  <span>
                    <a href={`/cases/${task.caseId}`} className="task-code">{task.trackingCode}</a>
                    {isNew ? <span className="tag-new">{t("tasks.new")}</span> : null}
                  </span>
                  <span className="task-urgency">{task.urgency ?? "—"}</span>
                  <span>{task.category ? t(`category.${task.category}` as MessageKey) : "—"}</span>
                  <span>{t(`caseStatus.${task.status}` as MessageKey)}{task.caseworkerId === null ? ` · ${t("tasks.teamQueue")}` : ""}</span>
                  <span className="task-due">{due ? <Countdown dueAt={due} now={now} /> : "—"}</span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </section>
  );
}
