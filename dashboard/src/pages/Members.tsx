import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDate } from "../lib/format";
import type { Invitation, InvitationSent, Lang, Member } from "../lib/types";
import { ActiveBadge, Badge, Button, Card, DialogForm, Empty, ErrorNotice, Field, Modal, Notice, QueryResult } from "../components/ui";
import { LanguageField, MemberRoleField, MemberRoleOptions } from "../components/options";

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
  const invitationsKey = ["invitations", orgId];
  const invitations = useQuery({ queryKey: invitationsKey, queryFn: () => api<Invitation[]>(`/organizations/${orgId}/invitations`), enabled: isAdmin });
  const done = () => {
    void client.invalidateQueries({ queryKey: key });
    void client.invalidateQueries({ queryKey: invitationsKey });
  };
  const add = useMutation({
    mutationFn: () =>
      api<InvitationSent>(`/organizations/${orgId}/members`, {
        method: "POST",
        body: { email: form.email, name: form.name || undefined, role: form.role, preferredLanguage: form.preferredLanguage },
      }),
    onSuccess: (m) => {
      setOpen(false);
      setNotice(m.invitationSent ? t("members.invited", { email: m.email }) : t("users.notInvited", { email: m.email }));
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
  const revoke = useMutation({
    mutationFn: (invitationId: string) => api(`/organizations/${orgId}/invitations/${invitationId}`, { method: "DELETE" }),
    onSuccess: done,
  });
  const resend = useMutation({
    mutationFn: (invitationId: string) => api<InvitationSent>(`/organizations/${orgId}/invitations/${invitationId}/resend`, { method: "POST" }),
    onSuccess: (sent) => {
      setNotice(sent.invitationSent ? t("members.resent", { email: sent.email }) : t("users.notInvited", { email: sent.email }));
      done();
    },
  });
  const failure = change.error ?? remove.error ?? revoke.error ?? resend.error;
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {t("members.title")} <small className="muted">{org?.name}</small>
        </h1>
        {isAdmin && <Button onClick={() => setOpen(true)}>{t("members.add")}</Button>}
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorNotice error={failure} />
      <Card>
        <QueryResult query={members} isEmpty={(list) => list.length === 0} empty={t("members.empty")}>
          {(list) => (
            <table className="table stacked-table">
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
                {list.map((m) => (
                  <tr key={m.userId}>
                    <td>{m.name}</td>
                    <td data-label={t("auth.email")}>{m.email}</td>
                    <td data-label={t("members.role")}>
                      {isAdmin ? (
                        <select aria-label={t("members.role")} value={m.role} onChange={(e) => change.mutate({ userId: m.userId, role: e.target.value as "admin" | "agent" })}>
                          <MemberRoleOptions />
                        </select>
                      ) : (
                        t(`roles.${m.role}`)
                      )}
                    </td>
                    <td data-label={t("common.status")}>
                      <ActiveBadge active={m.active} signedInAt={m.signedInAt} />
                    </td>
                    <td data-label={t("members.joined")}>{formatDate(m.joinedAt, lang)}</td>
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
        </QueryResult>
      </Card>
      {isAdmin && invitations.data && invitations.data.length > 0 && (
        <Card title={t("members.invitations")}>
          <div className="table-scroll">
            <table className="table stacked-table">
              <thead>
                <tr>
                  <th>{t("auth.email")}</th>
                  <th>{t("members.role")}</th>
                  <th>{t("common.status")}</th>
                  <th>{t("members.sent")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {invitations.data.map((i) => (
                  <tr key={i.id}>
                    <td className="break">{i.email}</td>
                    <td data-label={t("members.role")}>{t(`roles.${i.role}`)}</td>
                    <td data-label={t("common.status")}>
                      <Badge tone={i.status === "accepted" ? "green" : i.status === "expired" ? "red" : "amber"}>{t(`members.status.${i.status}`)}</Badge>
                      <span className="hint"> {i.status === "pending" ? t("members.until", { date: formatDate(i.expiresAt, lang) }) : i.acceptedAt ? formatDate(i.acceptedAt, lang) : ""}</span>
                    </td>
                    <td data-label={t("members.sent")}>{formatDate(i.sentAt, lang)}</td>
                    <td className="actions">
                      {i.status !== "accepted" && (
                        <Button variant="ghost" busy={resend.isPending && resend.variables === i.id} onClick={() => resend.mutate(i.id)}>
                          {t("members.resend")}
                        </Button>
                      )}
                      {i.status === "pending" && (
                        <Button variant="ghost" onClick={() => window.confirm(t("members.confirmRevoke", { email: i.email })) && revoke.mutate(i.id)}>
                          {t("members.revoke")}
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
      <Modal open={open} title={t("members.add")} onClose={() => setOpen(false)}>
        <DialogForm onSubmit={() => add.mutate()} onCancel={() => setOpen(false)} submitLabel={t("members.add")} busy={add.isPending} error={add.error}>
          <Field label={t("auth.email")}>{(id) => <input id={id} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoFocus />}</Field>
          <Field label={t("members.nameIfNew")}>{(id) => <input id={id} maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
          <MemberRoleField value={form.role} onChange={(role) => setForm({ ...form, role })} />
          <LanguageField value={form.preferredLanguage} onChange={(preferredLanguage) => setForm({ ...form, preferredLanguage })} />
        </DialogForm>
      </Modal>
    </div>
  );
}
