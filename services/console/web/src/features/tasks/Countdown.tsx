// A deadline counting down (or, once passed, how long ago), in the person's language.
import { useI18n } from "../../i18n";
import { countdown } from "./countdown";

export function Countdown({ dueAt, now }: { dueAt: string; now: number }) {
  const { t } = useI18n();
  const c = countdown(dueAt, now);
  const pad = (n: number) => String(n).padStart(2, "0");
  const span =
    c.unit === "days" ? t("countdown.days", { d: String(c.days), h: String(c.hours) })
      : c.unit === "hours" ? t("countdown.hours", { h: String(c.hours), m: pad(c.minutes) })
        : t("countdown.minutes", { m: String(c.minutes), s: pad(c.seconds) });
  return <time dateTime={dueAt} className={c.overdue ? "overdue" : undefined}>{c.overdue ? t("countdown.overdue", { span }) : t("countdown.left", { span })}</time>;
}
