/** Applying live events to what the inbox already shows. */
import type { Conversation, ConversationSummary, Delta, LiveEvent, StreamingAnswer } from "./types";

/** Newest activity first, then id (as the API orders). */
export function sortConversations<T extends { lastMessageAt: string; id: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.lastMessageAt === b.lastMessageAt ? (a.id < b.id ? 1 : -1) : a.lastMessageAt < b.lastMessageAt ? 1 : -1));
}

/** A conversation summary as an event says it is now; null when the event is not about it or says
 * nothing of the summary (a message: the conversation event sent with it carries the new summary). */
export function applyToSummary(c: ConversationSummary, event: LiveEvent): ConversationSummary | null {
  if (event.conversationId !== c.id || (event.type !== "conversation.created" && event.type !== "conversation.updated")) return null;
  return { ...c, ...event.data };
}

/** A conversation's thread with a live message added (once, in time order), or its summary replaced. */
export function applyToConversation(c: Conversation, event: LiveEvent): Conversation {
  if (event.conversationId !== c.id || event.type === "note.created" || event.type === "typing" || event.type === "message.delta") return c;
  if (event.type === "conversation.read") {
    return event.data.side === "agent" ? { ...c, agentReadAt: event.data.readAt } : { ...c, visitorReadAt: event.data.readAt };
  }
  if (event.type === "message.created") {
    const m = event.data;
    if (c.messages.some((x) => x.id === m.id)) return c;
    const messages = [...c.messages, m].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    return { ...c, messages, lastMessageAt: maxIso(c.lastMessageAt, m.createdAt) };
  }
  return { ...c, ...event.data };
}

/** The answer streaming in with this piece added: pieces come in order (index 0, 1, …); a piece
 * already seen is ignored, and a new message id starts over. */
export function addDelta(stream: StreamingAnswer | null | undefined, d: Delta): StreamingAnswer | null {
  const current = stream && stream.messageId === d.messageId ? stream : { messageId: d.messageId, text: "", next: 0 };
  if (d.index !== current.next) return current;
  return { messageId: d.messageId, text: current.text + d.delta, next: current.next + 1 };
}

function maxIso(a: string, b: string): string {
  return a > b ? a : b;
}

/** True when an event means a person is now needed (the server's needsHuman on a conversation event). */
export function needsHumanNow(event: LiveEvent): boolean {
  return (event.type === "conversation.created" || event.type === "conversation.updated") && event.data.needsHuman;
}

/** A conversation's notes with a live one added (once, in time order). */
export function addNote<T extends { id: string; createdAt: string }>(notes: T[], note: T): T[] {
  if (notes.some((n) => n.id === note.id)) return notes;
  return [...notes, note].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** Messages and notes as one thread, oldest first (a note and a message of the same instant: the message first). */
export function mergeThread<M extends { createdAt: string }, N extends { createdAt: string }>(
  messages: M[],
  notes: N[],
): ({ kind: "message"; item: M } | { kind: "note"; item: N })[] {
  const out: ({ kind: "message"; item: M } | { kind: "note"; item: N })[] = [];
  let i = 0;
  let j = 0;
  while (i < messages.length || j < notes.length) {
    if (j >= notes.length || (i < messages.length && messages[i].createdAt <= notes[j].createdAt)) out.push({ kind: "message", item: messages[i++] });
    else out.push({ kind: "note", item: notes[j++] });
  }
  return out;
}

/** The ids of the members whose "@Name" is still in a note's text (a mention picked, then deleted, is dropped). */
export function mentionedIds(text: string, picked: { id: string; name: string }[]): string[] {
  return [...new Set(picked.filter((m) => m.name && text.includes(`@${m.name}`)).map((m) => m.id))];
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

/** Who answers the visitor now, as a card's badge says it: the AI, nobody yet (waiting for a person),
 * or the person who holds it. Never "an agent answers" before one did. */
export type WhoAnswers = { kind: "ai" } | { kind: "waiting" } | { kind: "agent"; name: string } | { kind: "person" };

export function whoAnswers(c: {
  status: string;
  responderMode: string;
  needsHuman: boolean;
  assignedUser?: { name: string } | null;
}): WhoAnswers {
  if (c.responderMode === "ai") return { kind: "ai" };
  if (c.needsHuman) return { kind: "waiting" };
  if (c.assignedUser) return { kind: "agent", name: c.assignedUser.name };
  return { kind: "person" };
}

/** Whole minutes since an instant (never negative). */
export function minutesSince(iso: string, now: number = Date.now()): number {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
}

/** A typing indicator fades this long after the last frame that said "typing" (frames come at most every 2 s). */
export const TYPING_FADE_MS = 6_000;

/** The last agent message the visitor has read, by the read receipt's time; null when none. */
export function lastSeenAgentMessage<M extends { id: string; role: string; createdAt: string }>(messages: M[], visitorReadAt: string | null | undefined): string | null {
  if (!visitorReadAt) return null;
  const seen = messages.filter((m) => m.role === "agent" && m.createdAt <= visitorReadAt);
  return seen.length ? seen[seen.length - 1].id : null;
}

/** A WhatsApp or Messenger message as stored for the AI and the transcripts: the kinds it leads with
 * ("[audio]", "[image] My order") and the customer's words after them. */
function described(content: string): { kinds: string[]; words: string } {
  const tags = /^(\[[a-z_]+\]\s*)+/.exec(content)?.[0] ?? "";
  return { kinds: [...tags.matchAll(/\[([a-z_]+)\]/g)].map((m) => m[1]), words: content.slice(tags.length).trim() };
}

/** What to print under an attachment: the kind it was stored with is what the player or picture above shows. */
export function attachmentCaption(content: string, attachmentName: string): string | null {
  const { words } = described(content);
  return words && words !== attachmentName ? words : null;
}

const DESCRIBED = ["audio", "video", "image", "document", "file", "sticker", "location", "contacts"];

/** A WhatsApp or Messenger message as the list previews it, its kinds in the agent's words ("🎤 Voice note",
 * "📷 Photo · My order"). */
export function describeMedia(content: string, label: (kind: string) => string): string {
  const { kinds, words } = described(content);
  if (kinds.length === 0 || !kinds.every((kind) => DESCRIBED.includes(kind))) return content;
  const said = kinds.map(label).join(", ");
  return words ? `${said} · ${words}` : said;
}
