// The public status page: what anyone with the tracking code may see, and nothing personal.
import { useEffect, useState } from "react";
import type { TrackingStatus } from "@grievance-hub/schema";
import { api } from "../../api";
import { useI18n, type MessageKey } from "../../i18n";

export function TrackPage({ code }: { code: string }) {
  const { t, locale } = useI18n();
  const [status, setStatus] = useState<TrackingStatus | "not-found">();
  useEffect(() => {
    void api.track(code).then((r) => setStatus(r.ok ? r.value : "not-found"));
  }, [code]);
  const when = (iso: string) => new Date(iso).toLocaleString(locale);
  return (
    <section aria-labelledby="track-title">
      <h1 id="track-title">{t("track.title")}</h1>
      {status === undefined ? <p>{t("track.loading")}</p> : status === "not-found" ? <p role="alert">{t("track.notFound")}</p> : (
        <dl>
          <dt>{t("track.code")}</dt>
          <dd className="tracking-code">{status.trackingCode}</dd>
          <dt>{t("track.status")}</dt>
          <dd className="status">{t(`status.${status.status}` as MessageKey)}</dd>
          <dt>{t("track.receivedAt")}</dt>
          <dd>{when(status.receivedAt)}</dd>
          <dt>{t("track.updatedAt")}</dt>
          <dd>{when(status.updatedAt)}</dd>
          {status.handlingLevel ? (<><dt>{t("track.level")}</dt><dd>{t(`level.${status.handlingLevel}` as MessageKey)}</dd></>) : null}
        </dl>
      )}
    </section>
  );
}
