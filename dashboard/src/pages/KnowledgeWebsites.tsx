/** The Knowledge tab's websites (issue #17, item 3): whole sites the AI learns from, crawled in the
 * background from a start page or a sitemap, each page an entry with its URL. Members read them;
 * admins add one, sync it now or remove it. Refreshed while a site syncs. */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDateTime, formatNumber } from "../lib/format";
import { POLL_MS } from "../lib/knowledge";
import { useConfirmedDelete } from "../lib/deletion";
import type { Channel, KnowledgeEntry, KnowledgeWebsite, KnowledgeWebsiteCreate } from "../lib/types";
import { Badge, Button, Card, ConfirmDialog, DialogForm, ErrorNotice, Field, Modal, Notice, QueryResult } from "../components/ui";

const SITE_TONES: Record<KnowledgeWebsite["status"], "amber" | "green" | "red"> = {
  pending: "amber", syncing: "amber", ready: "green", failed: "red",
};
const PAGE_TONES: Record<KnowledgeEntry["status"], "amber" | "green" | "red"> = {
  pending: "amber", reembedding: "amber", ready: "green", failed: "red",
};

/** Every 3 s while a site syncs, otherwise none. */
export function sitesPollInterval(sites: KnowledgeWebsite[] | undefined): number | false {
  return sites?.some((s) => s.status === "syncing" || s.status === "pending") ? POLL_MS : false;
}

export function KnowledgeWebsites({ channels }: { channels: Channel[] }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId, isAdmin } = useApp();
  const client = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const sites = useQuery({
    queryKey: ["knowledge-websites", orgId],
    queryFn: () => api<KnowledgeWebsite[]>(`/organizations/${orgId}/knowledge-websites`),
    refetchInterval: (q) => sitesPollInterval(q.state.data),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ["knowledge-websites", orgId] });
  const sync = useMutation({
    mutationFn: (site: KnowledgeWebsite) => api<KnowledgeWebsite>(`/organizations/${orgId}/knowledge-websites/${site.id}/sync`, { method: "POST" }),
    onSuccess: (site) => {
      setDone(t("ai.kb.sites.syncStarted", { url: site.startUrl }));
      refresh();
    },
  });
  const removal = useConfirmedDelete(
    (site: KnowledgeWebsite) => api(`/organizations/${orgId}/knowledge-websites/${site.id}`, { method: "DELETE" }),
    (site) => {
      setDone(t("ai.kb.sites.removed", { url: site.startUrl }));
      refresh();
    },
  );
  const channelName = (id: string | null) =>
    id === null ? t("ai.kb.orgWide") : (channels.find((c) => c.id === id)?.name ?? id.slice(0, 8));
  const shown = sites.data ?? [];
  return (
    <Card
      className="knowledge knowledge-sites"
      title={t("ai.kb.sites.title")}
      actions={isAdmin ? <Button variant="secondary" onClick={() => { setDone(null); setAdding(true); }}>{t("ai.kb.sites.add")}</Button> : undefined}
    >
      <p className="muted small">{t("ai.kb.sites.intro")}</p>
      {done && <Notice kind="success">{done}</Notice>}
      {sync.error && <ErrorNotice error={sync.error} />}
      <QueryResult query={sites} onRetry={() => void sites.refetch()} isEmpty={() => shown.length === 0} empty={t("ai.kb.sites.empty")}>
        {() => (
          <ul className="site-list">
            {shown.map((s) => (
              <li key={s.id} className="site" data-site={s.id} data-status={s.status}>
                <div className="site-head">
                  <div className="site-name">
                    <strong className="site-url" title={s.startUrl}>{s.startUrl}</strong>
                    <div className="muted small">
                      {t(`ai.kb.sites.modes.${s.mode}`)} · {channelName(s.channelId)}
                      {s.lastSyncedAt && <> · {t("ai.kb.sites.lastSynced", { when: formatDateTime(s.lastSyncedAt, lang) })}</>}
                    </div>
                  </div>
                  <Badge tone={SITE_TONES[s.status]}>{t(`ai.kb.sites.statuses.${s.status}`)}</Badge>
                </div>
                <p className="small site-counts">
                  {t("ai.kb.sites.pages", { count: s.pages, pages: formatNumber(s.pages, lang), cap: formatNumber(s.pageCap, lang) })}
                  {s.pagesPending > 0 && <> · {t("ai.kb.sites.pagesPending", { count: s.pagesPending, n: formatNumber(s.pagesPending, lang) })}</>}
                  {s.pagesFailed > 0 && <> · {t("ai.kb.sites.pagesFailed", { count: s.pagesFailed, n: formatNumber(s.pagesFailed, lang) })}</>}
                </p>
                {s.pageCapReached && <Notice>{t("ai.kb.sites.capReached", { cap: formatNumber(s.pageCap, lang) })}</Notice>}
                {s.status === "failed" && s.error && <p className="error-text small">{s.error}</p>}
                <div className="row site-actions">
                  <Button variant="ghost" aria-expanded={open === s.id} onClick={() => setOpen(open === s.id ? null : s.id)}>
                    {open === s.id ? t("ai.kb.sites.hidePages") : t("ai.kb.sites.showPages")}
                  </Button>
                  {isAdmin && (
                    <>
                      <Button variant="ghost" disabled={sync.isPending || s.status === "syncing"} onClick={() => { setDone(null); sync.mutate(s); }}>
                        {t("ai.kb.sites.syncNow")}
                      </Button>
                      <Button variant="ghost" onClick={() => removal.ask(s)}>{t("ai.kb.sites.remove")}</Button>
                    </>
                  )}
                </div>
                {open === s.id && <SitePages site={s} />}
              </li>
            ))}
          </ul>
        )}
      </QueryResult>
      <Modal open={adding} title={t("ai.kb.sites.add")} onClose={() => setAdding(false)}>
        {adding && (
          <AddWebsiteForm
            channels={channels}
            onClose={() => setAdding(false)}
            onDone={(site) => {
              setAdding(false);
              setDone(t("ai.kb.sites.added", { url: site.startUrl }));
              refresh();
            }}
          />
        )}
      </Modal>
      <ConfirmDialog
        {...removal.dialog}
        title={t("ai.kb.sites.removeTitle", { url: removal.target?.startUrl ?? "" })}
        message={t("ai.kb.sites.removeWarning")}
        confirmLabel={t("ai.kb.sites.remove")}
      />
    </Card>
  );
}

/** One site's pages: title, URL (its source), status and why a page failed. */
function SitePages({ site }: { site: KnowledgeWebsite }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId } = useApp();
  const pages = useQuery({
    queryKey: ["knowledge", orgId, "website", site.id],
    queryFn: () => api<KnowledgeEntry[]>(`/organizations/${orgId}/knowledge`, { query: { websiteId: site.id } }),
    refetchInterval: (q) => (q.state.data?.some((p) => p.status === "pending" || p.status === "reembedding") ? POLL_MS : false),
  });
  const shown = [...(pages.data ?? [])].sort((a, b) => (a.sourceUrl ?? "").localeCompare(b.sourceUrl ?? ""));
  return (
    <QueryResult query={pages} onRetry={() => void pages.refetch()} isEmpty={() => shown.length === 0} empty={t("ai.kb.sites.noPages")}>
      {() => (
        <div className="table-wrap site-pages">
          <table className="table">
            <caption className="sr-only">{t("ai.kb.sites.pagesOf", { url: site.startUrl })}</caption>
            <thead>
              <tr>
                <th>{t("ai.kb.title")}</th>
                <th>{t("ai.kb.sites.pageUrl")}</th>
                <th>{t("common.status")}</th>
                <th>{t("ai.kb.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.id} data-status={p.status}>
                  <td><strong>{p.title}</strong></td>
                  <td>
                    <a className="kb-origin site-page-url" href={p.sourceUrl ?? undefined} target="_blank" rel="noopener noreferrer nofollow">
                      {p.sourceUrl}
                    </a>
                  </td>
                  <td>
                    <Badge tone={PAGE_TONES[p.status]}>{t(`ai.kb.statuses.${p.status}`)}</Badge>
                    {p.status === "failed" && p.error && <div className="error-text small kb-error">{p.error}</div>}
                  </td>
                  <td><time dateTime={p.updatedAt}>{formatDateTime(p.updatedAt, lang)}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </QueryResult>
  );
}

function AddWebsiteForm({ channels, onClose, onDone }: { channels: Channel[]; onClose: () => void; onDone: (site: KnowledgeWebsite) => void }) {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const [url, setUrl] = useState("");
  const [scope, setScope] = useState("");
  const create = useMutation({
    mutationFn: () => {
      const body: KnowledgeWebsiteCreate = { url: url.trim(), channelId: scope || null };
      return api<KnowledgeWebsite>(`/organizations/${orgId}/knowledge-websites`, { method: "POST", body });
    },
    onSuccess: onDone,
  });
  return (
    <DialogForm onSubmit={() => create.mutate()} onCancel={onClose} submitLabel={t("ai.kb.sites.addSubmit")} busy={create.isPending} error={create.error}>
      <Field label={t("ai.kb.sites.url")} hint={t("ai.kb.sites.urlHint")}>
        {(id) => <input id={id} type="url" required maxLength={2000} pattern="https?://.+" placeholder="https://" value={url} onChange={(e) => setUrl(e.target.value)} autoFocus />}
      </Field>
      <Field label={t("ai.kb.scope")}>
        {(id) => (
          <select id={id} value={scope} onChange={(e) => setScope(e.target.value)}>
            <option value="">{t("ai.kb.orgWide")}</option>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>{c.name}</option>
            ))}
          </select>
        )}
      </Field>
      <p className="muted small">{t("ai.kb.sites.rules")}</p>
    </DialogForm>
  );
}
