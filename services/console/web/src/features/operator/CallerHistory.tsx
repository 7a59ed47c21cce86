// The caller's earlier grievances, looked up by phone before a new one is filed, so that an
// operator notices a repeat. Only ids, codes, dates, status and category come back.
import type { z } from "zod";
import type { CallerHistory as CallerHistorySchema } from "@grievance-hub/schema";
import { call, type Result } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";
import "./operator.css";

export type CallerHistory = z.infer<typeof CallerHistorySchema>;

export const lookUpCaller = (phone: string): Promise<Result<CallerHistory>> =>
  call<CallerHistory>("/api/caller-history", { method: "POST", body: JSON.stringify({ phone }) });

export type HistoryState = { phone: string } & ({ state: "loading" } | { state: "done"; history: CallerHistory } | { state: "failed"; detail: string });

export function CallerHistoryPanel({ history }: { history: HistoryState | undefined }) {
  const { t, locale } = useI18n();
  if (!history) return null;
  if (history.state === "loading") return <p aria-live="polite">{t("history.loading")}</p>;
  if (history.state === "failed") return <p role="alert" className="field-error">{t("history.failed", { detail: history.detail })}</p>;
  const earlier = history.history.grievances;
  if (earlier.length === 0) return <p aria-live="polite" className="history-none">{t("history.none")}</p>;
  return (
    <section className="caller-history" aria-labelledby="history-title" aria-live="polite">
      <h2 id="history-title">{t("history.title", { count: String(earlier.length) })}</h2>
      <table>
        <thead>
          <tr><th scope="col">{t("history.code")}</th><th scope="col">{t("history.receivedAt")}</th><th scope="col">{t("history.status")}</th><th scope="col">{t("history.category")}</th></tr>
        </thead>
        <tbody>
          {earlier.map((g) => (
            <tr key={g.id}>
              <td><a href={`/track/${g.trackingCode}`}>{g.trackingCode}</a></td>
              <td>{new Date(g.receivedAt).toLocaleString(locale)}</td>
              <td>{t(`status.${g.status}` as MessageKey)}</td>
              <td>{g.category ? t(`category.${g.category}` as MessageKey) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
