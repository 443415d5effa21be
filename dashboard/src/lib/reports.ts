/** The Reports page's rules: its default period, how a figure compares with the period before, the heatmap's shades. */
import type { Report } from "./types";

/** The last `days` days up to today, as the API's from/to (YYYY-MM-DD, the browser's calendar). */
export function lastDays(days: number, today: Date = new Date()): { from: string; to: string } {
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: iso(first), to: iso(today) };
}

/** The change from `before` to `now` as a share of `before`; null when there is nothing to compare. */
export function change(now: number | null | undefined, before: number | null | undefined): number | null {
  if (now === null || now === undefined || before === null || before === undefined || before === 0) return null;
  return (now - before) / before;
}

/** 0..4: how dark a heatmap cell is, against the busiest cell. */
export function shade(count: number, busiest: number): number {
  if (count <= 0 || busiest <= 0) return 0;
  return Math.min(4, Math.ceil((count / busiest) * 4));
}

/** weekday (1 Monday … 7 Sunday) × hour → conversations, every cell present. */
export function heatmapGrid(cells: Report["heatmap"]): number[][] {
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  for (const cell of cells) grid[cell.weekday - 1][cell.hour] = cell.conversations;
  return grid;
}
