/** The agents' workspace around the inbox: the views and their live counts, the waiting count on the
 * navigation and in the tab's title, the availability switch, who holds a conversation. */
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { useApp } from "../../lib/app";
import { POLL_MS, useLive } from "../../lib/live";
import type { Conversation } from "../../lib/types";
import type { components } from "../../api/schema";
import { ErrorNotice, Switch } from "../ui";
import "./workspace.css";

type Schemas = components["schemas"];
export type ViewCounts = Schemas["ViewCountsOut"];
export type View = "mine" | "unassigned" | "waiting" | "all";
export const VIEWS: View[] = ["mine", "unassigned", "waiting", "all"];
type Member = Schemas["MemberOut"];

/** Under the "conversations" key: every live event invalidates it, so the counts follow the inbox. */
export function useViewCounts(organizationId: string | null | undefined) {
  const live = useLive();
  return useQuery({
    queryKey: ["conversations", "counts", organizationId ?? "all"],
    queryFn: () => api<ViewCounts>("/conversations/counts", { query: { organizationId: organizationId ?? undefined } }),
    refetchInterval: live ? false : POLL_MS,
  });
}

/** "(3) ChatFlow360": the number waiting for a person, first in the tab's title. */
export function titleWithWaiting(title: string, waiting: number): string {
  const bare = title.replace(/^\(\d+\) /, "");
  return waiting > 0 ? `(${waiting}) ${bare}` : bare;
}

/** The waiting count beside "Conversations" in the navigation, and in the tab's title. */
export function WaitingBadge() {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const counts = useViewCounts(orgId);
  const waiting = counts.data?.waiting ?? 0;
  useEffect(() => {
    document.title = titleWithWaiting(document.title, waiting);
  }, [waiting]);
  if (waiting === 0) return null;
  return (
    <span className="nav-count" aria-label={t("workspace.waitingCount", { count: waiting })}>
      {waiting}
    </span>
  );
}

/** Available / away in the current organisation: away members get no conversation by auto-assignment. */
export function AvailabilitySwitch() {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const client = useQueryClient();
  const key = ["availability", orgId];
  const state = useQuery({ queryKey: key, queryFn: () => api<{ available: boolean }>(`/organizations/${orgId}/availability`), enabled: Boolean(orgId) });
  const change = useMutation({
    mutationFn: (available: boolean) => api<{ available: boolean }>(`/organizations/${orgId}/availability`, { method: "PUT", body: { available } }),
    onSuccess: (data) => client.setQueryData(key, data),
  });
  if (!orgId || !state.data) return null;
  const available = state.data.available;
  return (
    <span className="availability">
      <span className={`presence ${available ? "on" : "off"}`} aria-hidden="true" />
      <span className="small">{available ? t("workspace.available") : t("workspace.away")}</span>
      <Switch checked={available} onChange={(v) => change.mutate(v)} label={t("workspace.availability")} />
    </span>
  );
}

/** The views of the inbox as tabs, each with its count. */
export function ViewTabs({ value, onChange, organizationId }: { value: View; onChange: (v: View) => void; organizationId?: string }) {
  const { t } = useTranslation();
  const counts = useViewCounts(organizationId);
  return (
    <div className="tabs view-tabs" role="tablist" aria-label={t("workspace.views")}>
      {VIEWS.map((view) => (
        <button key={view} type="button" role="tab" aria-selected={value === view} className={value === view ? "tab active" : "tab"} onClick={() => onChange(view)}>
          {t(`workspace.view.${view}`)}
          {counts.data && <span className={`tab-count ${view === "waiting" && counts.data.waiting > 0 ? "hot" : ""}`}>{counts.data[view]}</span>}
        </button>
      ))}
    </div>
  );
}

/** Who holds the conversation: assign to me, to a colleague, or to nobody. */
export function AssignControl({ c, onChange }: { c: Conversation; onChange: (c: Conversation) => void }) {
  const { t } = useTranslation();
  const { me } = useApp();
  const members = useQuery({
    queryKey: ["members", c.organizationId],
    queryFn: () => api<Member[]>(`/organizations/${c.organizationId}/members`),
    staleTime: 60_000,
  });
  const assign = useMutation({
    mutationFn: (assigneeId: string | null) => api<Conversation>(`/conversations/${c.id}/assignee`, { method: "PUT", body: { assigneeId } }),
    onSuccess: onChange,
  });
  const current = c.assignedUser?.id ?? "";
  const active = (members.data ?? []).filter((m) => m.active);
  return (
    <span className="assign">
      <label className="sr-only" htmlFor={`assignee-${c.id}`}>
        {t("workspace.assignee")}
      </label>
      <select id={`assignee-${c.id}`} value={current} disabled={assign.isPending} onChange={(e) => assign.mutate(e.target.value || null)}>
        <option value="">{t("workspace.nobody")}</option>
        {c.assignedUser && !active.some((m) => m.userId === c.assignedUser?.id) && <option value={c.assignedUser.id}>{c.assignedUser.name}</option>}
        {active.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.userId === me.user.id ? t("workspace.me", { name: m.name || m.email }) : m.name || m.email}
          </option>
        ))}
      </select>
      {current !== me.user.id && (
        <button type="button" className="link-btn small" data-shortcut="a" onClick={() => assign.mutate(me.user.id)} disabled={assign.isPending}>
          {t("workspace.assignToMe")}
        </button>
      )}
      <ErrorNotice error={assign.error} />
    </span>
  );
}
