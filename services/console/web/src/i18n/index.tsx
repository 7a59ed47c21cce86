// A tiny message catalogue: zh-CN (default) and en, switchable, remembered in a cookie-free way
// (localStorage holds only the language choice, never a token).
import { createContext, useContext, useState, type ReactNode } from "react";
import zh from "./zh-CN.json";
import en from "./en.json";
// The operator's extras, the supervisor's queue and the dashboard keep their messages apart.
import supZh from "./sup.zh-CN.json";
import supEn from "./sup.en.json";

export type Locale = "zh-CN" | "en";
type Key = keyof typeof zh | keyof typeof supZh;
const catalogues: Record<Locale, Record<Key, string>> = { "zh-CN": { ...zh, ...supZh }, en: { ...en, ...supEn } };

interface I18n { locale: Locale; t: (key: Key, vars?: Record<string, string>) => string; toggle: () => void }
const Context = createContext<I18n | undefined>(undefined);

function initialLocale(): Locale {
  const saved = localStorage.getItem("gh.locale");
  return saved === "en" || saved === "zh-CN" ? saved : "zh-CN";
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  document.documentElement.lang = locale;
  const t = (key: Key, vars: Record<string, string> = {}) =>
    (catalogues[locale][key] ?? key).replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? "");
  const toggle = () => {
    const next = locale === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("gh.locale", next);
    setLocale(next);
  };
  return <Context.Provider value={{ locale, t, toggle }}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(Context);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}
export type { Key as MessageKey };
