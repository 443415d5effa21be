import { describe, expect, it } from "vitest";
import { activeEntry, pageTitle } from "./title";

describe("pageTitle", () => {
  it("names the page before the product", () => {
    expect(pageTitle("ChatFlow360", "Reports")).toBe("Reports · ChatFlow360");
  });

  it("keeps the waiting count first when the page changes", () => {
    expect(pageTitle("(3) Conversations · ChatFlow360", "Informes")).toBe("(3) Informes · ChatFlow360");
  });

  it("is the product alone for a page without a name", () => {
    expect(pageTitle("(2) Reports · ChatFlow360", null)).toBe("(2) ChatFlow360");
  });
});

describe("activeEntry", () => {
  const nav = [
    { to: "/en", label: "Home", end: true },
    { to: "/en/conversations", label: "Conversations" },
    { to: "/en/channels", label: "Channels" },
  ];

  it("finds a page under its entry", () => {
    expect(activeEntry(nav, "/en/channels/42/settings")?.label).toBe("Channels");
    expect(activeEntry(nav, "/en/conversations/")?.label).toBe("Conversations");
  });

  it("matches the home entry only exactly", () => {
    expect(activeEntry(nav, "/en/")?.label).toBe("Home");
    expect(activeEntry(nav, "/en/unknown")).toBeUndefined();
  });
});
