import { describe, expect, it } from "vitest";
import { draftOfHours, hoursBody } from "./businessHours";

const stored = {
  configured: true,
  enabled: true,
  timeZone: "America/New_York",
  weekly: { mon: [{ start: "09:00", end: "12:00" }, { start: "13:00", end: "24:00" }], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] },
  holidays: ["2026-12-25"],
  offlineMode: "form" as const,
  openNow: false,
  nextOpenAt: null,
};

describe("business hours draft", () => {
  it("shows midnight at the end of a day as 00:00 and saves it back as 24:00", () => {
    const draft = draftOfHours(stored);
    expect(draft.weekly.mon[1]).toEqual({ start: "13:00", end: "00:00" });
    expect(hoursBody(draft).weekly?.mon).toEqual([{ start: "09:00", end: "12:00" }, { start: "13:00", end: "24:00" }]);
  });

  it("suggests weekdays nine to five, turned on, for a channel without hours", () => {
    const draft = draftOfHours({ ...stored, configured: false, enabled: false, weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } });
    expect(draft.enabled).toBe(true);
    expect(draft.weekly.fri).toEqual([{ start: "09:00", end: "17:00" }]);
    expect(draft.weekly.sat).toEqual([]);
  });

  it("keeps the holidays and the offline mode", () => {
    const body = hoursBody(draftOfHours(stored));
    expect(body.holidays).toEqual(["2026-12-25"]);
    expect(body.offlineMode).toBe("form");
  });
});
