/** The AI settings' preview chat: test messages answered by the real pipeline, nothing stored or counted. */
import type { Lang, PreviewReply, PreviewRequest, PreviewSource } from "./types";

export type { PreviewReply, PreviewRequest, PreviewSource };

/** The API takes at most 20 earlier turns, 2000 characters a message and 8000 in all. */
export const MAX_HISTORY = 20;
export const MAX_MESSAGE = 2000;
export const MAX_TOTAL = 8000;

/** A turn of the preview chat as the page shows it (an answer with its fallback flag and sources). */
export interface PreviewTurn {
  role: "visitor" | "ai";
  content: string;
  fallback?: boolean;
  // Why the provider gave no answer: it rejected the key, or it could not be reached.
  failure?: "key_rejected" | "provider_down" | null;
  // The AI would hand this conversation to a person (nothing is handed off in a preview).
  handoff?: PreviewReply["handoff"];
  sources?: PreviewSource[];
}

/** The last `max` turns with text, as the API takes them (role and content only, each cut to 2000 characters). */
export function trimHistory(turns: PreviewTurn[], max = MAX_HISTORY): NonNullable<PreviewRequest["history"]> {
  const usable = turns.map((t) => ({ role: t.role, content: t.content.trim().slice(0, MAX_MESSAGE) })).filter((t) => t.content !== "");
  return max <= 0 ? [] : usable.slice(-max);
}

/** The request for a new message after `turns`; null when the message is empty once trimmed. */
export function previewRequest(message: string, turns: PreviewTurn[], channelId: string, language: Lang): PreviewRequest | null {
  const text = message.trim();
  if (!text) return null;
  const sent = text.slice(0, MAX_MESSAGE);
  // The newest turns that fit beside the message in the API's 8000 characters.
  const history = trimHistory(turns);
  let total = sent.length + history.reduce((sum, t) => sum + t.content.length, 0);
  while (history.length > 0 && total > MAX_TOTAL) total -= history.shift()!.content.length;
  return {
    message: sent,
    history,
    ...(channelId ? { channelId } : {}),
    language: language === "es" ? "es" : "en",
  };
}

/** The titles of the sources, each once, in order. */
export function sourceTitles(sources: PreviewSource[]): string[] {
  return [...new Set(sources.map((s) => s.title))];
}
