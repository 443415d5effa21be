import { describe, expect, it } from "vitest";
import { timeZones } from "./timeZones";

describe("timeZones", () => {
  it("lists the browser's IANA zones, the organisation's among them", () => {
    const zones = timeZones("America/New_York");
    expect(zones).toContain("Europe/Madrid");
    expect(zones.filter((z) => z === "America/New_York")).toHaveLength(1);
  });

  it("puts a zone the browser does not know first, so the picker still shows what is saved", () => {
    expect(timeZones("Etc/Unknown_Zone")[0]).toBe("Etc/Unknown_Zone");
  });
});
