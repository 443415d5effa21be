/** A channel's business hours as the settings page edits them, and the body it saves. */
import type { components } from "../api/schema";

type Hours = components["schemas"]["BusinessHoursOut"];
type HoursIn = components["schemas"]["BusinessHoursIn"];

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];

export interface HoursDraft {
  enabled: boolean;
  timeZone: string;
  weekly: Record<Day, { start: string; end: string }[]>;
  holidays: string[];
  offlineMode: "ai" | "form";
}

/** What the page shows: a range ending at midnight reads 00:00 (a time input cannot hold 24:00). */
export function draftOfHours(h: Hours): HoursDraft {
  const weekly = Object.fromEntries(
    DAYS.map((d) => [d, (h.weekly[d] ?? []).map((r) => ({ start: r.start, end: r.end === "24:00" ? "00:00" : r.end }))]),
  ) as HoursDraft["weekly"];
  // A channel without hours yet: the page suggests weekdays 9 to 5, turned on once saved.
  if (!h.configured) for (const d of DAYS.slice(0, 5)) weekly[d] = [{ start: "09:00", end: "17:00" }];
  return { enabled: h.configured ? h.enabled : true, timeZone: h.timeZone, weekly, holidays: [...h.holidays], offlineMode: h.offlineMode };
}

/** The PUT body: an end of 00:00 is midnight at the end of the day (24:00); the server checks the rest. */
export function hoursBody(d: HoursDraft): HoursIn {
  return {
    enabled: d.enabled,
    timeZone: d.timeZone,
    weekly: Object.fromEntries(DAYS.map((day) => [day, d.weekly[day].map((r) => ({ start: r.start, end: r.end === "00:00" ? "24:00" : r.end }))])),
    holidays: d.holidays,
    offlineMode: d.offlineMode,
  };
}
