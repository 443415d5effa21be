/** The header's switch between the system's colours, dark and light. */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { applyTheme, nextTheme, storedTheme, type Theme } from "../lib/theme";
import "../theme.css";

// At start, before any page renders: the sign-in page follows the choice too.
applyTheme(storedTheme());

const ICON: Record<Theme, string> = { system: "◐", dark: "☾", light: "☀" };

export function ThemeSwitch() {
  const { t } = useTranslation();
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useEffect(() => applyTheme(theme), [theme]);
  return (
    <button
      type="button"
      className="btn btn-ghost theme-switch"
      onClick={() => setTheme(nextTheme(theme))}
      title={t("theme.switch", { current: t(`theme.${theme}`) })}
      aria-label={t("theme.switch", { current: t(`theme.${theme}`) })}
    >
      <span aria-hidden="true">{ICON[theme]}</span>
    </button>
  );
}
