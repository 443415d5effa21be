/** The organisation's inbox, as its admins set it up: auto-assignment, labels, canned replies.
 * Agents see the labels and replies (they use them) without the controls that change them. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp } from "../lib/app";
import type { components } from "../api/schema";
import { Button, Card, ErrorNotice, Field, QueryResult, Switch } from "../components/ui";
import { LabelChip, useLabels, type Label } from "../components/inbox/Labels";
import { PictureField } from "../components/PictureField";
import type { CannedReply } from "../components/inbox/Canned";
import { enableDesktop, loadPrefs, savePrefs, type NotifyPrefs } from "../lib/notify";

/** This browser's notifications, for the signed-in user: desktop (asks the browser once) and sound. */
function Notifications() {
  const { t } = useTranslation();
  const { me } = useApp();
  const [prefs, setPrefs] = useState<NotifyPrefs>(() => loadPrefs(me.user.id));
  const [refused, setRefused] = useState(false);
  const change = async (next: NotifyPrefs) => {
    if (next.desktop && !prefs.desktop && !(await enableDesktop())) {
      setRefused(true);
      next = { ...next, desktop: false };
    }
    savePrefs(next, me.user.id);
    setPrefs(next);
  };
  return (
    <Card title={t("notify.title")}>
      <div className="row-between">
        <p className="hint">{t("notify.desktopHint")}</p>
        <Switch checked={prefs.desktop} onChange={(v) => void change({ ...prefs, desktop: v })} label={t("notify.desktop")} />
      </div>
      {refused && <p className="error-text small">{t("notify.refused")}</p>}
      <div className="row-between">
        <p className="hint">{t("notify.soundHint")}</p>
        <Switch checked={prefs.sound} onChange={(v) => void change({ ...prefs, sound: v })} label={t("notify.sound")} />
      </div>
    </Card>
  );
}

type Schemas = components["schemas"];
const PALETTE: Schemas["LabelIn"]["color"][] = ["#ef4444", "#f97316", "#eab308", "#22c55e", "#14b8a6", "#3b82f6", "#6366f1", "#a855f7", "#ec4899", "#6b7280"];

function AutoAssign({ orgId, isAdmin }: { orgId: string; isAdmin: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const key = ["inbox-settings", orgId];
  const settings = useQuery({ queryKey: key, queryFn: () => api<{ autoAssign: boolean }>(`/organizations/${orgId}/inbox-settings`) });
  const save = useMutation({
    mutationFn: (autoAssign: boolean) => api<{ autoAssign: boolean }>(`/organizations/${orgId}/inbox-settings`, { method: "PUT", body: { autoAssign } }),
    onSuccess: (data) => client.setQueryData(key, data),
  });
  return (
    <Card title={t("inboxSettings.assignment")}>
      <div className="row-between">
        <p className="hint">{t("inboxSettings.autoAssignHint")}</p>
        {settings.data && (isAdmin ? <Switch checked={settings.data.autoAssign} onChange={(v) => save.mutate(v)} label={t("inboxSettings.autoAssign")} /> : <strong>{settings.data.autoAssign ? t("common.on") : t("common.off")}</strong>)}
      </div>
      <ErrorNotice error={save.error} />
    </Card>
  );
}

function Labels({ orgId, isAdmin }: { orgId: string; isAdmin: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const labels = useLabels(orgId);
  const [name, setName] = useState("");
  const [color, setColor] = useState(PALETTE[5]);
  const done = () => void client.invalidateQueries({ queryKey: ["labels", orgId] });
  const create = useMutation({
    mutationFn: () => api<Label>(`/organizations/${orgId}/labels`, { method: "POST", body: { name: name.trim(), color } }),
    onSuccess: () => {
      setName("");
      done();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => api(`/organizations/${orgId}/labels/${id}`, { method: "DELETE" }), onSuccess: done });
  return (
    <Card title={t("labels.title")}>
      <QueryResult query={labels} isEmpty={(d) => d.length === 0} empty={t("labels.empty")}>
        {(items) => (
          <ul className="plain-list">
            {items.map((l) => (
              <li key={l.id}>
                <LabelChip label={l} />
                {isAdmin && (
                  <Button variant="ghost" onClick={() => window.confirm(t("labels.confirmDelete", { name: l.name })) && remove.mutate(l.id)} aria-label={t("labels.delete", { name: l.name })}>
                    {t("common.delete")}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryResult>
      {isAdmin && (
        <form
          className="inline-form"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (name.trim()) create.mutate();
          }}
        >
          <Field label={t("labels.name")}>{(id) => <input id={id} value={name} maxLength={40} onChange={(e) => setName(e.target.value)} />}</Field>
          <fieldset className="palette">
            <legend>{t("labels.color")}</legend>
            {PALETTE.map((c) => (
              <label key={c} className={`swatch ${c === color ? "on" : ""}`} style={{ background: c }}>
                <input type="radio" name="label-color" value={c} checked={c === color} onChange={() => setColor(c)} aria-label={c} />
              </label>
            ))}
          </fieldset>
          <Button type="submit" busy={create.isPending} disabled={!name.trim()}>
            {t("labels.create")}
          </Button>
        </form>
      )}
      <ErrorNotice error={create.error ?? remove.error} />
    </Card>
  );
}

function CannedReplies({ orgId, isAdmin }: { orgId: string; isAdmin: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const key = ["canned", orgId, "all"];
  const replies = useQuery({ queryKey: key, queryFn: () => api<CannedReply[]>(`/organizations/${orgId}/canned-replies`) });
  const [form, setForm] = useState({ shortcut: "", title: "", contentEn: "", contentEs: "" });
  const done = () => void client.invalidateQueries({ queryKey: ["canned", orgId] });
  const create = useMutation({
    mutationFn: () =>
      api<CannedReply>(`/organizations/${orgId}/canned-replies`, {
        method: "POST",
        body: { shortcut: form.shortcut.trim(), title: form.title.trim(), contentEn: form.contentEn.trim() || null, contentEs: form.contentEs.trim() || null },
      }),
    onSuccess: () => {
      setForm({ shortcut: "", title: "", contentEn: "", contentEs: "" });
      done();
    },
  });
  const remove = useMutation({ mutationFn: (id: string) => api(`/organizations/${orgId}/canned-replies/${id}`, { method: "DELETE" }), onSuccess: done });
  return (
    <Card title={t("canned.title")}>
      <p className="hint">{t("canned.intro")}</p>
      <QueryResult query={replies} isEmpty={(d) => d.length === 0} empty={t("canned.empty")}>
        {(items) => (
          <ul className="plain-list canned-list">
            {items.map((r) => (
              <li key={r.id}>
                <div>
                  <strong>/{r.shortcut}</strong> · {r.title}
                  {r.contentEn && <p className="small">EN: {r.contentEn}</p>}
                  {r.contentEs && <p className="small">ES: {r.contentEs}</p>}
                </div>
                {isAdmin && (
                  <Button variant="ghost" onClick={() => window.confirm(t("canned.confirmDelete", { code: r.shortcut })) && remove.mutate(r.id)} aria-label={t("canned.delete", { code: r.shortcut })}>
                    {t("common.delete")}
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryResult>
      {isAdmin && (
        <form
          className="stack-form"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label={t("canned.shortcut")} hint={t("canned.shortcutHint")}>
            {(id) => <input id={id} value={form.shortcut} maxLength={32} pattern="[A-Za-z0-9][A-Za-z0-9_\-]*" onChange={(e) => setForm({ ...form, shortcut: e.target.value })} />}
          </Field>
          <Field label={t("canned.titleField")}>{(id) => <input id={id} value={form.title} maxLength={100} onChange={(e) => setForm({ ...form, title: e.target.value })} />}</Field>
          <Field label={t("canned.contentEn")} hint={t("canned.variables")}>
            {(id) => <textarea id={id} rows={3} maxLength={10000} value={form.contentEn} onChange={(e) => setForm({ ...form, contentEn: e.target.value })} />}
          </Field>
          <Field label={t("canned.contentEs")}>
            {(id) => <textarea id={id} rows={3} maxLength={10000} value={form.contentEs} onChange={(e) => setForm({ ...form, contentEs: e.target.value })} />}
          </Field>
          <Button type="submit" busy={create.isPending} disabled={!form.shortcut.trim() || !form.title.trim() || !(form.contentEn.trim() || form.contentEs.trim())}>
            {t("canned.create")}
          </Button>
        </form>
      )}
      <ErrorNotice error={create.error ?? remove.error} />
    </Card>
  );
}

/** One's own photo: visitors see it beside one's messages, with one's first name. */
function MyPhoto() {
  const { t } = useTranslation();
  const { me } = useApp();
  const client = useQueryClient();
  return (
    <Card title={t("picture.photoTitle")}>
      <PictureField
        label={t("picture.photo")}
        name={me.user.name}
        url={me.user.avatarUrl}
        path="/me/avatar"
        onSaved={() => void client.invalidateQueries({ queryKey: ["me"] })}
      />
    </Card>
  );
}

export function InboxSettingsPage() {
  const { t } = useTranslation();
  const { orgId, isAdmin } = useApp();
  if (!orgId) return <p className="muted">{t("common.noOrganization")}</p>;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("inboxSettings.title")}</h1>
      </div>
      <MyPhoto />
      <Notifications />
      <AutoAssign orgId={orgId} isAdmin={isAdmin} />
      <Labels orgId={orgId} isAdmin={isAdmin} />
      <CannedReplies orgId={orgId} isAdmin={isAdmin} />
    </div>
  );
}
