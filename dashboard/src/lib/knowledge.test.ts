import { describe, expect, it } from "vitest";
import {
  MAX_FILE_BYTES, POLL_MS, applyFilter, bytesToBase64, entryChanges, fileProblem, fileToBase64, filterQuery, hasPending,
  pollInterval, type KnowledgeEntry,
} from "./knowledge";
import type { KnowledgeWebsite } from "./types";
import { sitesPollInterval } from "../pages/KnowledgeWebsites";

const entry = (over: Partial<KnowledgeEntry> = {}): KnowledgeEntry => ({
  id: "k1", organizationId: "o1", channelId: null, title: "Hours", source: "text", sourceUrl: null, fileName: null,
  content: "Open 8 to 6", status: "ready", error: null, chunkCount: 1, createdAt: "2026-11-25T00:00:00Z",
  updatedAt: "2026-11-25T00:00:00Z", ...over,
});

describe("polling", () => {
  it("polls every 3 s while an entry is pending, and stops when none is", () => {
    expect(pollInterval([entry(), entry({ id: "k2", status: "pending" })])).toBe(POLL_MS);
    expect(POLL_MS).toBe(3000);
    expect(pollInterval([entry(), entry({ id: "k2", status: "failed" })])).toBe(false);
    expect(pollInterval(undefined)).toBe(false);
    expect(hasPending([])).toBe(false);
  });

  it("keeps polling while an entry is embedded again with a new model", () => {
    expect(pollInterval([entry(), entry({ id: "k2", status: "reembedding" })])).toBe(POLL_MS);
  });

  it("polls the websites while one syncs", () => {
    const site = (status: KnowledgeWebsite["status"]): KnowledgeWebsite => ({
      id: "w1", organizationId: "o1", channelId: null, startUrl: "https://brisa.test/", mode: "links", status, error: null,
      pageCap: 50, pageCapReached: false, pages: 3, pagesReady: 3, pagesPending: 0, pagesFailed: 0, lastSyncedAt: null,
      createdAt: "2026-11-25T00:00:00Z",
    });
    expect(sitesPollInterval([site("ready"), site("syncing")])).toBe(POLL_MS);
    expect(sitesPollInterval([site("ready"), site("failed")])).toBe(false);
    expect(sitesPollInterval(undefined)).toBe(false);
  });
});

describe("filter", () => {
  const list = [entry(), entry({ id: "k2", channelId: "c1" }), entry({ id: "k3", channelId: "c2" })];
  it("asks the API for one channel's entries, and narrows organisation-wide ones locally", () => {
    expect(filterQuery("all")).toBeUndefined();
    expect(filterQuery("org")).toBeUndefined();
    expect(filterQuery("c1")).toBe("c1");
    expect(applyFilter(list, "all")).toHaveLength(3);
    expect(applyFilter(list, "org").map((e) => e.id)).toEqual(["k1"]);
    expect(applyFilter(list, "c2").map((e) => e.id)).toEqual(["k3"]);
  });
});

describe("files", () => {
  it("accepts .txt, .md and .pdf up to 5 MB", () => {
    expect(fileProblem({ name: "Menu.PDF", size: 10 })).toBeNull();
    expect(fileProblem({ name: "notes.md", size: MAX_FILE_BYTES })).toBeNull();
    expect(fileProblem({ name: "photo.png", size: 10 })).toBe("ai.kb.fileType");
    expect(fileProblem({ name: "big.txt", size: MAX_FILE_BYTES + 1 })).toBe("ai.kb.fileTooLarge");
  });
  it("reads a file as base64, large ones too", async () => {
    expect(bytesToBase64(new TextEncoder().encode("Hola, ñ"))).toBe(btoa(String.fromCharCode(...new TextEncoder().encode("Hola, ñ"))));
    expect(await fileToBase64(new Blob(["hello"]))).toBe("aGVsbG8=");
    const big = new Uint8Array(100_000).fill(65);
    expect(atob(bytesToBase64(big))).toHaveLength(100_000);
  });
});

describe("edits", () => {
  it("sends only what changed", () => {
    const e = entry();
    expect(entryChanges(e, { title: "Hours", content: "Open 8 to 6", url: "" })).toBeNull();
    expect(entryChanges(e, { title: " Opening hours ", content: "Open 8 to 6", url: "" })).toEqual({ title: "Opening hours" });
    expect(entryChanges(e, { title: "Hours", content: "Open 9 to 5", url: "" })).toEqual({ content: "Open 9 to 5" });
    const u = entry({ source: "url", sourceUrl: "https://a.example/x", content: "page text" });
    expect(entryChanges(u, { title: "Hours", content: "other", url: "https://a.example/x" })).toBeNull();
    expect(entryChanges(u, { title: "Hours", content: "", url: "https://a.example/y" })).toEqual({ url: "https://a.example/y" });
  });
});
