/** The knowledge base on the client: entry types, polling while ingestion runs, files as base64. */
import type { KnowledgeEntry, KnowledgeUpdate } from "./types";

export type { KnowledgeEntry };
export type KnowledgeSource = KnowledgeEntry["source"];
export type KnowledgeStatus = KnowledgeEntry["status"];

/** The list filter: every entry, the organisation-wide ones, or one channel's own. */
export type KnowledgeFilter = "all" | "org" | string;

export const POLL_MS = 3000;
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const FILE_EXTENSIONS = [".txt", ".md", ".pdf"];

/** Whether any entry is still being processed (new, edited, or embedded again with a new model). */
export function hasPending(entries: KnowledgeEntry[] | undefined): boolean {
  return !!entries?.some((e) => e.status === "pending" || e.status === "reembedding");
}

/** TanStack Query's refetchInterval: every 3 s while any entry is processed, otherwise none. */
export function pollInterval(entries: KnowledgeEntry[] | undefined): number | false {
  return hasPending(entries) ? POLL_MS : false;
}

/** The API's channelId query parameter for a filter ("org" is narrowed on the client). */
export function filterQuery(filter: KnowledgeFilter): string | undefined {
  return filter === "all" || filter === "org" ? undefined : filter;
}

export function applyFilter(entries: KnowledgeEntry[], filter: KnowledgeFilter): KnowledgeEntry[] {
  if (filter === "all") return entries;
  if (filter === "org") return entries.filter((e) => e.channelId === null);
  return entries.filter((e) => e.channelId === filter);
}

/** Why a file cannot be sent, as an i18n key, or null when it can. */
export function fileProblem(file: { name: string; size: number }): "ai.kb.fileType" | "ai.kb.fileTooLarge" | null {
  const name = file.name.toLowerCase();
  if (!FILE_EXTENSIONS.some((ext) => name.endsWith(ext))) return "ai.kb.fileType";
  if (file.size > MAX_FILE_BYTES) return "ai.kb.fileTooLarge";
  return null;
}

/** Bytes as base64, in slices so that large files do not overflow the argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}

/** The part of a data: URL after "base64,". */
export function dataUrlToBase64(url: string): string {
  const i = url.indexOf("base64,");
  return i < 0 ? "" : url.slice(i + 7);
}

/** A file read in the browser (FileReader) as base64, without the data: URL prefix. */
export function fileToBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(dataUrlToBase64(String(reader.result)));
    reader.onerror = () => reject(reader.error ?? new Error("read failed"));
    reader.readAsDataURL(file);
  });
}

/** Only what changed, for PATCH; null when nothing did. */
export function entryChanges(
  entry: KnowledgeEntry,
  draft: { title: string; content: string; url: string },
): KnowledgeUpdate | null {
  const body: KnowledgeUpdate = {};
  if (draft.title.trim() && draft.title.trim() !== entry.title) body.title = draft.title.trim();
  if (entry.source === "url") {
    if (draft.url.trim() && draft.url.trim() !== (entry.sourceUrl ?? "")) body.url = draft.url.trim();
  } else if (draft.content.trim() && draft.content !== entry.content) {
    body.content = draft.content;
  }
  return Object.keys(body).length ? body : null;
}
