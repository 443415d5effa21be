import { useLocation, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../lib/api";
import { LANGS, rememberLang } from "../i18n";
import { useLang } from "../lib/app";
import type { Lang } from "../lib/types";

/** EN | ES: swaps the language segment of the URL, remembers it, and (signed in) saves it on the profile. */
export function LanguageSwitch({ persist = true }: { persist?: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const choose = (next: Lang) => {
    rememberLang(next); // an explicit choice: it wins over the profile's language at the next sign-in
    if (next === lang) return;
    if (persist) void api("/me", { method: "PATCH", body: { preferredLanguage: next } }).catch(() => undefined);
    navigate(location.pathname.replace(/^\/(en|es)(?=\/|$)/, `/${next}`) + location.search);
  };
  return (
    <div className="lang-switch" role="group" aria-label={t("common.language")}>
      {LANGS.map((l) => (
        <button key={l} type="button" aria-pressed={l === lang} className={l === lang ? "active" : ""} onClick={() => choose(l)} lang={l}>
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
