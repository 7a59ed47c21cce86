import { lazy, StrictMode, Suspense, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { api, type Me } from "./api";
import { I18nProvider, useI18n } from "./i18n";
import { GrievanceForm } from "./features/intake/GrievanceForm";
import { TrackPage } from "./features/track/TrackPage";
import { TaskList } from "./features/tasks/TaskList";
import { CasePage } from "./features/case/CasePage";
import { QueuePage } from "./features/supervisor/QueuePage";

// The dashboard and its chart library load only when the page is opened (a chunk of their own).
const DashboardPage = lazy(() => import("./features/dashboard/DashboardPage"));
function Loading() {
  return <p>{useI18n().t("loading")}</p>;
}
const supervising = (me: Me) => me.role === "supervisor" || me.role === "admin";

function StaffShell({ children }: { children: (me: Me) => React.ReactNode }) {
  const { t, toggle } = useI18n();
  const [me, setMe] = useState<Me>();
  useEffect(() => void api.me().then((r) => r.ok && setMe(r.value)), []);
  async function signOut() {
    const r = await api.signOut();
    window.location.assign(r.ok ? r.value.redirect : "/");
  }
  return (
    <>
      <header>
        <strong>{t("app.title")}</strong>
        <nav aria-label="main">
          <a href="/grievances/new">{t("nav.newGrievance")}</a>
          <a href="/tasks">{t("nav.tasks")}</a>
          {me && supervising(me) ? <><a href="/queue">{t("nav.queue")}</a><a href="/dashboard">{t("nav.dashboard")}</a></> : null}
        </nav>
        {me ? <span>{t("signedInAs", { name: me.name, role: me.role })}</span> : null}
        <button type="button" onClick={toggle}>{t("nav.language")}</button>
        <button type="button" onClick={() => void signOut()}>{t("nav.signOut")}</button>
      </header>
      <main>{me ? children(me) : <p>{t("loading")}</p>}</main>
    </>
  );
}

function PublicShell({ children }: { children: React.ReactNode }) {
  const { t, toggle } = useI18n();
  return (
    <>
      <header>
        <strong>{t("app.title")}</strong>
        <nav aria-label="main" />
        <button type="button" onClick={toggle}>{t("nav.language")}</button>
      </header>
      <main>{children}</main>
    </>
  );
}

function App() {
  const path = window.location.pathname;
  const track = /^\/track\/([^/]+)$/.exec(path);
  if (track) return <PublicShell><TrackPage code={decodeURIComponent(track[1]!)} /></PublicShell>;
  const caseMatch = /^\/cases\/([^/]+)$/.exec(path);
  return (
    <StaffShell>
      {(me) => path === "/queue" || (path === "/" && me.role === "supervisor") ? <QueuePage /> : path === "/dashboard" ? <Suspense fallback={<Loading />}><DashboardPage /></Suspense> : caseMatch ? <CasePage id={decodeURIComponent(caseMatch[1]!)} me={me} /> : path === "/tasks" || (path === "/" && me.role === "caseworker") ? <TaskList /> : <GrievanceForm />}
    </StaffShell>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider><App /></I18nProvider>
  </StrictMode>,
);
