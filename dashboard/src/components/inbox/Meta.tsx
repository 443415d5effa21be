/** WhatsApp and Messenger in the inbox (#20): the channel badge, the contact, our messages' delivery,
 * and the reply box's side of Meta's 24-hour window with the channel's approved templates. Contact
 * names, template text and Meta's error words are third-party text: shown as text only. */
import { useMemo, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { useLang } from "../../lib/app";
import { formatDateTime } from "../../lib/format";
import { fillTemplate, missingVariables, offeredTemplates, type Template, type Templates } from "../../lib/meta";
import type { Conversation, ConversationSummary, Message } from "../../lib/types";
import { Badge, Button, errorMessage } from "../ui";
import "./meta.css";

type ChannelType = ConversationSummary["channelType"];

const TONES: Record<NonNullable<ChannelType>, "neutral" | "green" | "blue"> = { website: "neutral", whatsapp: "green", messenger: "blue" };

export function ChannelBadge({ type }: { type: ChannelType }) {
  const { t } = useTranslation();
  const kind = type ?? "website";
  return (
    <span className={`channel-badge channel-${kind}`} data-channel={kind}>
      <Badge tone={TONES[kind]}>{t(`metaInbox.channel.${kind}`)}</Badge>
    </span>
  );
}

/** Who writes on WhatsApp or Messenger: their profile name, and their number (WhatsApp) or id (Messenger). */
export function contactTitle(c: Pick<ConversationSummary, "contact">): string | null {
  return c.contact ? c.contact.name || c.contact.phone || c.contact.id : null;
}

export function ContactLine({ c }: { c: Pick<ConversationSummary, "contact" | "channelType"> }) {
  const { t } = useTranslation();
  if (!c.contact) return null;
  return (
    <p className="muted small contact-line">
      {c.contact.phone ? (
        <a href={`tel:${c.contact.phone}`}>{c.contact.phone}</a>
      ) : (
        <span title={t("metaInbox.profileIdHint")}>{t("metaInbox.profileId", { id: c.contact.id })}</span>
      )}
    </p>
  );
}

/** Under one of our messages on WhatsApp or Messenger: what Meta says of it. */
export function DeliveryState({ m }: { m: Message }) {
  const { t } = useTranslation();
  const d = m.delivery;
  if (!d) return null;
  if (d.status !== "failed") {
    return (
      <span className={`delivery delivery-${d.status} small`} data-delivery={d.status}>
        {t(`metaInbox.delivery.${d.status}`)}
      </span>
    );
  }
  return (
    <span className="delivery delivery-failed small" data-delivery="failed" role="status">
      {t("metaInbox.delivery.failed")}: {t(`metaInbox.reason.${d.failureReason ?? "refused"}`)}
      {d.errorCode !== null && d.errorCode !== undefined && ` (${t("metaInbox.metaCode", { code: d.errorCode })}${d.errorMessage ? `: ${d.errorMessage}` : ""})`}
    </span>
  );
}

/** Whether free text may go now: within 24 hours, or on Messenger a person's reply within 7 days. */
export function personMayWrite(c: Pick<Conversation, "replyWindow">): boolean {
  const w = c.replyWindow;
  return !w || w.open || Boolean(w.humanAgentUntil);
}

/** The line above the reply box on a WhatsApp or Messenger conversation. */
export function WindowNotice({ c }: { c: Conversation }) {
  const { t } = useTranslation();
  const lang = useLang();
  const w = c.replyWindow;
  if (!w) return null;
  if (w.open && w.closesAt) {
    return (
      <p className="window-notice window-open small" data-window="open">
        {t(`metaInbox.window.open.${w.channel}`, { when: formatDateTime(w.closesAt, lang) })}
      </p>
    );
  }
  if (w.humanAgentUntil) {
    return (
      <p className="window-notice window-tagged small" role="note" data-window="human_agent">
        {t("metaInbox.window.humanAgent", { when: formatDateTime(w.humanAgentUntil, lang) })}
      </p>
    );
  }
  return (
    <p className="window-notice window-closed" role="note" data-window="closed">
      {t(`metaInbox.window.closed.${w.channel}`)}
    </p>
  );
}

function useTemplates(organizationId: string, channelId: string) {
  return useQuery({
    queryKey: ["templates", channelId],
    queryFn: () => api<Templates>(`/organizations/${organizationId}/channels/${channelId}/templates`),
  });
}

/** Sync, pick, fill in and send one of the WhatsApp channel's approved templates. */
export function TemplateComposer({ c, onSent }: { c: Conversation; onSent: (m: Message) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const client = useQueryClient();
  const templates = useTemplates(c.organizationId, c.channelId);
  const [picked, setPicked] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const offered = useMemo(() => offeredTemplates(templates.data?.items ?? [], c.language), [templates.data, c.language]);
  const template: Template | undefined = offered.find((x) => `${x.name}|${x.language}` === picked) ?? undefined;
  const sync = useMutation({
    mutationFn: () => api<Templates>(`/organizations/${c.organizationId}/channels/${c.channelId}/templates/sync`, { method: "POST" }),
    onSuccess: (data) => client.setQueryData(["templates", c.channelId], data),
  });
  const send = useMutation({
    mutationFn: (tpl: Template) =>
      api<Message>(`/conversations/${c.id}/template-messages`, {
        method: "POST",
        body: { name: tpl.name, language: tpl.language, variables: Object.fromEntries(tpl.variables.map((v) => [v.key, values[v.key] ?? ""])) },
      }),
    onSuccess: (m) => {
      setPicked("");
      setValues({});
      onSent(m);
    },
  });
  const keys = template ? Array.from(new Map(template.variables.map((v) => [v.key, v])).values()) : [];
  const missing = template ? missingVariables(template, values) : [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (template && missing.length === 0) send.mutate(template);
  };
  return (
    <form className="template-composer" onSubmit={submit} aria-label={t("metaInbox.templates.title")}>
      <div className="template-head">
        <strong>{t("metaInbox.templates.title")}</strong>
        <span className="muted small">
          {templates.data?.syncedAt ? t("metaInbox.templates.syncedAt", { when: formatDateTime(templates.data.syncedAt, lang) }) : t("metaInbox.templates.neverSynced")}
        </span>
        <Button variant="secondary" onClick={() => sync.mutate()} busy={sync.isPending}>
          {t("metaInbox.templates.sync")}
        </Button>
      </div>
      {sync.isError && <p className="error-text small">{errorMessage(sync.error, t("common.networkError"))}</p>}
      {templates.data && offered.length === 0 ? (
        <p className="muted small">{t("metaInbox.templates.none")}</p>
      ) : (
        <label className="field">
          <span>{t("metaInbox.templates.pick")}</span>
          <select value={picked} onChange={(e) => {
            setPicked(e.target.value);
            setValues({});
          }}>
            <option value="">{t("metaInbox.templates.choose")}</option>
            {offered.map((x) => (
              <option key={`${x.name}|${x.language}`} value={`${x.name}|${x.language}`}>
                {x.name} · {x.language}
              </option>
            ))}
          </select>
        </label>
      )}
      {template && (
        <>
          <div className="template-vars">
          {keys.map((v) => (
            <label className="field" key={v.key}>
              <span>{t("metaInbox.templates.variable", { key: `{{${v.key}}}`, interpolation: { escapeValue: false } })}</span>
              <input
                value={values[v.key] ?? ""}
                maxLength={v.component === "header" ? 60 : 1024}
                placeholder={v.example ?? ""}
                onChange={(e) => setValues((s) => ({ ...s, [v.key]: e.target.value }))}
              />
            </label>
          ))}
          </div>
          <div className="template-preview" aria-label={t("metaInbox.templates.preview")}>
            <span className="muted small">{t("metaInbox.templates.preview")}</span>
            <p className="msg-body">{fillTemplate(template, values)}</p>
          </div>
        </>
      )}
      <div className="reply-bar">
        {send.isError && <span className="error-text">{errorMessage(send.error, t("common.networkError"))}</span>}
        <Button type="submit" busy={send.isPending} disabled={!template || missing.length > 0}>
          {t("metaInbox.templates.send")}
        </Button>
      </div>
    </form>
  );
}

/** On a WhatsApp channel's card: its templates as Meta last listed them, and the sync. */
export function ChannelTemplates({ orgId, channelId }: { orgId: string; channelId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const client = useQueryClient();
  const templates = useTemplates(orgId, channelId);
  const sync = useMutation({
    mutationFn: () => api<Templates>(`/organizations/${orgId}/channels/${channelId}/templates/sync`, { method: "POST" }),
    onSuccess: (data) => client.setQueryData(["templates", channelId], data),
  });
  const items = templates.data?.items ?? [];
  return (
    <div className="channel-templates stack" data-testid="channel-templates">
      <div className="template-head">
        <strong>{t("metaInbox.templates.title")}</strong>
        <span className="muted small">
          {templates.data?.syncedAt ? t("metaInbox.templates.syncedAt", { when: formatDateTime(templates.data.syncedAt, lang) }) : t("metaInbox.templates.neverSynced")}
        </span>
        <Button variant="secondary" onClick={() => sync.mutate()} busy={sync.isPending}>
          {t("metaInbox.templates.sync")}
        </Button>
      </div>
      {sync.isError && <p className="error-text small">{errorMessage(sync.error, t("common.networkError"))}</p>}
      {templates.data?.syncedAt && items.length === 0 && <p className="muted small">{t("metaInbox.templates.noneAtAll")}</p>}
      {items.length > 0 && (
        <ul className="template-list">
          {items.map((x) => (
            <li key={`${x.name}|${x.language}`}>
              <span>
                <strong>{x.name}</strong> · {x.language}
              </span>{" "}
              {x.offered ? (
                <Badge tone="green">{t("metaInbox.templates.offered")}</Badge>
              ) : (
                <Badge tone="neutral">{x.status !== "APPROVED" ? x.status : t("metaInbox.templates.notSendable")}</Badge>
              )}
              <p className="muted small template-body">{x.body}</p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
