/** Locale-aware formatting of dates, relative times, numbers and money (Intl, no library). */
import type { Lang } from "./types";

const LOCALES: Record<Lang, string> = { en: "en-US", es: "es-ES" };

export function formatDateTime(iso: string, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(iso));
}

export function formatDate(iso: string, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeZone }).format(new Date(iso));
}

/** A UTC calendar day ("2026-11-24") as a short day label ("Nov 24" / "24 nov"). */
export function formatDay(day: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

/** A UTC month ("2026-11-01") as "November 2026" / "noviembre de 2026". */
export function formatMonth(day: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "5 minutes ago" / "hace 5 minutos"; under a minute, "now" / "ahora". */
export function formatRelative(iso: string, lang: Lang, now: number = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(LOCALES[lang], { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
  }
  return rtf.format(0, "second");
}

export function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALES[lang]).format(n);
}

export function formatPercent(share: number | null, lang: Lang): string {
  if (share === null) return "—";
  return new Intl.NumberFormat(LOCALES[lang], { style: "percent", maximumFractionDigits: 0 }).format(share);
}

/** Whole dollars: plan prices and overage, which are billed in whole dollars. */
export function formatUsd(n: number, lang: Lang): string {
  return new Intl.NumberFormat(LOCALES[lang], { style: "currency", currency: "USD", maximumFractionDigits: 0 }).format(n);
}

/** The AI's costs and token prices, which are cents or less for a small business: cents, and under a
 *  dollar up to four decimals, so that $0.16 of a month's answers never reads as $0. */
export function formatAiCost(n: number, lang: Lang): string {
  return usdWithDecimals(n, lang, Math.abs(n) < 1 ? 4 : 2);
}

/** A price per million tokens, as precisely as it is stored (4 decimals): $4.375, not $4.38. */
export function formatTokenPrice(n: number, lang: Lang): string {
  return usdWithDecimals(n, lang, 4);
}

function usdWithDecimals(n: number, lang: Lang, maximumFractionDigits: number): string {
  return new Intl.NumberFormat(LOCALES[lang], { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits }).format(n);
}

/** Seconds as "45 s", "3 min", "2 h 5 min"; null as "—". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
