import { describe, expect, it } from "vitest";
import { applyToConversation, applyToSummary, needsHumanNow, sortConversations } from "./inbox";
import type { Conversation, LiveEvent } from "./types";

const base: Conversation = {
  id: "c1", organizationId: "o", channelId: "ch", channelName: "Web", status: "open", responderMode: "ai", language: "en", pageUrl: null,
  visitorId: "v", lastMessage: null, messageCount: 1, createdAt: "2026-11-24T10:00:00.000Z", lastMessageAt: "2026-11-24T10:00:00.000Z",
  assignedUser: null, needsHuman: false, visitorMetadata: {}, handedOffAt: null, closedAt: null,
  messages: [{ id: "m1", role: "visitor", content: "hi", createdAt: "2026-11-24T10:00:00.000Z" }],
};
const msg = (id: string, createdAt: string, role = "ai"): LiveEvent => ({ type: "message.created", organizationId: "o", conversationId: "c1", data: { id, role, content: "hello", createdAt, author: null } });

describe("live events", () => {
  it("add a message to the thread once, in time order", () => {
    let c = applyToConversation(base, msg("m2", "2026-11-24T10:01:00.000Z"));
    c = applyToConversation(c, msg("m2", "2026-11-24T10:01:00.000Z"));
    expect(c.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(c.lastMessageAt).toBe("2026-11-24T10:01:00.000Z");
  });
  it("ignore events of other conversations", () => {
    expect(applyToConversation(base, { ...msg("m9", "2026-11-24T11:00:00.000Z"), conversationId: "other" })).toBe(base);
    expect(applyToSummary(base, { ...msg("m9", "2026-11-24T11:00:00.000Z"), conversationId: "other" })).toBeNull();
  });
  it("update status, responder and assignment, and say when a person is needed", () => {
    const ev: LiveEvent = { type: "conversation.updated", organizationId: "o", conversationId: "c1", data: { id: "c1", status: "pending", responderMode: "human", lastMessageAt: "2026-11-24T10:05:00.000Z", assignedUser: null } };
    const s = applyToSummary(base, ev)!;
    expect(s).toMatchObject({ status: "pending", responderMode: "human", needsHuman: true, lastMessageAt: "2026-11-24T10:05:00.000Z" });
    expect(needsHumanNow(ev)).toBe(true);
    expect(needsHumanNow({ ...ev, data: { ...ev.data, status: "open" } })).toBe(false);
  });
  it("a visitor message updates the preview and count; a system notice does not", () => {
    expect(applyToSummary(base, msg("m3", "2026-11-24T10:02:00.000Z", "visitor"))).toMatchObject({ messageCount: 2, lastMessage: { role: "visitor", content: "hello" } });
    expect(applyToSummary(base, msg("m4", "2026-11-24T10:02:00.000Z", "system"))).toMatchObject({ messageCount: 1, lastMessage: null });
  });
  it("sort newest activity first", () => {
    const items = [{ id: "a", lastMessageAt: "2026-01-01" }, { id: "b", lastMessageAt: "2026-03-01" }, { id: "c", lastMessageAt: "2026-02-01" }];
    expect(sortConversations(items).map((i) => i.id)).toEqual(["b", "c", "a"]);
  });
});

describe("an AI answer's sources", () => {
  it("lists each entry's title once, in order", async () => {
    const { uniqueTitles } = await import("./inbox");
    expect(
      uniqueTitles([
        { knowledgeId: "k1", title: "Hours" },
        { knowledgeId: "k2", title: "Prices" },
        { knowledgeId: "k1", title: "Hours" },
      ]),
    ).toEqual(["Hours", "Prices"]);
    expect(uniqueTitles([])).toEqual([]);
  });
});
