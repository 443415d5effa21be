/** The AI settings' Knowledge tab: the organisation's knowledge base, refreshed while entries are processed. */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDateTime, formatNumber } from "../lib/format";
import {
  applyFilter, entryChanges, fileProblem, fileToBase64, filterQuery, pollInterval, type KnowledgeEntry, type KnowledgeFilter,
  type KnowledgeSource, type KnowledgeStatus,
} from "../lib/knowledge";
import { useConfirmedDelete } from "../lib/deletion";
import type { Channel, KnowledgeCreate, KnowledgeGap } from "../lib/types";
import { Badge, Button, Card, ConfirmDialog, DialogForm, Field, Modal, Notice, QueryResult } from "../components/ui";
import { KnowledgeGaps } from "./KnowledgeGaps";
import { KnowledgeWebsites } from "./KnowledgeWebsites";

/** What the entry form adds (a website's pages come from its site: KnowledgeWebsites). */
type AddedSource = Exclude<KnowledgeSource, "page">;

/** Where a file or web page entry came from, when its title does not already say it. */
function origin(e: KnowledgeEntry): string | null {
  const from = e.source === "url" ? e.sourceUrl : e.source === "file" ? e.fileName : null;
  return from && from !== e.title ? from : null;
}

const TONES: Record<KnowledgeStatus, "amber" | "green" | "red"> = { pending: "amber", reembedding: "amber", ready: "green", failed: "red" };

export function KnowledgeTab() {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId, isAdmin } = useApp();
  const client = useQueryClient();
  const [filter, setFilter] = useState<KnowledgeFilter>("all");
  const [adding, setAdding] = useState<AddedSource | null>(null);
  // "Add an answer" to a knowledge gap: the text form, pre-filled with its question.
  const [answering, setAnswering] = useState<KnowledgeGap | null>(null);
  const [gapDone, setGapDone] = useState<string | null>(null);
  const [editing, setEditing] = useState<KnowledgeEntry | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const channels = useQuery({ queryKey: ["channels", orgId], queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`) });
  const channelId = filterQuery(filter);
  const key = ["knowledge", orgId, channelId ?? null];
  const entries = useQuery({
    queryKey: key,
    queryFn: () => api<KnowledgeEntry[]>(`/organizations/${orgId}/knowledge`, { query: { channelId } }),
    refetchInterval: (q) => pollInterval(q.state.data),
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ["knowledge", orgId] });
  const deletion = useConfirmedDelete(
    (e: KnowledgeEntry) => api(`/organizations/${orgId}/knowledge/${e.id}`, { method: "DELETE" }),
    (e) => {
      setDone(t("ai.kb.deleted", { title: e.title }));
      refresh();
    },
  );
  const channelName = (id: string | null) =>
    id === null ? t("ai.kb.orgWide") : (channels.data?.find((c) => c.id === id)?.name ?? id.slice(0, 8));
  const shown = entries.data ? applyFilter(entries.data, filter) : [];
  const pending = shown.some((e) => e.status === "pending" || e.status === "reembedding");
  const open = (kind: AddedSource) => {
    setDone(null);
    setAnswering(null);
    setAdding(kind);
  };
  const answer = (gap: KnowledgeGap) => {
    setDone(null);
    setGapDone(null);
    setAnswering(gap);
    setAdding("text");
  };
  return (
    <>
    <Card
      className="knowledge"
      actions={
        isAdmin ? (
          <div className="row">
            <Button variant="secondary" onClick={() => open("text")}>{t("ai.kb.addText")}</Button>
            <Button variant="secondary" onClick={() => open("file")}>{t("ai.kb.addFile")}</Button>
            <Button variant="secondary" onClick={() => open("url")}>{t("ai.kb.addUrl")}</Button>
          </div>
        ) : undefined
      }
      title={t("ai.knowledge")}
    >
      <p className="muted small">{t("ai.kb.intro")}</p>
      {!isAdmin && <Notice>{t("ai.kb.readOnly")}</Notice>}
      <div className="filters">
        <label className="sr-only" htmlFor="kb-filter">{t("ai.kb.filter")}</label>
        <select id="kb-filter" aria-label={t("ai.kb.filter")} value={filter} onChange={(e) => setFilter(e.target.value)}>
          <option value="all">{t("ai.kb.all")}</option>
          <option value="org">{t("ai.kb.orgWide")}</option>
          {channels.data?.map((c) => (
            <option key={c.id} value={c.id}>{c.name}</option>
          ))}
        </select>
      </div>
      {done && <Notice kind="success">{done}</Notice>}
      {pending && <p className="muted small" role="status">{t("ai.kb.refreshing")}</p>}
      <QueryResult query={entries} onRetry={() => void entries.refetch()} isEmpty={() => shown.length === 0} empty={filter === "all" ? t("ai.kb.empty") : t("ai.kb.emptyFiltered")}>
        {() => (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t("ai.kb.title")}</th>
                  <th>{t("ai.kb.source")}</th>
                  <th>{t("ai.kb.scope")}</th>
                  <th>{t("common.status")}</th>
                  <th>{t("ai.kb.chunks")}</th>
                  <th>{t("ai.kb.updated")}</th>
                  {isAdmin && <th><span className="sr-only">{t("common.edit")}</span></th>}
                </tr>
              </thead>
              <tbody>
                {shown.map((e) => (
                  <tr key={e.id} data-status={e.status}>
                    <td>
                      <strong>{e.title}</strong>
                      {origin(e) && <div className="muted small kb-origin" title={origin(e) ?? undefined}>{origin(e)}</div>}
                    </td>
                    <td>{t(`ai.kb.kinds.${e.source}`)}</td>
                    <td>{channelName(e.channelId)}</td>
                    <td>
                      <Badge tone={TONES[e.status]}>{t(`ai.kb.statuses.${e.status}`)}</Badge>
                      {e.status === "failed" && e.error && <div className="error-text small kb-error">{e.error}</div>}
                    </td>
                    <td>{formatNumber(e.chunkCount, lang)}</td>
                    <td><time dateTime={e.updatedAt}>{formatDateTime(e.updatedAt, lang)}</time></td>
                    {isAdmin && (
                      <td>
                        <div className="row end kb-actions">
                          <Button variant="ghost" onClick={() => { setDone(null); setEditing(e); }}>{t("common.edit")}</Button>
                          <Button variant="ghost" onClick={() => deletion.ask(e)}>{t("common.delete")}</Button>
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryResult>
      <AddDialog
        kind={adding}
        gap={answering}
        channels={channels.data ?? []}
        defaultChannel={filter === "all" || filter === "org" ? null : filter}
        onClose={() => {
          setAdding(null);
          setAnswering(null);
        }}
        onDone={(e) => {
          setAdding(null);
          if (answering) {
            setGapDone(t("ai.gaps.answered", { title: e.title }));
            void client.invalidateQueries({ queryKey: ["knowledge-gaps", orgId] });
          } else {
            setDone(t("ai.kb.added", { title: e.title }));
          }
          setAnswering(null);
          refresh();
        }}
      />
      <EditDialog entry={editing} onClose={() => setEditing(null)} onDone={() => { setEditing(null); refresh(); }} />
      <ConfirmDialog
        {...deletion.dialog}
        title={t("ai.kb.deleteTitle", { title: deletion.target?.title ?? "" })}
        message={t("ai.kb.deleteWarning")}
        confirmLabel={t("common.delete")}
      />
    </Card>
    <KnowledgeWebsites channels={channels.data ?? []} />
    <KnowledgeGaps onAnswer={answer} notice={gapDone} />
    </>
  );
}

function AddDialog({
  kind, gap, channels, defaultChannel, onClose, onDone,
}: {
  kind: AddedSource | null; gap: KnowledgeGap | null; channels: Channel[]; defaultChannel: string | null; onClose: () => void; onDone: (e: KnowledgeEntry) => void;
}) {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const titles: Record<AddedSource, string> = { text: t("ai.kb.addText"), file: t("ai.kb.addFile"), url: t("ai.kb.addUrl") };
  return (
    <Modal open={kind !== null} title={gap ? t("ai.gaps.addAnswer") : kind ? titles[kind] : ""} onClose={onClose}>
      {kind && <AddForm key={`${kind}-${gap?.id ?? ""}`} kind={kind} gap={gap} orgId={orgId ?? ""} channels={channels} defaultChannel={gap ? null : defaultChannel} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function AddForm({
  kind, gap, orgId, channels, defaultChannel, onClose, onDone,
}: {
  kind: AddedSource; gap: KnowledgeGap | null; orgId: string; channels: Channel[]; defaultChannel: string | null; onClose: () => void; onDone: (e: KnowledgeEntry) => void;
}) {
  const { t } = useTranslation();
  const [scope, setScope] = useState(defaultChannel ?? "");
  // Answering a gap: its question is the entry's title (the answer goes in the text).
  const [title, setTitle] = useState(gap ? gap.question.trim().slice(0, 200) : "");
  const [content, setContent] = useState("");
  const [url, setUrl] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const problem = file ? fileProblem(file) : null;
  const create = useMutation({
    mutationFn: async () => {
      const body: KnowledgeCreate = { channelId: scope || null };
      if (gap) body.gapId = gap.id;
      if (title.trim()) body.title = title.trim();
      if (kind === "text") body.content = content;
      if (kind === "url") body.url = url.trim();
      if (kind === "file" && file) {
        body.fileName = file.name;
        body.fileBase64 = await fileToBase64(file);
      }
      return api<KnowledgeEntry>(`/organizations/${orgId}/knowledge`, { method: "POST", body });
    },
    onSuccess: onDone,
  });
  return (
    <DialogForm
      onSubmit={() => {
        if (!problem) create.mutate();
      }}
      onCancel={onClose}
      submitLabel={t("common.save")}
      busy={create.isPending}
      disabled={!!problem}
      error={create.error}
    >
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
      <Field label={kind === "text" ? t("ai.kb.title") : t("ai.kb.titleOptional")}>
        {(id) => <input id={id} required={kind === "text"} maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus={!gap} />}
      </Field>
      {kind === "text" && (
        <Field label={t("ai.kb.content")}>
          {(id) => <textarea id={id} required rows={10} maxLength={200000} value={content} onChange={(e) => setContent(e.target.value)} autoFocus={!!gap} />}
        </Field>
      )}
      {kind === "file" && (
        <Field label={t("ai.kb.file")} hint={t("ai.kb.fileHint")}>
          {(id) => <input id={id} type="file" required accept=".txt,.md,.pdf,text/plain,text/markdown,application/pdf" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
      )}
      {kind === "url" && (
        <Field label={t("ai.kb.url")}>
          {(id) => <input id={id} type="url" required maxLength={2000} pattern="https?://.+" placeholder="https://" value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
      )}
      {problem && <Notice kind="error">{t(problem)}</Notice>}
    </DialogForm>
  );
}

function EditDialog({ entry, onClose, onDone }: { entry: KnowledgeEntry | null; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal open={entry !== null} title={t("ai.kb.editTitle", { title: entry?.title ?? "" })} onClose={onClose}>
      {entry && <EditForm key={entry.id} entry={entry} onClose={onClose} onDone={onDone} />}
    </Modal>
  );
}

function EditForm({ entry, onClose, onDone }: { entry: KnowledgeEntry; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const [draft, setDraft] = useState({ title: entry.title, content: entry.content, url: entry.sourceUrl ?? "" });
  const changes = entryChanges(entry, draft);
  const save = useMutation({
    mutationFn: () => api<KnowledgeEntry>(`/organizations/${orgId}/knowledge/${entry.id}`, { method: "PATCH", body: changes }),
    onSuccess: onDone,
  });
  return (
    <DialogForm
      onSubmit={() => {
        if (changes) save.mutate();
      }}
      onCancel={onClose}
      submitLabel={t("common.save")}
      busy={save.isPending}
      disabled={!changes}
      error={save.error}
    >
      <Field label={t("ai.kb.title")}>
        {(id) => <input id={id} required maxLength={200} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} autoFocus />}
      </Field>
      {entry.source === "url" ? (
        <Field label={t("ai.kb.url")}>
          {(id) => <input id={id} type="url" required maxLength={2000} value={draft.url} onChange={(e) => setDraft({ ...draft, url: e.target.value })} />}
        </Field>
      ) : (
        <Field label={t("ai.kb.content")}>
          {(id) => <textarea id={id} required rows={12} maxLength={200000} value={draft.content} onChange={(e) => setDraft({ ...draft, content: e.target.value })} />}
        </Field>
      )}
      <p className="muted small">{t("ai.kb.reembed")}</p>
    </DialogForm>
  );
}
