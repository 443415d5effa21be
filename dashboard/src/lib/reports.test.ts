import { describe, expect, it } from "vitest";
import { change, heatmapGrid, lastDays, shade } from "./reports";

describe("reports", () => {
  it("makes the last n days end today", () => {
    expect(lastDays(30, new Date(2026, 11, 3))).toEqual({ from: "2026-11-04", to: "2026-12-03" });
    expect(lastDays(1, new Date(2026, 0, 1))).toEqual({ from: "2026-01-01", to: "2026-01-01" });
  });
  it("compares with the period before only when there is something to compare", () => {
    expect(change(15, 10)).toBe(0.5);
    expect(change(5, 10)).toBe(-0.5);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 10)).toBeNull();
  });
  it("shades heatmap cells against the busiest one", () => {
    expect([0, 1, 5, 10].map((n) => shade(n, 10))).toEqual([0, 1, 2, 4]);
    expect(shade(3, 0)).toBe(0);
  });
  it("lays the heatmap out as 7 weekdays × 24 hours", () => {
    const grid = heatmapGrid([{ weekday: 1, hour: 23, conversations: 2 }, { weekday: 7, hour: 0, conversations: 1 }]);
    expect(grid).toHaveLength(7);
    expect(grid[0][23]).toBe(2);
    expect(grid[6][0]).toBe(1);
    expect(grid.flat().reduce((a, b) => a + b)).toBe(3);
  });
});
