import { describe, expect, it } from "vitest";
import { auditActionKey, auditQuery, exportFileName, noAuditFilters, retentionChoice, retentionDays } from "./privacy";

describe("the audit log's filters", () => {
  it("leave out what is empty", () => {
    expect(auditQuery(noAuditFilters)).toEqual({ action: undefined, actor: undefined, from: undefined, to: undefined, before: undefined });
  });
  it("put a reversed range right and trim the actor", () => {
    expect(auditQuery({ action: "visitor", actor: " ana@ ", from: "2026-03-09", to: "2026-03-01" }, 42)).toEqual({
      action: "visitor",
      actor: "ana@",
      from: "2026-03-01",
      to: "2026-03-09",
      before: 42,
    });
  });
  it("name a known action by its key and an unknown one not at all", () => {
    expect(auditActionKey("visitor.erased_own")).toBe("audit.actions.visitor_erased_own");
    expect(auditActionKey("billing.refunded")).toBeNull();
  });
});

describe("retention", () => {
  it("shows presets as themselves and anything else as custom", () => {
    expect([null, 30, 90, 365, 45].map(retentionChoice)).toEqual(["off", "30", "90", "365", "custom"]);
  });
  it("sends null to keep, a preset's days, or a whole custom number within bounds", () => {
    expect(retentionDays("off", "")).toBeNull();
    expect(retentionDays("90", "")).toBe(90);
    expect(retentionDays("custom", " 45 ")).toBe(45);
    expect(["0", "1.5", "36501", "", "abc"].map((v) => retentionDays("custom", v))).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});

it("an export's file name holds nothing a file system refuses", () => {
  expect(exportFileName("visitor", "ana@example.com/x")).toBe("visitor-ana-example.com-x.json");
});
