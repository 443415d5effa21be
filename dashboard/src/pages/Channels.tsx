import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp } from "../lib/app";
import { formatList, parseList } from "../lib/text";
import type { Channel, ChannelCreate } from "../lib/types";
import { ActiveBadge, Badge, Button, Card, DialogForm, ErrorNotice, Field, Modal, QueryResult, Switch } from "../components/ui";
import { NeedOrganization } from "./Members";

export function ChannelsPage() {
  return (
    <NeedOrganization>
      <Channels />
    </NeedOrganization>
  );
}

interface Draft {
  name: string;
  type: Channel["type"];
  active: boolean;
  allowedOrigins: string;
  handoffEnabled: boolean;
  inheritKeywords: boolean;
  handoffKeywords: string;
  inheritPrompt: boolean;
  systemPrompt: string;
}

const blank: Draft = { name: "", type: "website", active: true, allowedOrigins: "", handoffEnabled: true, inheritKeywords: true, handoffKeywords: "", inheritPrompt: true, systemPrompt: "" };

function draftOf(c: Channel): Draft {
  return {
    name: c.name,
    type: c.type,
    active: c.active,
    allowedOrigins: formatList(c.allowedOrigins),
    handoffEnabled: c.handoffEnabled,
    inheritKeywords: c.handoffKeywords === null,
    handoffKeywords: formatList(c.handoffKeywords),
    inheritPrompt: c.systemPrompt === null,
    systemPrompt: c.systemPrompt ?? "",
  };
}

function CopyButton({ text }: { text: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <Button
      variant="secondary"
      onClick={() => {
        const done = () => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 2000);
        };
        if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, done);
        else done();
      }}
    >
      <span aria-live="polite">{copied ? t("channels.copied") : t("channels.copy")}</span>
    </Button>
  );
}

function Channels() {
  const { t } = useTranslation();
  const { orgId, org, isAdmin } = useApp();
  const client = useQueryClient();
  const [editing, setEditing] = useState<Channel | "new" | null>(null);
  const [draft, setDraft] = useState<Draft>(blank);
  const key = ["channels", orgId];
  const channels = useQuery({ queryKey: key, queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`) });
  const save = useMutation({
    mutationFn: () => {
      const body: ChannelCreate = {
        name: draft.name,
        type: draft.type,
        active: draft.active,
        allowedOrigins: parseList(draft.allowedOrigins),
        handoffEnabled: draft.handoffEnabled,
        handoffKeywords: draft.inheritKeywords ? null : parseList(draft.handoffKeywords),
        systemPrompt: draft.inheritPrompt ? null : draft.systemPrompt,
      };
      return editing === "new"
        ? api<Channel>(`/organizations/${orgId}/channels`, { method: "POST", body })
        : api<Channel>(`/organizations/${orgId}/channels/${(editing as Channel).id}`, { method: "PATCH", body });
    },
    onSuccess: () => {
      setEditing(null);
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/organizations/${orgId}/channels/${id}`, { method: "DELETE" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });
  const edit = (c: Channel | "new") => {
    save.reset();
    setDraft(c === "new" ? blank : draftOf(c));
    setEditing(c);
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {t("channels.title")} <small className="muted">{org?.name}</small>
        </h1>
        {isAdmin && <Button onClick={() => edit("new")}>{t("channels.new")}</Button>}
      </div>
      <ErrorNotice error={remove.error} />
      <QueryResult query={channels} isEmpty={(list) => list.length === 0} empty={t("channels.empty")}>
        {(list) => (
          list.map((c) => (
            <Card
              key={c.id}
              title={
                <>
                  {c.name} <Badge tone="blue">{t(`channels.types.${c.type}`)}</Badge> <ActiveBadge active={c.active} />
                </>
              }
              actions={
                isAdmin && (
                  <div className="row">
                    <Button variant="secondary" onClick={() => edit(c)}>
                      {t("common.edit")}
                    </Button>
                    <Button variant="ghost" onClick={() => window.confirm(t("channels.confirmDelete", { name: c.name })) && remove.mutate(c.id)}>
                      {t("common.delete")}
                    </Button>
                  </div>
                )
              }
            >
              <dl className="facts">
                <div>
                  <dt>{t("channels.publicKey")}</dt>
                  <dd>
                    <code>{c.publicKey}</code>
                  </dd>
                </div>
                <div>
                  <dt>{t("channels.allowedOrigins")}</dt>
                  <dd>{c.allowedOrigins.length ? c.allowedOrigins.join(", ") : t("channels.anyOrigin")}</dd>
                </div>
                <div>
                  <dt>{t("channels.handoff")}</dt>
                  <dd>{c.handoffEnabled ? t("common.on") : t("common.off")}{c.handoffEnabled && ` · ${c.handoffKeywords ? t("channels.ownKeywords", { count: c.handoffKeywords.length }) : t("channels.inheritsKeywords")}`}</dd>
                </div>
                <div>
                  <dt>{t("channels.prompt")}</dt>
                  <dd>{c.systemPrompt === null ? t("channels.inheritsPrompt") : t("channels.ownPrompt")}</dd>
                </div>
              </dl>
              {c.embedSnippet && (
                <div className="snippet">
                  <p className="muted small">{t("channels.embedHint")}</p>
                  <pre>
                    <code>{c.embedSnippet}</code>
                  </pre>
                  <CopyButton text={c.embedSnippet} />
                </div>
              )}
            </Card>
          ))
        )}
      </QueryResult>
      <Modal open={editing !== null} title={editing === "new" ? t("channels.new") : t("channels.edit")} onClose={() => setEditing(null)}>
        <DialogForm onSubmit={() => save.mutate()} onCancel={() => setEditing(null)} submitLabel={t("common.save")} busy={save.isPending} error={save.error}>
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} autoFocus />}</Field>
          <Field label={t("channels.type")}>
            {(id) => (
              <select id={id} value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value as Channel["type"] })}>
                {(["website", "whatsapp", "messenger"] as const).map((ty) => (
                  <option key={ty} value={ty}>
                    {t(`channels.types.${ty}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="switch-row">
            <Switch checked={draft.active} onChange={(v) => setDraft({ ...draft, active: v })} label={t("common.active")} />
            <span>{t("common.active")}</span>
          </div>
          <Field label={t("channels.allowedOrigins")} hint={t("channels.originsHint")}>
            {(id) => <textarea id={id} rows={3} value={draft.allowedOrigins} onChange={(e) => setDraft({ ...draft, allowedOrigins: e.target.value })} placeholder="https://shop.example.com" />}
          </Field>
          <div className="switch-row">
            <Switch checked={draft.handoffEnabled} onChange={(v) => setDraft({ ...draft, handoffEnabled: v })} label={t("channels.handoffSwitch")} />
            <span>{t("channels.handoffSwitch")}</span>
          </div>
          <label className="check">
            <input type="checkbox" checked={draft.inheritKeywords} onChange={(e) => setDraft({ ...draft, inheritKeywords: e.target.checked })} /> {t("channels.useOrgKeywords")}
          </label>
          {!draft.inheritKeywords && (
            <Field label={t("ai.keywords")} hint={t("ai.keywordsHint")}>
              {(id) => <textarea id={id} rows={4} value={draft.handoffKeywords} onChange={(e) => setDraft({ ...draft, handoffKeywords: e.target.value })} />}
            </Field>
          )}
          <label className="check">
            <input type="checkbox" checked={draft.inheritPrompt} onChange={(e) => setDraft({ ...draft, inheritPrompt: e.target.checked })} /> {t("channels.useOrgPrompt")}
          </label>
          {!draft.inheritPrompt && (
            <Field label={t("channels.promptOverride")}>
              {(id) => <textarea id={id} rows={5} maxLength={8000} value={draft.systemPrompt} onChange={(e) => setDraft({ ...draft, systemPrompt: e.target.value })} />}
            </Field>
          )}
        </DialogForm>
      </Modal>
    </div>
  );
}
