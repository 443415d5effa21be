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
