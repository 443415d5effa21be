import { describe, expect, it } from "vitest";
import { titleWithWaiting } from "./Workspace";
import { filtersFromSearch, filtersToQuery, filtersToSearch } from "../../lib/filters";

describe("the tab's title", () => {
  it("starts with the number of conversations waiting for a person", () => {
    expect(titleWithWaiting("ChatFlow360", 3)).toBe("(3) ChatFlow360");
  });
  it("replaces an earlier number and drops it at zero", () => {
    expect(titleWithWaiting("(3) ChatFlow360", 5)).toBe("(5) ChatFlow360");
    expect(titleWithWaiting("(5) ChatFlow360", 0)).toBe("ChatFlow360");
  });
});

describe("the inbox's view", () => {
  it("round-trips through the URL and reaches the API's query", () => {
    const filters = filtersFromSearch(new URLSearchParams("view=mine"));
    expect(filters.view).toBe("mine");
    expect(filtersToSearch(filters).get("view")).toBe("mine");
    expect(filtersToQuery(filters).view).toBe("mine");
  });
  it("ignores a view it does not know and leaves All out of the URL", () => {
    expect(filtersFromSearch(new URLSearchParams("view=everything")).view).toBeUndefined();
    expect(filtersToSearch({ view: "all", status: [] }).has("view")).toBe(false);
  });
});

import { neighbour } from "./Shortcuts";
import { nextTheme } from "../../lib/theme";

describe("j and k", () => {
  const links = ["a", "b", "c"].map((id) => {
    const a = document.createElement("a");
    a.id = id;
    if (id === "b") a.setAttribute("aria-current", "true");
    return a;
  });
  it("go to the next and previous conversation, and stop at the ends", () => {
    expect(neighbour(links, 1)?.id).toBe("c");
    expect(neighbour(links, -1)?.id).toBe("a");
    expect(neighbour([links[0]], 1)?.id).toBe("a");
  });
});

describe("the colour switch", () => {
  it("goes system, dark, light, and back", () => {
    expect([nextTheme("system"), nextTheme("dark"), nextTheme("light")]).toEqual(["dark", "light", "system"]);
  });
});

import { localTime } from "./VisitorPanel";

describe("the visitor's local time", () => {
  it("is the wall clock of their time zone, and nothing for an unknown one", () => {
    const noon = new Date("2026-01-05T18:00:00Z");
    expect(localTime("America/Mexico_City", "en", noon)).toMatch(/12:00/);
    expect(localTime("Not/AZone", "en", noon)).toBeNull();
    expect(localTime(null, "es", noon)).toBeNull();
  });
});
