import { describe, expect, it } from "vitest";
import en from "./en.json";
import es from "./es.json";

function keys(obj: object, prefix = ""): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
function leaves(obj: object): [string, string][] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" && v !== null ? leaves(v).map(([kk, vv]) => [`${k}.${kk}`, vv] as [string, string]) : [[k, String(v)]]));
}
const sources = import.meta.glob<string>(["../**/*.{ts,tsx}", "!../**/*.test.*"], { query: "?raw", import: "default", eager: true });

describe("translations", () => {
  it("English and Spanish have the same keys", () => {
    expect(keys(es).sort()).toEqual(keys(en).sort());
  });
  it("no Spanish string is left empty, and interpolations match", () => {
    const enMap = new Map(leaves(en));
    for (const [k, v] of leaves(es)) {
      expect(v.trim(), k).not.toBe("");
      const vars = (s: string) => (s.match(/\{\{\w+\}\}/g) ?? []).sort();
      expect(vars(v), k).toEqual(vars(enMap.get(k) ?? ""));
    }
  });
  it("every literal key used in the code exists", () => {
    const all = new Set(keys(en).map((k) => k.replace(/_(one|other)$/, "")));
    const missing: string[] = [];
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/\bt\("([a-zA-Z0-9_.]+)"/g)) if (!all.has(m[1])) missing.push(`${file}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });
});
