import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en.json";
import es from "./es.json";
import type { Lang } from "../lib/types";

export const LANGS: Lang[] = ["en", "es"];
const STORE = "cf360.lang";

export function isLang(v: string | undefined | null): v is Lang {
  return v === "en" || v === "es";
}

export function storedLang(): Lang {
  const stored = typeof localStorage !== "undefined" ? localStorage.getItem(STORE) : null;
  if (isLang(stored)) return stored;
  return typeof navigator !== "undefined" && navigator.language?.toLowerCase().startsWith("es") ? "es" : "en";
}

/** The language this browser chose explicitly (the EN/ES switch), if any. */
export function chosenLang(): Lang | null {
  const stored = localStorage.getItem(STORE);
  return isLang(stored) ? stored : null;
}

export function rememberLang(lang: Lang): void {
  localStorage.setItem(STORE, lang);
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, es: { translation: es } },
  lng: storedLang(),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
