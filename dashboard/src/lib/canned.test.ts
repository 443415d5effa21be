import { describe, expect, it } from "vitest";
import { cannedTextFor, fillVariables, replaceSlash, slashQuery } from "./canned";

describe("a canned reply's text", () => {
  it("is the one in the conversation's language, else the other", () => {
    const both = { contentEn: "Hello", contentEs: "Hola" };
    expect(cannedTextFor(both, "es")).toBe("Hola");
    expect(cannedTextFor(both, "en")).toBe("Hello");
    expect(cannedTextFor({ contentEn: "Hello", contentEs: null }, "es")).toBe("Hello");
  });
  it("has its variables filled, and an unknown one left out without braces", () => {
    const text = "Hola {{visitor.name}}, soy {{agent.name}} de {{business.name}}.";
    expect(fillVariables(text, { visitorName: "Marta", agentName: "Ana", businessName: "Brisa" })).toBe("Hola Marta, soy Ana de Brisa.");
    expect(fillVariables(text, { agentName: "Ana", businessName: "Brisa" })).toBe("Hola, soy Ana de Brisa.");
  });
});

describe("the reply box's /", () => {
  it("searches from a / that starts a word", () => {
    expect(slashQuery("/env", 4)).toBe("env");
    expect(slashQuery("ok /", 4)).toBe("");
    expect(slashQuery("and/or", 6)).toBeNull();
    expect(slashQuery("/envio now", 10)).toBeNull();
  });
  it("is replaced by the reply, the caret after it", () => {
    expect(replaceSlash("Hi /env", 7, "Orders ship in 2 days.")).toEqual({ text: "Hi Orders ship in 2 days.", caret: 25 });
  });
});
