import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { api } from "../lib/api";
import type { Channel, ConnectionTest } from "../lib/types";
import { Badge, Button, ErrorNotice, Field } from "../components/ui";
import { ChannelTemplates } from "../components/inbox/Meta";

type MetaType = "whatsapp" | "messenger";

export const isMetaType = (type: Channel["type"]): type is MetaType => type === "whatsapp" || type === "messenger";

/** What an admin types to connect a WhatsApp number or a Messenger page: secrets are write-only, so blank keeps the stored one. */
export interface MetaDraft {
  accountId: string;
  businessAccountId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
}

export const blankMeta: MetaDraft = { accountId: "", businessAccountId: "", accessToken: "", appSecret: "", verifyToken: "" };

export function metaDraftOf(c: Channel): MetaDraft {
  const m = c.metaConnection;
  return { ...blankMeta, accountId: m?.phoneNumberId ?? m?.pageId ?? "", businessAccountId: m?.businessAccountId ?? "", verifyToken: m?.verifyToken ?? "" };
}

/** The body's `whatsapp` or `messenger` part: only what was typed (blank secrets keep what is stored); undefined when nothing was. */
export function metaBody(type: Channel["type"], d: MetaDraft, stored: Channel["metaConnection"] | undefined) {
  if (!isMetaType(type)) return {};
  const typed = (value: string, was?: string | null) => {
    const v = value.trim();
    return v && v !== (was ?? "") ? v : undefined;
  };
  const common = { appSecret: typed(d.appSecret), verifyToken: typed(d.verifyToken, stored?.verifyToken) };
  const part =
    type === "whatsapp"
      ? { phoneNumberId: typed(d.accountId, stored?.phoneNumberId), businessAccountId: typed(d.businessAccountId, stored?.businessAccountId), accessToken: typed(d.accessToken), ...common }
      : { pageId: typed(d.accountId, stored?.pageId), pageAccessToken: typed(d.accessToken), ...common };
  const given = Object.fromEntries(Object.entries(part).filter(([, v]) => v !== undefined));
  return Object.keys(given).length ? { [type]: given } : {};
}

/** The form's part for a WhatsApp or Messenger channel. */
export function MetaFields({ type, draft, setDraft, stored }: { type: MetaType; draft: MetaDraft; setDraft: (d: MetaDraft) => void; stored: Channel["metaConnection"] | undefined }) {
  const { t } = useTranslation();
  const keep = (hint?: string | null) => (hint ? t("channels.meta.keepSecret", { hint }) : undefined);
  const set = (field: keyof MetaDraft) => (e: React.ChangeEvent<HTMLInputElement>) => setDraft({ ...draft, [field]: e.target.value });
  return (
    <fieldset className="fieldset stack">
      <legend>{t(`channels.meta.legend.${type}`)}</legend>
      <p className="muted small">{t(`channels.meta.formHint.${type}`)}</p>
      <Field label={t(`channels.meta.accountId.${type}`)}>{(id) => <input id={id} inputMode="numeric" pattern="[0-9]{1,32}" maxLength={32} value={draft.accountId} onChange={set("accountId")} />}</Field>
      {type === "whatsapp" && <Field label={t("channels.meta.businessAccountId")}>{(id) => <input id={id} inputMode="numeric" pattern="[0-9]{1,32}" maxLength={32} value={draft.businessAccountId} onChange={set("businessAccountId")} />}</Field>}
      <Field label={t(`channels.meta.accessToken.${type}`)} hint={keep(stored?.accessTokenHint)}>
        {(id) => <input id={id} type="password" autoComplete="off" maxLength={1000} value={draft.accessToken} onChange={set("accessToken")} />}
      </Field>
      <Field label={t("channels.meta.appSecret")} hint={keep(stored?.appSecretHint)}>
        {(id) => <input id={id} type="password" autoComplete="off" maxLength={200} value={draft.appSecret} onChange={set("appSecret")} />}
      </Field>
      <Field label={t("channels.meta.verifyToken")} hint={t("channels.meta.verifyTokenHint")}>
        {(id) => <input id={id} minLength={8} maxLength={200} value={draft.verifyToken} onChange={set("verifyToken")} spellCheck={false} />}
      </Field>
    </fieldset>
  );
}

/** On a channel's card: what to paste into Meta's console, what is stored, and a test of the connection. */
export function MetaConnectionFacts({ channel, orgId }: { channel: Channel; orgId: string }) {
  const { t } = useTranslation();
  const [result, setResult] = useState<ConnectionTest | null>(null);
  const test = useMutation({
    mutationFn: () => api<ConnectionTest>(`/organizations/${orgId}/channels/${channel.id}/test-connection`, { method: "POST" }),
    onSuccess: setResult,
  });
  const m = channel.metaConnection;
  if (!m || !isMetaType(channel.type)) return null;
  return (
    <div className="snippet stack" data-testid="meta-connection">
      <p>
        {m.connected ? <Badge tone="green">{t("channels.meta.connected")}</Badge> : <Badge>{t("channels.meta.notConnected")}</Badge>}{" "}
        <span className="muted small">{m.connected ? t(`channels.meta.connectedAs.${channel.type}`, { id: m.phoneNumberId ?? m.pageId }) : t(`channels.meta.howToConnect.${channel.type}`)}</span>
      </p>
      <dl className="facts">
        <div>
          <dt>{t("channels.meta.webhookUrl")}</dt>
          <dd>
            <code>{m.webhookUrl}</code>
          </dd>
        </div>
        {m.connected && (
          <>
            <div>
              <dt>{t("channels.meta.verifyToken")}</dt>
              <dd>
                <code>{m.verifyToken}</code>
              </dd>
            </div>
            <div>
              <dt>{t("channels.meta.secrets")}</dt>
              <dd>
                <code>{m.accessTokenHint}</code> · <code>{m.appSecretHint}</code>
              </dd>
            </div>
          </>
        )}
      </dl>
      <p className="muted small">{t("channels.meta.howItWorks")}</p>
      {m.connected && (
        <div className="row">
          <Button variant="secondary" busy={test.isPending} onClick={() => test.mutate()}>
            {t("channels.meta.test")}
          </Button>
          {result && (
            <span role="status" className={result.ok ? "" : "muted"}>
              {t(`channels.meta.outcome.${result.outcome}`, { name: result.name ?? "" })}
            </span>
          )}
        </div>
      )}
      <ErrorNotice error={test.error} />
      {m.connected && channel.type === "whatsapp" && <ChannelTemplates orgId={orgId} channelId={channel.id} />}
    </div>
  );
}
