/** Light, dark or the system's choice (the default), kept in this browser; applied as
 * <html data-theme="light|dark|system"> for the stylesheet (theme.css) to follow. */
export type Theme = "system" | "light" | "dark";
const KEY = "chatflow360.theme";

export function storedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === "light" || value === "dark" ? value : "system";
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  if (theme === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
}

/** The next choice of the header's switch: system → dark → light → system. */
export function nextTheme(theme: Theme): Theme {
  return theme === "system" ? "dark" : theme === "dark" ? "light" : "system";
}
