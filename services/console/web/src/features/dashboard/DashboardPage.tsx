// The supervisor's dashboard: GET /v1/statistics/dashboard through the console, as the contract's
// SupervisorDashboard. This module and Chart.js form a chunk of their own, loaded only here.
import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { ChartConfiguration } from "chart.js";
import { Category } from "@grievance-hub/schema";
import { useI18n, type MessageKey } from "../../i18n";
import { supervisorApi, type SupervisorDashboard } from "../supervisor/api";
import { ChartCanvas } from "./Chart";
import "./dashboard.css";
import { categoryColour, daysBetween, urgencyColour } from "./palette";

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export default function DashboardPage() {
  const { t } = useI18n();
  const [from, setFrom] = useState(() => isoDay(Date.now() - 29 * 86_400_000));
  const [to, setTo] = useState(() => isoDay(Date.now()));
  const [division, setDivision] = useState("");
  const [data, setData] = useState<SupervisorDashboard>();
  const [failed, setFailed] = useState<string>();

  async function load() {
    const r = await supervisorApi.dashboard({ from, to, ...(division ? { division } : {}) });
    if (r.ok) {
      setData(r.value);
      setFailed(undefined);
    } else setFailed(r.problem.errors?.map((e) => `${e.field}: ${e.message}`).join("; ") || r.problem.detail || r.problem.title);
  }
  useEffect(() => void load(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void load();
  };

  return (
    <section aria-labelledby="dashboard-title" className="dashboard">
      <h1 id="dashboard-title">{t("dashboard.title")}</h1>
      <form className="dashboard-query" onSubmit={submit}>
        <label>{t("dashboard.from")} <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>{t("dashboard.to")} <input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        <label>{t("dashboard.division")} <input type="text" inputMode="numeric" value={division} onChange={(e) => setDivision(e.target.value)} /></label>
        <button type="submit">{t("dashboard.show")}</button>
      </form>
      {failed ? <p role="alert">{t("dashboard.failed", { detail: failed })}</p> : !data ? <p>{t("loading")}</p> : <Figures data={data} />}
    </section>
  );
}

function Figures({ data }: { data: SupervisorDashboard }) {
  const { t, locale } = useI18n();
  const received = data.urgencyMix.reduce((n, u) => n + u.received, 0) || data.receivedPerDay.reduce((n, d) => n + d.received, 0);
  const days = daysBetween(data.from, data.to);
  const perDay: ChartConfiguration = useMemo(() => ({
    type: "bar",
    data: {
      labels: days.map((d) => d.slice(5)),
      datasets: Category.options
        .filter((c) => data.receivedPerDay.some((r) => r.category === c))
        .map((c) => ({
          label: t(`category.${c}` as MessageKey),
          backgroundColor: categoryColour[c],
          data: days.map((d) => data.receivedPerDay.find((r) => r.day === d && r.category === c)?.received ?? 0),
        })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  }), [data, locale]);
  const urgency: ChartConfiguration = useMemo(() => ({
    type: "doughnut",
    data: {
      labels: data.urgencyMix.map((u) => t(`urgency.${u.urgency}` as MessageKey)),
      datasets: [{ data: data.urgencyMix.map((u) => u.received), backgroundColor: data.urgencyMix.map((u) => urgencyColour[u.urgency]) }],
    },
    options: { plugins: { legend: { position: "right" } } },
  }), [data, locale]);
  const percent = (share: number | null) => (share === null ? t("dashboard.none") : `${Math.round(share * 100)}%`);
  const round = (n: number) => String(Math.round(n * 10) / 10);

  return (
    <>
      <dl className="tiles">
        <div><dt>{t("dashboard.received")}</dt><dd data-testid="dashboard-received">{received}</dd></div>
        <div>
          <dt>{t("dashboard.compliance")}</dt>
          <dd>{percent(data.deadlineCompliance.rate)}</dd>
          <dd className="detail">{t("dashboard.complianceDetail", { due: String(data.deadlineCompliance.due), met: String(data.deadlineCompliance.met), breached: String(data.deadlineCompliance.breached) })}</dd>
        </div>
        <div><dt>{t("dashboard.firstContact")}</dt><dd>{data.medianMinutesToFirstContact === null ? t("dashboard.none") : t("dashboard.minutes", { n: round(data.medianMinutesToFirstContact) })}</dd></div>
        <div><dt>{t("dashboard.resolution")}</dt><dd>{data.medianDaysToResolution === null ? t("dashboard.none") : t("dashboard.days", { n: round(data.medianDaysToResolution) })}</dd></div>
        <div>
          <dt>{t("dashboard.community")}</dt>
          <dd>{percent(data.resolution.share)}</dd>
          <dd className="detail">{t("dashboard.communityDetail", { community: String(data.resolution.atCommunityWithoutEscalation), resolved: String(data.resolution.resolved) })}</dd>
        </div>
      </dl>
      <div className="charts">
        <figure>
          <figcaption>{t("dashboard.perDay")}</figcaption>
          <ChartCanvas config={perDay} label={`${t("dashboard.perDay")}: ${data.receivedPerDay.map((r) => `${r.day} ${t(`category.${r.category}` as MessageKey)} ${r.received}`).join(", ") || t("dashboard.none")}`} />
        </figure>
        <figure>
          <figcaption>{t("dashboard.urgency")}</figcaption>
          <ChartCanvas config={urgency} label={`${t("dashboard.urgency")}: ${data.urgencyMix.map((u) => `${u.urgency} ${u.received}`).join(", ") || t("dashboard.none")}`} />
        </figure>
      </div>
      <h2>{t("dashboard.hotspots")}</h2>
      {data.hotspots.length === 0 ? <p>{t("dashboard.none")}</p> : (
        <table>
          <thead><tr><th scope="col">{t("dashboard.divisionCode")}</th><th scope="col">{t("dashboard.received")}</th><th scope="col">{t("dashboard.repeats")}</th><th scope="col">{t("dashboard.groupDisputes")}</th></tr></thead>
          <tbody>{data.hotspots.map((h) => <tr key={h.divisionCode}><td>{h.divisionCode}</td><td>{h.received}</td><td>{h.repeats}</td><td>{h.groupDisputes}</td></tr>)}</tbody>
        </table>
      )}
    </>
  );
}
