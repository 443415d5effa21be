import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import resourcesToBackend from "i18next-resources-to-backend";
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

/** The language of the address (/app/es/…), which the app will show: starting i18next in it, rather than
 * in the stored one and switching at once, leaves no second language load racing the first (a Spanish
 * page then showed some English labels until the next change). */
function addressLang(): Lang | null {
  if (typeof location === "undefined") return null;
  return location.pathname.split("/").find(isLang) ?? null;
}

/** The language this browser chose explicitly (the EN/ES switch), if any. */
export function chosenLang(): Lang | null {
  const stored = localStorage.getItem(STORE);
  return isLang(stored) ? stored : null;
}

export function rememberLang(lang: Lang): void {
  localStorage.setItem(STORE, lang);
}

// Each language is a chunk of its own, fetched when first used: a page opens with the one it is in, not
// both (the bundle budget, scripts/bundle-budget.mjs). Components wait for it under a <Suspense>
// (main.tsx). No fallback language, which would fetch English for every Spanish page: the two files have
// the same keys (i18n.test.ts).
void i18n
  .use(resourcesToBackend((lang: string) => (lang === "es" ? import("./es.json") : import("./en.json"))))
  .use(initReactI18next)
  .init({
    lng: addressLang() ?? storedLang(),
    fallbackLng: false,
    supportedLngs: LANGS,
    interpolation: { escapeValue: false },
    returnNull: false,
  });

export default i18n;
