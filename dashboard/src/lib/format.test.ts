import { describe, expect, it } from "vitest";
import { formatDateTime, formatDay, formatAiCost, formatDuration, formatMonth, formatNumber, formatPercent, formatRelative, formatTokenPrice, formatUsd } from "./format";

const NOW = Date.parse("2026-11-24T12:00:00Z");

describe("formatRelative", () => {
  it("says now for under a minute, in both languages", () => {
    expect(formatRelative("2026-11-24T11:59:40Z", "en", NOW)).toBe("now");
    expect(formatRelative("2026-11-24T11:59:40Z", "es", NOW)).toBe("ahora");
  });
  it("counts minutes, hours and days ago", () => {
    expect(formatRelative("2026-11-24T11:55:00Z", "en", NOW)).toBe("5 minutes ago");
    expect(formatRelative("2026-11-24T11:55:00Z", "es", NOW)).toBe("hace 5 minutos");
    expect(formatRelative("2026-11-24T09:00:00Z", "en", NOW)).toBe("3 hours ago");
    expect(formatRelative("2026-11-23T12:00:00Z", "en", NOW)).toBe("yesterday");
    expect(formatRelative("2026-11-23T12:00:00Z", "es", NOW)).toBe("ayer");
    expect(formatRelative("2026-11-20T12:00:00Z", "es", NOW)).toBe("hace 4 días");
  });
});

describe("dates", () => {
  it("formats a timestamp in the user's language", () => {
    expect(formatDateTime("2026-11-24T14:07:09.123Z", "en", "UTC")).toBe("Nov 24, 2026, 2:07 PM");
    expect(formatDateTime("2026-11-24T14:07:09.123Z", "es", "UTC")).toBe("24 nov 2026, 14:07");
  });
  it("formats UTC days and months whatever the local time zone", () => {
    expect(formatDay("2026-11-01", "en")).toBe("Nov 1");
    expect(formatDay("2026-11-01", "es")).toBe("1 nov");
    expect(formatMonth("2026-11-01", "en")).toBe("November 2026");
    expect(formatMonth("2026-11-01", "es")).toBe("noviembre de 2026");
  });
});

describe("numbers", () => {
  it("groups thousands the local way", () => {
    expect(formatNumber(12345, "en")).toBe("12,345");
    expect(formatNumber(12345, "es")).toBe("12.345");
  });
  it("shows shares as percents and null as a dash", () => {
    expect(formatPercent(0.426, "en")).toBe("43%");
    expect(formatPercent(0.426, "es")).toBe("43\u00a0%");
    expect(formatPercent(null, "en")).toBe("—");
  });
  it("shows dollars", () => {
    expect(formatUsd(20, "en")).toBe("$20");
    expect(formatUsd(20, "es")).toBe("20\u00a0US$");
  });
  it("shows the AI's costs in cents, and under a dollar to a hundredth of a cent", () => {
    expect(formatAiCost(0.16, "en")).toBe("$0.16");
    expect(formatAiCost(0.2625, "es")).toBe("0,2625\u00a0US$");
    expect(formatAiCost(0.0042, "en")).toBe("$0.0042");
    expect(formatAiCost(0, "en")).toBe("$0.00");
    expect(formatAiCost(12.3456, "en")).toBe("$12.35");
  });
  it("shows a price per million tokens to the four decimals it is stored with", () => {
    expect(formatTokenPrice(4.375, "en")).toBe("$4.375");
    expect(formatTokenPrice(3.5, "es")).toBe("3,50\u00a0US$");
  });
  it("shows durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(185)).toBe("3 min");
    expect(formatDuration(7500)).toBe("2 h 5 min");
  });
});
