// How the case page words the things of a case in the person's language: instants, days, and
// who a party id (or the complainant) is.
import type { CaseView } from "../../api";
import type { Locale, MessageKey } from "../../i18n";

export function caseWords(c: CaseView, { t, locale }: { t: (key: MessageKey, vars?: Record<string, string>) => string; locale: Locale }) {
  return {
    when: (at: string) => new Date(at).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }),
    // A calendar day of the contract (YYYY-MM-DD) is no instant: shown as is, in no time zone.
    day: (date: string) => new Date(`${date}T00:00:00Z`).toLocaleDateString(locale, { dateStyle: "medium", timeZone: "UTC" }),
    partyName: (id: string) => (id === "complainant" ? t("party.complainant") : (c.dispute.parties.find((p) => p.partyId === id)?.name ?? id)),
  };
}
