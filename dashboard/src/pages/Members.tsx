import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDate } from "../lib/format";
import type { Lang, Member } from "../lib/types";
import { Badge, Button, Card, Empty, ErrorState, Field, Loading, Modal, Notice, errorMessage } from "../components/ui";

export function NeedOrganization({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const { orgId } = useApp();
  if (!orgId) return <Empty>{t("common.noOrganization")}</Empty>;
  return <>{children}</>;
}

export function MembersPage() {
  return (
    <NeedOrganization>
      <Members />
    </NeedOrganization>
  );
}

function Members() {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId, org, isAdmin, me } = useApp();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ email: "", name: "", role: "agent" as "admin" | "agent", preferredLanguage: lang as Lang });
  const [notice, setNotice] = useState<string | null>(null);
  const key = ["members", orgId];
  const members = useQuery({ queryKey: key, queryFn: () => api<Member[]>(`/organizations/${orgId}/members`) });
  const done = () => void client.invalidateQueries({ queryKey: key });
  const add = useMutation({
    mutationFn: () =>
      api<Member & { newUser: boolean; invitationSent: boolean }>(`/organizations/${orgId}/members`, {
        method: "POST",
        body: { email: form.email, name: form.name || undefined, role: form.role, preferredLanguage: form.preferredLanguage },
      }),
    onSuccess: (m) => {
      setOpen(false);
      setNotice(m.newUser ? (m.invitationSent ? t("users.invited", { email: m.email }) : t("users.notInvited", { email: m.email })) : t("members.added", { email: m.email }));
      setForm({ ...form, email: "", name: "" });
      done();
    },
  });
  const change = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: "admin" | "agent" }) => api(`/organizations/${orgId}/members/${userId}`, { method: "PATCH", body: { role } }),
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => api(`/organizations/${orgId}/members/${userId}`, { method: "DELETE" }),
    onSuccess: done,
  });
  const failure = change.error ?? remove.error;
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {t("members.title")} <small className="muted">{org?.name}</small>
        </h1>
        {isAdmin && <Button onClick={() => setOpen(true)}>{t("members.add")}</Button>}
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      {failure && <Notice kind="error">{errorMessage(failure, t("common.networkError"))}</Notice>}
      <Card>
        {members.isPending ? (
          <Loading />
        ) : members.isError ? (
          <ErrorState error={members.error} />
        ) : members.data.length === 0 ? (
          <Empty>{t("members.empty")}</Empty>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("auth.email")}</th>
                <th>{t("members.role")}</th>
                <th>{t("common.status")}</th>
                <th>{t("members.joined")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {members.data.map((m) => (
                <tr key={m.userId}>
                  <td>{m.name}</td>
                  <td>{m.email}</td>
                  <td>
                    {isAdmin ? (
                      <select aria-label={t("members.role")} value={m.role} onChange={(e) => change.mutate({ userId: m.userId, role: e.target.value as "admin" | "agent" })}>
                        <option value="agent">{t("roles.agent")}</option>
                        <option value="admin">{t("roles.admin")}</option>
                      </select>
                    ) : (
                      t(`roles.${m.role}`)
                    )}
                  </td>
                  <td>{m.active ? <Badge tone="green">{t("common.active")}</Badge> : <Badge>{t("common.inactive")}</Badge>}</td>
                  <td>{formatDate(m.joinedAt, lang)}</td>
                  <td className="actions">
                    {isAdmin && m.userId !== me.user.id && (
                      <Button variant="ghost" onClick={() => window.confirm(t("members.confirmRemove", { name: m.name })) && remove.mutate(m.userId)}>
                        {t("common.remove")}
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Modal open={open} title={t("members.add")} onClose={() => setOpen(false)}>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Field label={t("auth.email")}>{(id) => <input id={id} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoFocus />}</Field>
          <Field label={t("members.nameIfNew")}>{(id) => <input id={id} maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
          <Field label={t("members.role")}>
            {(id) => (
              <select id={id} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as "admin" | "agent" })}>
                <option value="agent">{t("roles.agent")}</option>
                <option value="admin">{t("roles.admin")}</option>
              </select>
            )}
          </Field>
          <Field label={t("common.language")}>
            {(id) => (
              <select id={id} value={form.preferredLanguage} onChange={(e) => setForm({ ...form, preferredLanguage: e.target.value as Lang })}>
                <option value="en">{t("languages.en")}</option>
                <option value="es">{t("languages.es")}</option>
              </select>
            )}
          </Field>
          {add.isError && <Notice kind="error">{errorMessage(add.error, t("common.networkError"))}</Notice>}
          <div className="row end">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" busy={add.isPending}>
              {t("members.add")}
            </Button>
          </div>
        </form>
      </Modal>
    </div>
  );
}
