import { describe, expect, it } from "vitest";
import { addDelta, addNote, applyToConversation, applyToSummary, attachmentCaption, describeMedia, mentionedIds, lastSeenAgentMessage, mergeThread, needsHumanNow, sortConversations, whoAnswers } from "./inbox";
import type { Conversation, ConversationSummary, LiveEvent, Message } from "./types";

const base: Conversation = {
  id: "c1", organizationId: "o", channelId: "ch", channelName: "Web", channelType: "website", status: "open", responderMode: "ai", language: "en", pageUrl: null,
  visitorId: "v", lastMessage: null, messageCount: 1, createdAt: "2026-11-24T10:00:00.000Z", lastMessageAt: "2026-11-24T10:00:00.000Z",
  assignedUser: null, needsHuman: false, visitorMetadata: {}, handedOffAt: null, closedAt: null,
  messages: [{ id: "m1", role: "visitor", content: "hi", createdAt: "2026-11-24T10:00:00.000Z" }],
};
const msg = (id: string, createdAt: string, role: Message["role"] = "ai"): LiveEvent => ({
  type: "message.created", organizationId: "o", conversationId: "c1", data: { id, role, content: "hello", createdAt, author: null, knowledgeSources: [] },
});
const summary = (changes: Partial<ConversationSummary>): LiveEvent => ({ type: "conversation.updated", organizationId: "o", conversationId: "c1", data: { ...base, ...changes } });

describe("live events", () => {
  it("add a message to the thread once, in time order", () => {
    let c = applyToConversation(base, msg("m2", "2026-11-24T10:01:00.000Z"));
    c = applyToConversation(c, msg("m2", "2026-11-24T10:01:00.000Z"));
    expect(c.messages.map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(c.lastMessageAt).toBe("2026-11-24T10:01:00.000Z");
  });
  it("ignore events of other conversations", () => {
    expect(applyToConversation(base, { ...msg("m9", "2026-11-24T11:00:00.000Z"), conversationId: "other" })).toBe(base);
    expect(applyToSummary(base, { ...summary({ status: "closed" }), conversationId: "other" })).toBeNull();
  });
  it("take the conversation as the server says it is now, needsHuman included", () => {
    const ev = summary({ status: "pending", responderMode: "human", needsHuman: true, lastMessageAt: "2026-11-24T10:05:00.000Z" });
    const s = applyToSummary(base, ev)!;
    expect(s).toMatchObject({ status: "pending", responderMode: "human", needsHuman: true, lastMessageAt: "2026-11-24T10:05:00.000Z" });
    expect(applyToConversation(base, ev)).toMatchObject({ needsHuman: true, messages: base.messages });
    expect(needsHumanNow(ev)).toBe(true);
    expect(needsHumanNow(summary({ status: "pending", responderMode: "human", needsHuman: false }))).toBe(false);
  });
  it("leave the list's preview and count to the conversation event sent with a message", () => {
    expect(applyToSummary(base, msg("m3", "2026-11-24T10:02:00.000Z", "visitor"))).toBeNull();
    expect(applyToSummary(base, summary({ messageCount: 2, lastMessage: { role: "visitor", content: "hello", createdAt: "2026-11-24T10:02:00.000Z" } }))).toMatchObject({
      messageCount: 2,
      lastMessage: { role: "visitor", content: "hello" },
    });
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

describe("private notes in the thread", () => {
  it("interleave with messages by time, a message first at the same instant", () => {
    const merged = mergeThread(
      [
        { id: "m1", createdAt: "2026-01-01T10:00:00Z" },
        { id: "m2", createdAt: "2026-01-01T10:02:00Z" },
      ],
      [
        { id: "n1", createdAt: "2026-01-01T10:01:00Z" },
        { id: "n2", createdAt: "2026-01-01T10:02:00Z" },
      ],
    );
    expect(merged.map((e) => e.item.id)).toEqual(["m1", "n1", "m2", "n2"]);
  });
  it("are added once when a live frame repeats one", () => {
    const note = { id: "n1", createdAt: "2026-01-01T10:01:00Z" };
    expect(addNote(addNote([], note), note)).toHaveLength(1);
  });
  it("never enter a conversation's messages", () => {
    const c = { id: "c1", messages: [], lastMessageAt: "2026-01-01T10:00:00Z" } as unknown as Conversation;
    const event = { type: "note.created", organizationId: "o", conversationId: "c1", data: { id: "n1" } } as unknown as LiveEvent;
    expect(applyToConversation(c, event)).toBe(c);
  });
  it("notify only the members whose @Name is still in the text", () => {
    const picked = [
      { id: "u1", name: "Ana" },
      { id: "u2", name: "Luis" },
    ];
    expect(mentionedIds("@Ana please check", picked)).toEqual(["u1"]);
  });
});

describe("who answers, as a card says it", () => {
  it("is the AI, a person being waited for, or the one who holds it", () => {
    expect(whoAnswers({ status: "open", responderMode: "ai", needsHuman: false })).toEqual({ kind: "ai" });
    expect(whoAnswers({ status: "pending", responderMode: "human", needsHuman: true, assignedUser: { name: "Ana" } })).toEqual({ kind: "waiting" });
    expect(whoAnswers({ status: "open", responderMode: "human", needsHuman: false, assignedUser: { name: "Ana" } })).toEqual({ kind: "agent", name: "Ana" });
    expect(whoAnswers({ status: "open", responderMode: "human", needsHuman: false, assignedUser: null })).toEqual({ kind: "person" });
  });
});

describe("read receipts", () => {
  it("mark the last agent message the visitor read", () => {
    const messages = [
      { id: "a1", role: "agent", createdAt: "2026-01-01T10:00:00Z" },
      { id: "v1", role: "visitor", createdAt: "2026-01-01T10:01:00Z" },
      { id: "a2", role: "agent", createdAt: "2026-01-01T10:02:00Z" },
    ];
    expect(lastSeenAgentMessage(messages, "2026-01-01T10:01:30Z")).toBe("a1");
    expect(lastSeenAgentMessage(messages, "2026-01-01T10:03:00Z")).toBe("a2");
    expect(lastSeenAgentMessage(messages, null)).toBeNull();
  });
  it("come live into the conversation", () => {
    const event = { type: "conversation.read", organizationId: "o", conversationId: "c1", data: { side: "visitor", readAt: "2026-01-01T10:03:00Z" } } as LiveEvent;
    expect(applyToConversation(base, event).visitorReadAt).toBe("2026-01-01T10:03:00Z");
  });
});

describe("an AI answer streaming into the thread", () => {
  it("grows piece by piece, in order, and ignores a piece seen twice or out of turn", () => {
    const a = addDelta(null, { messageId: "m1", delta: "Hola", index: 0 });
    const b = addDelta(a, { messageId: "m1", delta: ", ¿qué", index: 1 });
    const again = addDelta(b, { messageId: "m1", delta: ", ¿qué", index: 1 });
    const skipped = addDelta(b, { messageId: "m1", delta: " tal?", index: 3 });
    expect(b).toEqual({ messageId: "m1", text: "Hola, ¿qué", next: 2 });
    expect(again).toEqual(b);
    expect(skipped).toEqual(b);
  });
  it("starts over for the next answer", () => {
    const first = addDelta(null, { messageId: "m1", delta: "Hi", index: 0 });
    expect(addDelta(first, { messageId: "m2", delta: "Yes", index: 0 })).toEqual({ messageId: "m2", text: "Yes", next: 1 });
  });
  it("never touches the conversation itself", () => {
    const c = { id: "c1", messages: [] } as unknown as Conversation;
    expect(applyToConversation(c, { type: "message.delta", organizationId: "o", conversationId: "c1", data: { messageId: "m1", delta: "x", index: 0 } })).toBe(c);
  });
});

describe("attachment captions", () => {
  it("leave out the kind a WhatsApp or Messenger message was stored with, and keep the customer's caption", () => {
    expect(attachmentCaption("[audio]", "whatsapp-audio.ogg")).toBeNull();
    expect(attachmentCaption("[file] [audio]", "voice.mp4")).toBeNull();
    expect(attachmentCaption("[image] My order", "whatsapp-image.jpg")).toBe("My order");
    expect(attachmentCaption("[document] receipt.pdf", "receipt.pdf")).toBeNull();
  });
  it("print nothing for a widget upload stored under its file name, and the words of any other message", () => {
    expect(attachmentCaption("menu.pdf", "menu.pdf")).toBeNull();
    expect(attachmentCaption("Here is the menu [v2]", "menu.pdf")).toBe("Here is the menu [v2]");
  });
});

describe("media in the list's preview", () => {
  const label = (kind: string) => ({ audio: "🎤 Nota de voz", image: "📷 Foto", file: "📄 Archivo" })[kind] ?? kind;
  it("say the kind a WhatsApp or Messenger message was stored with in the agent's words, caption after it", () => {
    expect(describeMedia("[audio]", label)).toBe("🎤 Nota de voz");
    expect(describeMedia("[image] Mi pedido", label)).toBe("📷 Foto · Mi pedido");
    expect(describeMedia("[file] [audio]", label)).toBe("📄 Archivo, 🎤 Nota de voz");
  });
  it("leave anything else as it was written", () => {
    expect(describeMedia("[v2] is out", label)).toBe("[v2] is out");
    expect(describeMedia("Hola [audio]", label)).toBe("Hola [audio]");
  });
});
