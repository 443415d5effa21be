import { describe, expect, it } from "vitest";
import { isHexColor, textOn } from "./widgetLook";

describe("the widget's look", () => {
  it("takes #rrggbb colours only", () => {
    expect(isHexColor("#2f92AD")).toBe(true);
    expect(isHexColor(" #2f92ad ")).toBe(true);
    for (const bad of ["#fff", "2f92ad", "#2f92adf", "#gggggg", "red", ""]) expect(isHexColor(bad), bad).toBe(false);
  });
  it("writes on the brand colour in white or near-black, whichever keeps 4.5:1", () => {
    expect(textOn("#1d4ed8")).toBe("#fff");
    expect(textOn("#ffd60a")).toBe("#111418");
    expect(textOn("#2f92ad")).toBe("#111418");
    expect(textOn("not a colour")).toBe(textOn("#2f92ad"));
  });
});
