import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api } from "../lib/api";
import { useApp } from "../lib/app";
import { formatList, parseList } from "../lib/text";
import type { Channel, ChannelCreate, Lang } from "../lib/types";
import { DEFAULT_WIDGET_COLOR, isHexColor, textOn } from "../lib/widgetLook";
import { PictureField } from "../components/PictureField";
import { ActiveBadge, Badge, Button, Card, DialogForm, ErrorNotice, Field, Modal, QueryResult, Switch } from "../components/ui";
import { NeedOrganization } from "./Members";
import { blankMeta, isMetaType, MetaConnectionFacts, metaBody, metaDraftOf, MetaFields, type MetaDraft } from "./MetaConnection";

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
  secretParameters: string;
  handoffEnabled: boolean;
  inheritKeywords: boolean;
  handoffKeywords: string;
  inheritPrompt: boolean;
  systemPrompt: string;
  defaultLanguage: Lang;
  languageFixed: boolean;
  color: string;
  position: Channel["position"];
  businessName: string;
  welcomeEn: string;
  welcomeEs: string;
  meta: MetaDraft;
}

const blank: Draft = {
  name: "", type: "website", active: true, allowedOrigins: "", secretParameters: "", handoffEnabled: true, inheritKeywords: true, handoffKeywords: "", inheritPrompt: true, systemPrompt: "",
  defaultLanguage: "en", languageFixed: false, color: DEFAULT_WIDGET_COLOR, position: "right", businessName: "", welcomeEn: "", welcomeEs: "", meta: blankMeta,
};
const MAX_WELCOME = 500;

function draftOf(c: Channel): Draft {
  return {
    name: c.name,
    type: c.type,
    active: c.active,
    allowedOrigins: formatList(c.allowedOrigins),
    secretParameters: formatList(c.secretQueryParameters),
    handoffEnabled: c.handoffEnabled,
    inheritKeywords: c.handoffKeywords === null,
    handoffKeywords: formatList(c.handoffKeywords),
    inheritPrompt: c.systemPrompt === null,
    systemPrompt: c.systemPrompt ?? "",
    defaultLanguage: c.defaultLanguage,
    languageFixed: c.languageFixed,
    color: c.color,
    position: c.position,
    businessName: c.businessName ?? "",
    welcomeEn: c.welcomeMessage.en ?? "",
    welcomeEs: c.welcomeMessage.es ?? "",
    meta: metaDraftOf(c),
  };
}

/** A small picture of a page with the chat on it: the header in the brand colour, the launcher in its corner. */
function WidgetPreview({ draft, businessName }: { draft: Draft; businessName: string }) {
  const { t } = useTranslation();
  const color = isHexColor(draft.color) ? draft.color : DEFAULT_WIDGET_COLOR;
  const look = { background: color, color: textOn(color) };
  return (
    <figure className={`widget-preview ${draft.position}`} aria-label={t("channels.preview")}>
      <div className="wp-panel" aria-hidden="true">
        <div className="wp-head" style={look}>
          {businessName}
        </div>
        <div className="wp-body">{(draft.defaultLanguage === "es" ? draft.welcomeEs : draft.welcomeEn) || t(`channels.defaultWelcome.${draft.defaultLanguage}`)}</div>
      </div>
      <div className="wp-launcher" style={look} data-testid="launcher-preview" aria-hidden="true">
        <svg viewBox="0 0 24 24" fill="currentColor">
          <path d="M6 3h12a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3h-7l-5 4v-4a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z" />
        </svg>
      </div>
      <figcaption className="sr-only">{t(`channels.positions.${draft.position}`)}</figcaption>
    </figure>
  );
}

/** The widget's language and look: what its public config call tells it. */
function WidgetFields({ draft, setDraft, orgName }: { draft: Draft; setDraft: (d: Draft) => void; orgName: string }) {
  const { t } = useTranslation();
  return (
    <fieldset className="fieldset stack">
      <legend>{t("channels.widget")}</legend>
      <Field label={t("channels.defaultLanguage")} hint={t("channels.defaultLanguageHint")}>
        {(id) => (
          <select id={id} value={draft.defaultLanguage} onChange={(e) => setDraft({ ...draft, defaultLanguage: e.target.value as Lang })}>
            {(["en", "es"] as const).map((l) => (
              <option key={l} value={l}>
                {t(`languages.${l}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={draft.languageFixed} onChange={(e) => setDraft({ ...draft, languageFixed: e.target.checked })} /> {t("channels.languageFixed")}
      </label>
      <div className="row color-row">
        <Field label={t("channels.color")}>
          {(id) => <input id={id} type="color" className="color-swatch" value={isHexColor(draft.color) ? draft.color.toLowerCase() : DEFAULT_WIDGET_COLOR} onChange={(e) => setDraft({ ...draft, color: e.target.value })} />}
        </Field>
        <Field label={t("channels.colorCode")}>
          {(id) => <input id={id} required pattern="#[0-9a-fA-F]{6}" maxLength={7} spellCheck={false} value={draft.color} onChange={(e) => setDraft({ ...draft, color: e.target.value.trim() })} placeholder={DEFAULT_WIDGET_COLOR} />}
        </Field>
        <Field label={t("channels.position")}>
          {(id) => (
            <select id={id} value={draft.position} onChange={(e) => setDraft({ ...draft, position: e.target.value as Channel["position"] })}>
              {(["right", "left"] as const).map((p) => (
                <option key={p} value={p}>
                  {t(`channels.positions.${p}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label={t("channels.businessName")} hint={t("channels.businessNameHint", { name: orgName })}>
        {(id) => <input id={id} maxLength={200} value={draft.businessName} placeholder={orgName} onChange={(e) => setDraft({ ...draft, businessName: e.target.value })} />}
      </Field>
      <Field label={t("channels.welcomeEn")} hint={t("channels.welcomeHint")}>
        {(id) => <textarea id={id} rows={2} maxLength={MAX_WELCOME} lang="en" value={draft.welcomeEn} placeholder={t("channels.defaultWelcome.en")} onChange={(e) => setDraft({ ...draft, welcomeEn: e.target.value })} />}
      </Field>
      <Field label={t("channels.welcomeEs")} hint={t("channels.welcomeHint")}>
        {(id) => <textarea id={id} rows={2} maxLength={MAX_WELCOME} lang="es" value={draft.welcomeEs} placeholder={t("channels.defaultWelcome.es")} onChange={(e) => setDraft({ ...draft, welcomeEs: e.target.value })} />}
      </Field>
      <WidgetPreview draft={draft} businessName={draft.businessName.trim() || orgName} />
    </fieldset>
  );
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
  const { t, i18n } = useTranslation();
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
        secretQueryParameters: parseList(draft.secretParameters),
        handoffEnabled: draft.handoffEnabled,
        handoffKeywords: draft.inheritKeywords ? null : parseList(draft.handoffKeywords),
        systemPrompt: draft.inheritPrompt ? null : draft.systemPrompt,
        defaultLanguage: draft.defaultLanguage,
        languageFixed: draft.languageFixed,
        color: draft.color,
        position: draft.position,
        businessName: draft.businessName.trim() || null,
        welcomeMessage: { en: draft.welcomeEn.trim() || null, es: draft.welcomeEs.trim() || null },
        ...metaBody(draft.type, draft.meta, editing !== "new" && editing?.type === draft.type ? editing.metaConnection : undefined),
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
                <div className="row">
                  {c.embedSnippet && (
                    <Link className="btn btn-secondary" to={`/${i18n.language}/channels/${c.id}/try`}>
                      {t("preview.link")}
                    </Link>
                  )}
                  <Link className="btn btn-secondary" to={`/${i18n.language}/channels/${c.id}/settings`}>
                    {t("hours.link")}
                  </Link>
                  {isAdmin && (
                  <div className="row">
                    <Button variant="secondary" onClick={() => edit(c)}>
                      {t("common.edit")}
                    </Button>
                    <Button variant="ghost" onClick={() => window.confirm(t("channels.confirmDelete", { name: c.name })) && remove.mutate(c.id)}>
                      {t("common.delete")}
                    </Button>
                  </div>
                  )}
                </div>
              }
            >
              <dl className="facts">
                {c.type === "website" && (
                  <>
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
                  </>
                )}
                <div>
                  <dt>{t("channels.handoff")}</dt>
                  <dd>{c.handoffEnabled ? t("common.on") : t("common.off")}{c.handoffEnabled && ` · ${c.handoffKeywords ? t("channels.ownKeywords", { count: c.handoffKeywords.length }) : t("channels.inheritsKeywords")}`}</dd>
                </div>
                <div>
                  <dt>{t("channels.prompt")}</dt>
                  <dd>{c.systemPrompt === null ? t("channels.inheritsPrompt") : t("channels.ownPrompt")}</dd>
                </div>
                {c.type === "website" && (
                  <>
                    <div>
                      <dt>{t("channels.widgetLanguage")}</dt>
                      <dd>
                        {t(`languages.${c.defaultLanguage}`)} · {c.languageFixed ? t("channels.fixed") : t("channels.followsVisitor")}
                      </dd>
                    </div>
                    <div>
                      <dt>{t("channels.look")}</dt>
                      <dd className="look">
                        <span className="swatch" style={{ background: c.color }} aria-hidden="true" /> {c.color} · {t(`channels.positions.${c.position}`)} · {c.businessName ?? org?.name}
                      </dd>
                    </div>
                  </>
                )}
              </dl>
              {c.type === "website" && (
                <PictureField<Channel>
                  label={t("picture.logo")}
                  name={c.businessName ?? org?.name ?? c.name}
                  url={c.logoUrl}
                  path={`/organizations/${c.organizationId}/channels/${c.id}/logo`}
                  readOnly={!isAdmin}
                  onSaved={() => void client.invalidateQueries({ queryKey: key })}
                />
              )}
              <MetaConnectionFacts channel={c} orgId={c.organizationId} />
              {c.embedSnippet && (
                <div className="snippet">
                  <p className="muted small">{t("channels.embedHint")}</p>
                  <pre>
                    <code>{c.embedSnippet}</code>
                  </pre>
                  <p className="muted small">{c.languageFixed ? t("channels.embedFixed") : t("channels.embedFollows")}</p>
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
          {isMetaType(draft.type) ? (
            <MetaFields type={draft.type} draft={draft.meta} setDraft={(meta) => setDraft({ ...draft, meta })} stored={editing !== "new" && editing?.type === draft.type ? editing.metaConnection : undefined} />
          ) : (
            <>
              <Field label={t("channels.allowedOrigins")} hint={t("channels.originsHint")}>
                {(id) => <textarea id={id} rows={3} value={draft.allowedOrigins} onChange={(e) => setDraft({ ...draft, allowedOrigins: e.target.value })} placeholder="https://shop.example.com" />}
              </Field>
              <Field label={t("channels.secretParameters")} hint={t("channels.secretParametersHint")}>
                {(id) => <textarea id={id} rows={2} value={draft.secretParameters} onChange={(e) => setDraft({ ...draft, secretParameters: e.target.value })} placeholder="ref, customer_id" />}
              </Field>
            </>
          )}
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
          {draft.type === "website" && <WidgetFields draft={draft} setDraft={setDraft} orgName={org?.name ?? ""} />}
        </DialogForm>
      </Modal>
    </div>
  );
}
