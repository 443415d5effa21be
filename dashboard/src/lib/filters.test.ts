import { describe, expect, it } from "vitest";
import { activeFilterCount, filtersFromSearch, filtersToQuery, filtersToSearch, matchesFilters } from "./filters";

const ORG = "70e934c3-8c0d-49a7-8653-fa921f196e10";

describe("inbox filters", () => {
  it("read only valid values from the URL", () => {
    const f = filtersFromSearch(new URLSearchParams(`organizationId=${ORG}&channelId=nope&status=open&status=bogus&status=pending&responderMode=robot&language=es&q=%20caf%C3%A9%20`));
    expect(f).toEqual({ organizationId: ORG, channelId: undefined, status: ["open", "pending"], responderMode: undefined, language: "es", q: "café" });
  });
  it("round-trip through the URL", () => {
    const f = { organizationId: ORG, status: ["closed" as const], responderMode: "human" as const, q: "niño" };
    expect(filtersFromSearch(filtersToSearch(f))).toEqual({ ...f, channelId: undefined, language: undefined });
  });
  it("become the API query with a repeatable status and the cursor", () => {
    const q = filtersToQuery({ status: ["open", "pending"], language: "en" }, "abc");
    expect(q).toMatchObject({ status: ["open", "pending"], language: "en", cursor: "abc", limit: "25" });
    expect(filtersToQuery({ status: [] }).status).toBeUndefined();
  });
  it("keep a channel type, and only a known one", () => {
    expect(filtersFromSearch(new URLSearchParams("channelType=whatsapp")).channelType).toBe("whatsapp");
    expect(filtersFromSearch(new URLSearchParams("channelType=telegram")).channelType).toBeUndefined();
    expect(filtersToSearch({ status: [], channelType: "messenger" }).get("channelType")).toBe("messenger");
    expect(filtersToQuery({ status: [], channelType: "whatsapp" }).channelType).toBe("whatsapp");
    const c = { organizationId: ORG, channelId: "c", status: "open" as const, responderMode: "ai" as const, language: "en" as const, channelType: "website" as const };
    expect(matchesFilters(c, { status: [], channelType: "whatsapp" })).toBe(false);
    expect(matchesFilters(c, { status: [], channelType: "website" })).toBe(true);
  });
  it("count what is active", () => {
    expect(activeFilterCount({ status: [] })).toBe(0);
    expect(activeFilterCount({ status: ["open", "pending"], q: "x", language: "es" })).toBe(3);
  });
  it("match a live conversation locally", () => {
    const c = { organizationId: ORG, channelId: "c", status: "pending" as const, responderMode: "human" as const, language: "es" as const };
    expect(matchesFilters(c, { status: [] })).toBe(true);
    expect(matchesFilters(c, { status: ["open"] })).toBe(false);
    expect(matchesFilters(c, { status: ["pending"], responderMode: "human", language: "es", organizationId: ORG })).toBe(true);
    expect(matchesFilters(c, { status: [], language: "en" })).toBe(false);
  });
});
