import { describe, expect, it } from "vitest";
import { fillTemplate, missingVariables, offeredTemplates, type Template } from "./meta";

const template = (over: Partial<Template>): Template => ({
  name: "order_ready",
  language: "en_US",
  status: "APPROVED",
  category: "UTILITY",
  header: null,
  body: "Hi {{1}}, your order is ready at {{2}}.",
  footer: null,
  variables: [
    { component: "body", key: "1", example: "Ana" },
    { component: "body", key: "2", example: "5 pm" },
  ],
  sendable: true,
  offered: true,
  ...over,
});

describe("WhatsApp templates in the reply box", () => {
  it("offers approved, sendable templates, the conversation's language first", () => {
    const items = [
      template({ name: "b_en" }),
      template({ name: "a_es", language: "es_MX" }),
      template({ name: "pending", offered: false }),
    ];
    expect(offeredTemplates(items, "es").map((t) => t.name)).toEqual(["a_es", "b_en"]);
  });

  it("fills the variables into header and body and keeps the footer", () => {
    const t = template({ header: "Order {{1}}", footer: "Brisa Spa" });
    expect(fillTemplate(t, { "1": " Ana ", "2": "6 pm" })).toBe("Order Ana\n\nHi Ana, your order is ready at 6 pm.\n\nBrisa Spa");
  });

  it("shows a variable left empty as itself and names it missing", () => {
    const t = template({});
    expect(fillTemplate(t, { "1": "Ana" })).toBe("Hi Ana, your order is ready at {{2}}.");
    expect(missingVariables(t, { "1": "Ana", "2": "  " })).toEqual(["2"]);
  });
});
