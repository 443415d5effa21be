import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import type { components } from "../api/schema";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDateTime } from "../lib/format";
import { AUDIT_ACTIONS, AUDIT_AREAS, auditActionKey, auditQuery, downloadJson, exportFileName, noAuditFilters, type AuditFilters } from "../lib/privacy";
import { Button, Card, Empty, ErrorNotice, ErrorState, Loading, Notice } from "../components/ui";
import { NeedOrganization } from "./Members";

type AuditEntry = components["schemas"]["AuditEntryOut"];

const PAGE = 100;
// An export reads the filtered log in pages of the API's largest size, up to this many entries.
const EXPORT_PAGE = 500;
const EXPORT_MAX = 20_000;

/** Org admins: what the organisation's operators did, read-only, filtered, exportable as JSON. */
export function AuditLogPage() {
  const { t } = useTranslation();
  const { isAdmin } = useApp();
  return (
    <NeedOrganization>
      {isAdmin ? (
        <AuditLog />
      ) : (
        <div className="page">
          <Notice>{t("audit.adminsOnly")}</Notice>
        </div>
      )}
    </NeedOrganization>
  );
}

function AuditLog() {
  const { t } = useTranslation();
  const { orgId, org } = useApp();
  const [draft, setDraft] = useState<AuditFilters>(noAuditFilters);
  const [filters, setFilters] = useState<AuditFilters>(noAuditFilters);
  const path = `/organizations/${orgId}/audit`;
  const log = useInfiniteQuery({
    queryKey: ["audit", orgId, filters],
    queryFn: ({ pageParam }) => api<AuditEntry[]>(path, { query: { ...auditQuery(filters, pageParam), limit: PAGE } }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.length === PAGE ? last[last.length - 1].id : undefined),
  });
  const exported = useMutation({
    mutationFn: async () => {
      const all: AuditEntry[] = [];
      let before: number | undefined;
      while (all.length < EXPORT_MAX) {
        const page = await api<AuditEntry[]>(path, { query: { ...auditQuery(filters, before), limit: EXPORT_PAGE } });
        all.push(...page);
        if (page.length < EXPORT_PAGE) break;
        before = page[page.length - 1].id;
      }
      downloadJson(exportFileName("audit-log", org?.name ?? "organization", new Date().toISOString().slice(0, 10)), { organizationId: orgId, filters: auditQuery(filters), entries: all });
    },
  });
  const entries = log.data?.pages.flat() ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {t("audit.title")} <small className="muted">{org?.name}</small>
        </h1>
        <Button variant="secondary" busy={exported.isPending} onClick={() => exported.mutate()}>
          {t("audit.export")}
        </Button>
      </div>
      <p className="muted">{t("audit.intro")}</p>
      <ErrorNotice error={exported.error} />
      <Card>
        <form
          className="filters audit-filters"
          onSubmit={(e) => {
            e.preventDefault();
            setFilters(draft);
          }}
        >
          <label className="sr-only" htmlFor="audit-action">
            {t("audit.action")}
          </label>
          <select id="audit-action" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">{t("audit.allActions")}</option>
            {AUDIT_AREAS.map((area) => (
              <optgroup key={area} label={t(`audit.areas.${area}`)}>
                <option value={area}>{t("audit.everyIn", { area: t(`audit.areas.${area}`) })}</option>
                {AUDIT_ACTIONS[area].map((action) => (
                  <option key={action} value={action}>
                    {t(`audit.actions.${action.replace(".", "_")}`)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          <label className="sr-only" htmlFor="audit-actor">
            {t("audit.actor")}
          </label>
          <input id="audit-actor" className="grow" type="search" maxLength={200} placeholder={t("audit.actorPlaceholder")} value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
          <label className="inline-label">
            {t("audit.from")} <input type="date" min="2000-01-01" max="2999-12-31" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
          </label>
          <label className="inline-label">
            {t("audit.to")} <input type="date" min="2000-01-01" max="2999-12-31" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
          </label>
          <Button type="submit">{t("common.search")}</Button>
          <Button
            variant="ghost"
            onClick={() => {
              setDraft(noAuditFilters);
              setFilters(noAuditFilters);
            }}
          >
            {t("audit.clear")}
          </Button>
        </form>
        {log.isPending ? (
          <Loading />
        ) : log.isError ? (
          <ErrorState error={log.error} onRetry={() => void log.refetch()} />
        ) : entries.length === 0 ? (
          <Empty>{t("audit.empty")}</Empty>
        ) : (
          <div className="table-scroll">
            <table className="table audit-table stacked-table">
              <thead>
                <tr>
                  <th>{t("audit.when")}</th>
                  <th>{t("audit.actor")}</th>
                  <th>{t("audit.action")}</th>
                  <th>{t("audit.target")}</th>
                  <th>{t("audit.details")}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <Entry key={e.id} entry={e} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {log.hasNextPage && (
          <div className="row end">
            <Button variant="secondary" busy={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
              {t("audit.more")}
            </Button>
          </div>
        )}
      </Card>
    </div>
  );
}

function Entry({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation();
  const lang = useLang();
  const key = auditActionKey(entry.action);
  const details = Object.entries(entry.details);
  return (
    <tr>
      <td className="nowrap">{formatDateTime(entry.at, lang)}</td>
      <td data-label={t("audit.actor")}>{entry.actorEmail || (entry.actorUserId ? <code>{entry.actorUserId}</code> : <span className="muted">{t("audit.system")}</span>)}</td>
      <td data-label={t("audit.action")}>
        {key ? t(key) : null} <code className="muted">{entry.action}</code>
      </td>
      <td className="break" data-label={t("audit.target")}>
        {entry.target ?? "—"}
      </td>
      <td className="break" data-label={t("audit.details")}>
        {details.length === 0
          ? "—"
          : details.map(([k, v]) => (
              <div key={k}>
                <span className="muted">{k}:</span> {typeof v === "string" ? v : JSON.stringify(v)}
              </div>
            ))}
      </td>
    </tr>
  );
}
