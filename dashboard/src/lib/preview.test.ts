import { describe, expect, it } from "vitest";
import { MAX_HISTORY, MAX_MESSAGE, previewRequest, sourceTitles, trimHistory, type PreviewTurn } from "./preview";

const turns = (n: number): PreviewTurn[] =>
  Array.from({ length: n }, (_, i) => ({ role: i % 2 === 0 ? "visitor" : "ai", content: `turn ${i}` }));

describe("trimHistory", () => {
  it("keeps everything under the limit, as role and content only", () => {
    const history = trimHistory([
      { role: "visitor", content: "Hi" },
      { role: "ai", content: "Hello!", fallback: true, sources: [{ knowledgeId: "k1", title: "Hours", excerpt: "…" }] },
    ]);
    expect(history).toEqual([
      { role: "visitor", content: "Hi" },
      { role: "ai", content: "Hello!" },
    ]);
  });

  it("keeps only the last 20 turns", () => {
    const history = trimHistory(turns(25));
    expect(history).toHaveLength(MAX_HISTORY);
    expect(history[0].content).toBe("turn 5");
    expect(history[19].content).toBe("turn 24");
  });

  it("drops empty turns and cuts long ones to 2000 characters", () => {
    const history = trimHistory([
      { role: "visitor", content: "   " },
      { role: "ai", content: "x".repeat(2500) },
    ]);
    expect(history).toHaveLength(1);
    expect(history[0].content).toHaveLength(MAX_MESSAGE);
  });

  it("sends nothing for an empty conversation or a zero limit", () => {
    expect(trimHistory([])).toEqual([]);
    expect(trimHistory(turns(3), 0)).toEqual([]);
  });
});

describe("previewRequest", () => {
  it("is null for a blank message", () => {
    expect(previewRequest("  \n ", [], "", "en")).toBeNull();
  });

  it("trims the message and leaves out the channel for the organisation settings", () => {
    expect(previewRequest("  How much? ", turns(2), "", "es")).toEqual({
      message: "How much?",
      history: [
        { role: "visitor", content: "turn 0" },
        { role: "ai", content: "turn 1" },
      ],
      language: "es",
    });
  });

  it("names the channel and sends at most 20 earlier turns", () => {
    const body = previewRequest("Hi", turns(30), "c1", "en");
    expect(body?.channelId).toBe("c1");
    expect(body?.history).toHaveLength(20);
    expect(body?.language).toBe("en");
  });
});

describe("sourceTitles", () => {
  it("names each source once, in order", () => {
    const s = (title: string) => ({ knowledgeId: title, title, excerpt: "" });
    expect(sourceTitles([s("Cakes"), s("Hours"), s("Cakes")])).toEqual(["Cakes", "Hours"]);
  });
});

describe("previewRequest within the API's bound", () => {
  it("drops the oldest turns until the message and its history hold 8000 characters at most", () => {
    const turns = Array.from({ length: 10 }, (_, i) => ({ role: "visitor" as const, content: String(i).repeat(2000) }));
    const request = previewRequest("Hi", turns, "", "en")!;
    const total = request.message.length + request.history!.reduce((sum, t) => sum + t.content.length, 0);
    expect(total).toBeLessThanOrEqual(8000);
    expect(request.history!.at(-1)!.content.startsWith("9")).toBe(true);
  });
});
