/** Applying live events to what the inbox already shows. */
import type { Conversation, ConversationSummary, LiveEvent, Message } from "./types";

/** Newest activity first, then id (as the API orders). */
export function sortConversations<T extends { lastMessageAt: string; id: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.lastMessageAt === b.lastMessageAt ? (a.id < b.id ? 1 : -1) : a.lastMessageAt < b.lastMessageAt ? 1 : -1));
}

/** A conversation summary with an event's changes applied; null when the event is not about it. */
export function applyToSummary(c: ConversationSummary, event: LiveEvent): ConversationSummary | null {
  if (event.conversationId !== c.id) return null;
  const d = event.data;
  if (event.type === "conversation.updated") {
    const next: ConversationSummary = { ...c };
    if (typeof d.status === "string") next.status = d.status as ConversationSummary["status"];
    if (typeof d.responderMode === "string") next.responderMode = d.responderMode as ConversationSummary["responderMode"];
    if (typeof d.lastMessageAt === "string") next.lastMessageAt = d.lastMessageAt;
    if ("assignedUser" in d) next.assignedUser = (d.assignedUser as ConversationSummary["assignedUser"]) ?? null;
    next.needsHuman = next.status === "pending" && next.responderMode === "human";
    return next;
  }
  if (event.type === "message.created") {
    const m = d as unknown as Message;
    if (m.role === "system") return { ...c, lastMessageAt: maxIso(c.lastMessageAt, m.createdAt) };
    return {
      ...c,
      lastMessage: { role: m.role, content: String(m.content).slice(0, 200), createdAt: m.createdAt },
      lastMessageAt: maxIso(c.lastMessageAt, m.createdAt),
      messageCount: c.messageCount + 1,
    };
  }
  return null;
}

/** A conversation's thread with a live message added (once, in time order). */
export function applyToConversation(c: Conversation, event: LiveEvent): Conversation {
  if (event.conversationId !== c.id) return c;
  if (event.type === "message.created") {
    const m = event.data as unknown as Message;
    if (c.messages.some((x) => x.id === m.id)) return c;
    const messages = [...c.messages, m].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    return { ...c, messages, lastMessageAt: maxIso(c.lastMessageAt, m.createdAt) };
  }
  const summary = applyToSummary(c, event);
  return summary ? { ...c, ...summary } : c;
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}

/** True when an event means a person is now needed (a handoff to a human nobody answered yet). */
export function needsHumanNow(event: LiveEvent): boolean {
  return (event.type === "conversation.updated" || event.type === "conversation.created") && event.data.responderMode === "human" && event.data.status === "pending";
}

/** The titles of an AI answer's sources, each once, in the order given (several chunks may share an entry). */
export function uniqueTitles(sources: { knowledgeId: string; title: string }[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const s of sources) {
    if (seen.has(s.knowledgeId)) continue;
    seen.add(s.knowledgeId);
    out.push(s.title);
  }
  return out;
}
