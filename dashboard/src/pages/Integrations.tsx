import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../api/schema";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDateTime } from "../lib/format";
import { type Delivery, deliveriesPollInterval, deliveryState } from "../lib/webhooks";
import { Badge, Button, Card, DialogForm, ErrorNotice, Field, Modal, Notice, QueryResult } from "../components/ui";
import { NeedOrganization } from "./Members";

type Schemas = components["schemas"];
type Webhook = Schemas["WebhookOut"];
type WebhookWithSecret = Schemas["WebhookWithSecretOut"];
type ApiToken = Schemas["ApiTokenOut"];
type ApiTokenWithSecret = Schemas["ApiTokenWithSecretOut"];
type Scope = Schemas["ApiTokenCreate"]["scopes"][number];
type Identity = Schemas["IdentityOut"];
type IdentityWithSecret = Schemas["IdentityWithSecretOut"];
type Channel = Schemas["ChannelOut"];

export const WEBHOOK_EVENTS = ["conversation.created", "conversation.updated", "conversation.handoff", "conversation.closed", "conversation.rated", "message.created"] as const;
export const TOKEN_SCOPES: Scope[] = ["conversations:read", "conversations:write", "knowledge:read", "knowledge:write", "contacts:read", "reports:read"];

/** Org admins: outbound webhooks and API tokens of the current organisation. */
export function IntegrationsPage() {
  const { t } = useTranslation();
  const { isAdmin } = useApp();
  return (
    <NeedOrganization>
      {isAdmin ? (
        <Integrations />
      ) : (
        <div className="page">
          <Notice>{t("integrations.adminsOnly")}</Notice>
        </div>
      )}
    </NeedOrganization>
  );
}

/** A secret the API shows this once: say so, and offer to copy it. */
function ShownOnce({ label, secret, onDone }: { label: string; secret: string; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <Notice kind="success">
      <p>{t("integrations.shownOnce", { what: label })}</p>
      <p>
        <code className="secret">{secret}</code>{" "}
        <Button variant="secondary" onClick={() => void navigator.clipboard?.writeText(secret)}>
          {t("integrations.copy")}
        </Button>{" "}
        <Button variant="ghost" onClick={onDone}>
          {t("integrations.done")}
        </Button>
      </p>
    </Notice>
  );
}

function Integrations() {
  const { t } = useTranslation();
  const { org } = useApp();
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {t("integrations.title")} <small className="muted">{org?.name}</small>
        </h1>
      </div>
      <p className="muted">{t("integrations.intro")}</p>
      <Webhooks />
      <ApiTokens />
      <VisitorIdentity />
    </div>
  );
}

function Webhooks() {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const client = useQueryClient();
  const key = ["webhooks", orgId];
  const list = useQuery({ queryKey: key, queryFn: () => api<Webhook[]>(`/organizations/${orgId}/webhooks`) });
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ url: "", description: "", events: [...WEBHOOK_EVENTS] as string[] });
  const [secret, setSecret] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const done = () => void client.invalidateQueries({ queryKey: key });
  const create = useMutation({
    mutationFn: () =>
      api<WebhookWithSecret>(`/organizations/${orgId}/webhooks`, {
        method: "POST",
        body: { url: form.url, events: form.events, description: form.description || undefined },
      }),
    onSuccess: (created) => {
      setOpen(false);
      setSecret(created.secret);
      setForm({ url: "", description: "", events: [...WEBHOOK_EVENTS] });
      done();
    },
  });
  const rotate = useMutation({
    mutationFn: (id: string) => api<WebhookWithSecret>(`/organizations/${orgId}/webhooks/${id}/rotate-secret`, { method: "POST" }),
    onSuccess: (rotated) => {
      setSecret(rotated.secret);
      done();
    },
  });
  const toggle = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => api(`/organizations/${orgId}/webhooks/${id}`, { method: "PATCH", body: { enabled } }),
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/organizations/${orgId}/webhooks/${id}`, { method: "DELETE" }),
    onSuccess: done,
  });
  return (
    <Card title={t("integrations.webhooks.title")} actions={<Button onClick={() => setOpen(true)}>{t("integrations.webhooks.add")}</Button>}>
      <p className="muted">{t("integrations.webhooks.intro")}</p>
      {secret && <ShownOnce label={t("integrations.webhooks.secret")} secret={secret} onDone={() => setSecret(null)} />}
      <ErrorNotice error={rotate.error ?? toggle.error ?? remove.error} />
      <QueryResult query={list} isEmpty={(l) => l.length === 0} empty={t("integrations.webhooks.empty")}>
        {(endpoints) => (
          <table className="table stacked-table">
            <thead>
              <tr>
                <th>{t("integrations.webhooks.url")}</th>
                <th>{t("integrations.webhooks.events")}</th>
                <th>{t("common.status")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {endpoints.map((w) => (
                <tr key={w.id}>
                  <td>
                    <code>{w.url}</code>
                    {w.description && <div className="muted">{w.description}</div>}
                  </td>
                  <td data-label={t("integrations.webhooks.events")}>{w.events.join(", ")}</td>
                  <td data-label={t("common.status")}>
                    {w.enabled ? (
                      <Badge tone={w.failingSince ? "amber" : "green"}>{w.failingSince ? t("integrations.webhooks.failing") : t("integrations.webhooks.enabled")}</Badge>
                    ) : (
                      <Badge tone="red">{t(`integrations.webhooks.disabled.${w.disabledReason ?? "manual"}`)}</Badge>
                    )}
                    {w.rotatingUntil && <div className="muted">{t("integrations.webhooks.bothSecrets")}</div>}
                  </td>
                  <td className="actions">
                    <Button variant="ghost" onClick={() => setSelected(selected === w.id ? null : w.id)}>
                      {t("integrations.webhooks.deliveries")}
                    </Button>
                    <Button variant="ghost" onClick={() => window.confirm(t("integrations.webhooks.confirmRotate", { url: w.url })) && rotate.mutate(w.id)}>
                      {t("integrations.webhooks.rotate")}
                    </Button>
                    <Button variant="ghost" onClick={() => toggle.mutate({ id: w.id, enabled: !w.enabled })}>
                      {w.enabled ? t("integrations.webhooks.disable") : t("integrations.webhooks.enable")}
                    </Button>
                    <Button variant="ghost" onClick={() => window.confirm(t("integrations.webhooks.confirmRemove", { url: w.url })) && remove.mutate(w.id)}>
                      {t("common.remove")}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryResult>
      {selected && <Deliveries webhookId={selected} />}
      <Modal open={open} title={t("integrations.webhooks.add")} onClose={() => setOpen(false)}>
        <DialogForm onSubmit={() => create.mutate()} onCancel={() => setOpen(false)} submitLabel={t("integrations.webhooks.add")} busy={create.isPending} error={create.error} disabled={!form.url || form.events.length === 0}>
          <Field label={t("integrations.webhooks.url")} hint={t("integrations.webhooks.urlHint")}>
            {(id) => <input id={id} type="url" required maxLength={2000} placeholder="https://" value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} autoFocus />}
          </Field>
          <Field label={t("integrations.webhooks.description")}>{(id) => <input id={id} maxLength={500} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />}</Field>
          <fieldset>
            <legend>{t("integrations.webhooks.events")}</legend>
            {WEBHOOK_EVENTS.map((event) => (
              <label key={event} className="check">
                <input
                  type="checkbox"
                  checked={form.events.includes(event)}
                  onChange={(e) => setForm({ ...form, events: e.target.checked ? [...form.events, event] : form.events.filter((x) => x !== event) })}
                />{" "}
                <code>{event}</code>
              </label>
            ))}
          </fieldset>
        </DialogForm>
      </Modal>
    </Card>
  );
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId } = useApp();
  const client = useQueryClient();
  const key = ["webhook-deliveries", orgId, webhookId];
  const list = useQuery({
    queryKey: key,
    queryFn: () => api<Delivery[]>(`/organizations/${orgId}/webhooks/${webhookId}/deliveries`),
    refetchInterval: (q) => deliveriesPollInterval(q.state.data),
  });
  const done = () => void client.invalidateQueries({ queryKey: key });
  const test = useMutation({ mutationFn: () => api(`/organizations/${orgId}/webhooks/${webhookId}/test`, { method: "POST" }), onSuccess: done });
  const resend = useMutation({
    mutationFn: (id: string) => api(`/organizations/${orgId}/webhooks/${webhookId}/deliveries/${id}/resend`, { method: "POST" }),
    onSuccess: done,
  });
  const tone = (d: Delivery) => (d.status === "delivered" ? "green" : d.status === "failed" ? "red" : "amber");
  return (
    <div className="stack">
      <div className="row">
        <h3>{t("integrations.webhooks.recent")}</h3>
        <Button variant="secondary" busy={test.isPending} onClick={() => test.mutate()}>
          {t("integrations.webhooks.sendTest")}
        </Button>
        <Button variant="ghost" onClick={done}>
          {t("integrations.webhooks.refresh")}
        </Button>
      </div>
      <ErrorNotice error={test.error ?? resend.error} />
      <QueryResult query={list} isEmpty={(l) => l.length === 0} empty={t("integrations.webhooks.noDeliveries")}>
        {(deliveries) => (
          <table className="table stacked-table">
            <thead>
              <tr>
                <th>{t("integrations.webhooks.when")}</th>
                <th>{t("integrations.webhooks.event")}</th>
                <th>{t("common.status")}</th>
                <th>{t("integrations.webhooks.answer")}</th>
                <th>{t("integrations.webhooks.latency")}</th>
                <th>{t("integrations.webhooks.attempts")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td>{formatDateTime(d.createdAt, lang)}</td>
                  <td data-label={t("integrations.webhooks.event")}>
                    <code>{d.eventType}</code>
                  </td>
                  <td data-label={t("common.status")}>
                    <Badge tone={tone(d)}>{t(`integrations.webhooks.status.${deliveryState(d)}`)}</Badge>
                    {deliveryState(d) === "retrying" && d.nextAttemptAt && <div className="muted">{t("integrations.webhooks.nextAttempt", { when: formatDateTime(d.nextAttemptAt, lang) })}</div>}
                  </td>
                  <td data-label={t("integrations.webhooks.answer")}>
                    {d.responseStatus ?? "—"} <span className="muted">{(d.responseExcerpt ?? "").slice(0, 120)}</span>
                  </td>
                  <td data-label={t("integrations.webhooks.latency")}>{d.latencyMs === null ? "—" : `${d.latencyMs} ms`}</td>
                  <td data-label={t("integrations.webhooks.attempts")}>{d.attempts}</td>
                  <td className="actions">
                    <Button variant="ghost" onClick={() => resend.mutate(d.id)}>
                      {t("integrations.webhooks.resend")}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryResult>
    </div>
  );
}

function ApiTokens() {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId } = useApp();
  const client = useQueryClient();
  const key = ["api-tokens", orgId];
  const list = useQuery({ queryKey: key, queryFn: () => api<ApiToken[]>(`/organizations/${orgId}/api-tokens`) });
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: "", scopes: ["conversations:read"] as Scope[] });
  const [token, setToken] = useState<string | null>(null);
  const done = () => void client.invalidateQueries({ queryKey: key });
  const create = useMutation({
    mutationFn: () => api<ApiTokenWithSecret>(`/organizations/${orgId}/api-tokens`, { method: "POST", body: form }),
    onSuccess: (created) => {
      setOpen(false);
      setToken(created.token);
      setForm({ name: "", scopes: ["conversations:read"] });
      done();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/organizations/${orgId}/api-tokens/${id}/revoke`, { method: "POST" }),
    onSuccess: done,
  });
  return (
    <Card title={t("integrations.tokens.title")} actions={<Button onClick={() => setOpen(true)}>{t("integrations.tokens.add")}</Button>}>
      <p className="muted">{t("integrations.tokens.intro")}</p>
      {token && <ShownOnce label={t("integrations.tokens.token")} secret={token} onDone={() => setToken(null)} />}
      <ErrorNotice error={revoke.error} />
      <QueryResult query={list} isEmpty={(l) => l.length === 0} empty={t("integrations.tokens.empty")}>
        {(tokens) => (
          <table className="table stacked-table">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("integrations.tokens.scopes")}</th>
                <th>{t("integrations.tokens.lastUsed")}</th>
                <th>{t("common.status")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((k) => (
                <tr key={k.id}>
                  <td>
                    {k.name} <code className="muted">{k.prefix}…</code>
                  </td>
                  <td data-label={t("integrations.tokens.scopes")}>{k.scopes.join(", ")}</td>
                  <td data-label={t("integrations.tokens.lastUsed")}>{k.lastUsedAt ? formatDateTime(k.lastUsedAt, lang) : t("integrations.tokens.never")}</td>
                  <td data-label={t("common.status")}>{k.revokedAt ? <Badge tone="red">{t("integrations.tokens.revoked")}</Badge> : <Badge tone="green">{t("integrations.tokens.active")}</Badge>}</td>
                  <td className="actions">
                    {!k.revokedAt && (
                      <Button variant="ghost" onClick={() => window.confirm(t("integrations.tokens.confirmRevoke", { name: k.name })) && revoke.mutate(k.id)}>
                        {t("integrations.tokens.revoke")}
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryResult>
      <Modal open={open} title={t("integrations.tokens.add")} onClose={() => setOpen(false)}>
        <DialogForm onSubmit={() => create.mutate()} onCancel={() => setOpen(false)} submitLabel={t("integrations.tokens.add")} busy={create.isPending} error={create.error} disabled={!form.name.trim() || form.scopes.length === 0}>
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} autoFocus />}</Field>
          <fieldset>
            <legend>{t("integrations.tokens.scopes")}</legend>
            {TOKEN_SCOPES.map((scope) => (
              <label key={scope} className="check">
                <input
                  type="checkbox"
                  checked={form.scopes.includes(scope)}
                  onChange={(e) => setForm({ ...form, scopes: e.target.checked ? [...form.scopes, scope] : form.scopes.filter((x) => x !== scope) })}
                />{" "}
                <code>{scope}</code> <span className="muted">{t(`integrations.tokens.scope.${scope.replace(":", "_")}`)}</span>
              </label>
            ))}
          </fieldset>
        </DialogForm>
      </Modal>
    </Card>
  );
}

function VisitorIdentity() {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const channels = useQuery({ queryKey: ["channels", orgId], queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`) });
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <Card title={t("integrations.identity.title")}>
      <p className="muted">{t("integrations.identity.intro")}</p>
      {secret && <ShownOnce label={t("integrations.identity.secret")} secret={secret} onDone={() => setSecret(null)} />}
      <QueryResult query={channels} isEmpty={(l) => l.length === 0} empty={t("integrations.identity.noChannels")}>
        {(list) => (
          <table className="table stacked-table">
            <thead>
              <tr>
                <th>{t("integrations.identity.channel")}</th>
                <th>{t("common.status")}</th>
                <th>{t("integrations.identity.required")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <ChannelIdentity key={c.id} channel={c} onSecret={setSecret} />
              ))}
            </tbody>
          </table>
        )}
      </QueryResult>
    </Card>
  );
}

function ChannelIdentity({ channel, onSecret }: { channel: Channel; onSecret: (secret: string) => void }) {
  const { t } = useTranslation();
  const { orgId } = useApp();
  const client = useQueryClient();
  const path = `/organizations/${orgId}/channels/${channel.id}/identity`;
  const key = ["channel-identity", orgId, channel.id];
  const identity = useQuery({ queryKey: key, queryFn: () => api<Identity>(path) });
  const rotate = useMutation({
    mutationFn: () => api<IdentityWithSecret>(`${path}/secret`, { method: "POST" }),
    onSuccess: (made) => {
      onSecret(made.secret);
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const require = useMutation({
    mutationFn: (required: boolean) => api<Identity>(path, { method: "PUT", body: { required } }),
    onSuccess: (d) => client.setQueryData(key, d),
  });
  const configured = identity.data?.configured ?? false;
  return (
    <tr>
      <td>{channel.name}</td>
      <td data-label={t("common.status")}>
        <Badge tone={configured ? "green" : "neutral"}>{configured ? t("integrations.identity.configured") : t("integrations.identity.notConfigured")}</Badge>
        <ErrorNotice error={rotate.error ?? require.error} />
      </td>
      <td data-label={t("integrations.identity.required")}>
        <input
          type="checkbox"
          aria-label={t("integrations.identity.requiredFor", { name: channel.name })}
          disabled={!configured || require.isPending}
          checked={identity.data?.required ?? false}
          onChange={(e) => require.mutate(e.target.checked)}
        />
      </td>
      <td className="actions">
        <Button
          variant="ghost"
          busy={rotate.isPending}
          onClick={() => (!configured || window.confirm(t("integrations.identity.confirmRotate", { name: channel.name }))) && rotate.mutate()}
        >
          {configured ? t("integrations.identity.rotate") : t("integrations.identity.create")}
        </Button>
      </td>
    </tr>
  );
}
