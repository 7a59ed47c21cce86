// What a person sees on a case that is not theirs (triage answers 404 for another team's case,
// so its existence does not leak; the console says the same for both).
import { useI18n } from "../../i18n";

export function NoAccess() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="no-access-title" className="no-access">
      <h1 id="no-access-title">{t("noAccess.title")}</h1>
      <p>{t("noAccess.detail")}</p>
      <p><a href="/tasks">{t("noAccess.back")}</a></p>
    </section>
  );
}
