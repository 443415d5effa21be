/** The inbox's filters: kept in the URL's query string, turned into the API's query parameters. */
import type { Lang, ResponderMode, Status } from "./types";

export type InboxView = "mine" | "unassigned" | "waiting" | "all";
const VIEWS: InboxView[] = ["mine", "unassigned", "waiting", "all"];

export interface InboxFilters {
  /** Mine, Unassigned, Waiting for a person, All (the default): not a filter the "clear" button clears. */
  view?: InboxView;
  organizationId?: string;
  channelId?: string;
  labelId?: string;
  /** Website, WhatsApp or Messenger conversations only. */
  channelType?: ChannelType;
  status: Status[];
  responderMode?: ResponderMode;
  language?: Lang;
  q?: string;
}

const STATUSES: Status[] = ["open", "pending", "closed"];
export type ChannelType = "website" | "whatsapp" | "messenger";
const CHANNEL_TYPES: ChannelType[] = ["website", "whatsapp", "messenger"];

export function filtersFromSearch(search: URLSearchParams): InboxFilters {
  const pick = <T extends string>(value: string | null, allowed: readonly T[]): T | undefined =>
    value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
  const uuid = (value: string | null) => (value && /^[0-9a-f-]{36}$/i.test(value) ? value : undefined);
  const q = search.get("q")?.trim();
  const view = pick(search.get("view"), VIEWS);
  return {
    view: view === "all" ? undefined : view,
    organizationId: uuid(search.get("organizationId")),
    channelId: uuid(search.get("channelId")),
    labelId: uuid(search.get("labelId")),
    channelType: pick(search.get("channelType"), CHANNEL_TYPES),
    status: search.getAll("status").filter((s): s is Status => (STATUSES as string[]).includes(s)),
    responderMode: pick(search.get("responderMode"), ["ai", "human"] as const),
    language: pick(search.get("language"), ["en", "es"] as const),
    q: q ? q.slice(0, 200) : undefined,
  };
}

export function filtersToSearch(filters: InboxFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.view && filters.view !== "all") params.set("view", filters.view);
  if (filters.organizationId) params.set("organizationId", filters.organizationId);
  if (filters.channelId) params.set("channelId", filters.channelId);
  if (filters.labelId) params.set("labelId", filters.labelId);
  if (filters.channelType) params.set("channelType", filters.channelType);
  filters.status.forEach((s) => params.append("status", s));
  if (filters.responderMode) params.set("responderMode", filters.responderMode);
  if (filters.language) params.set("language", filters.language);
  if (filters.q) params.set("q", filters.q);
  return params;
}

/** The API's query for one page of the inbox. */
export function filtersToQuery(filters: InboxFilters, cursor?: string | null): Record<string, string | string[] | undefined> {
  return {
    view: filters.view,
    organizationId: filters.organizationId,
    channelId: filters.channelId,
    labelId: filters.labelId,
    channelType: filters.channelType,
    status: filters.status.length ? filters.status : undefined,
    responderMode: filters.responderMode,
    language: filters.language,
    q: filters.q,
    cursor: cursor ?? undefined,
    limit: "25",
  };
}

export function activeFilterCount(filters: InboxFilters): number {
  return [filters.organizationId, filters.channelId, filters.labelId, filters.channelType, filters.responderMode, filters.language, filters.q].filter(Boolean).length + (filters.status.length ? 1 : 0);
}

/** Whether a conversation (as the list or a live event knows it) passes the filters that can be checked locally. */
export function matchesFilters(
  c: { organizationId: string; channelId: string; status: Status; responderMode: ResponderMode; language: Lang; channelType?: ChannelType },
  filters: InboxFilters,
): boolean {
  if (filters.organizationId && c.organizationId !== filters.organizationId) return false;
  if (filters.channelType && (c.channelType ?? "website") !== filters.channelType) return false;
  if (filters.channelId && c.channelId !== filters.channelId) return false;
  if (filters.status.length && !filters.status.includes(c.status)) return false;
  if (filters.responderMode && c.responderMode !== filters.responderMode) return false;
  if (filters.language && c.language !== filters.language) return false;
  return true;
}
