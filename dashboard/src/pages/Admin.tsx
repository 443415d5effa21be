/** Super admin: organisations and users. */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDate, formatNumber, formatUsd } from "../lib/format";
import { useConfirmedDelete } from "../lib/deletion";
import { renameBody, userForm, userPatch, type UserForm } from "../lib/admin";
import type { Lang, Organization, OrganizationUpdate, Plan, Plans, UserCreated, UserDetail, UserPage, UserUpdate } from "../lib/types";
import { ActiveBadge, Badge, Button, Card, ConfirmDialog, DialogForm, ErrorNotice, Field, Modal, Notice, QueryResult } from "../components/ui";
import { LanguageField, MemberRoleField } from "../components/options";

export function SuperAdminOnly({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const { me } = useApp();
  if (!me.user.isSuperAdmin) return <Notice kind="error">{t("common.superAdminOnly")}</Notice>;
  return <>{children}</>;
}

const PLANS: Plan[] = ["starter", "pro", "growth"];

function usePlans() {
  return useQuery({ queryKey: ["plans"], queryFn: () => api<Plans>("/plans"), staleTime: Infinity });
}

function OverageTerms() {
  const { t } = useTranslation();
  const lang = useLang();
  const overage = usePlans().data?.overage;
  return overage ? <>{t("plans.overage", { price: formatUsd(overage.blockPriceUsd, lang), block: overage.blockConversations })}</> : null;
}

/** Each plan with what it includes, so that choosing one says what it means. */
function PlanOptions() {
  const { t } = useTranslation();
  const lang = useLang();
  const plans = usePlans();
  const terms = new Map(plans.data?.plans.map((p) => [p.plan, p]));
  return (
    <>
      {PLANS.map((p) => {
        const plan = terms.get(p);
        return (
          <option key={p} value={p}>
            {plan ? t("plans.terms", { name: t(`plans.${p}`), price: formatUsd(plan.monthlyPriceUsd, lang), conversations: formatNumber(plan.conversationLimit, lang), channels: t("plans.channels", { count: plan.channelLimit }) }) : t(`plans.${p}`)}
          </option>
        );
      })}
    </>
  );
}

export function OrganizationsPage() {
  return (
    <SuperAdminOnly>
      <Organizations />
    </SuperAdminOnly>
  );
}

function Organizations() {
  const { t } = useTranslation();
  const lang = useLang();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [plan, setPlan] = useState<Plan>("starter");
  const orgs = useQuery({ queryKey: ["organizations"], queryFn: () => api<Organization[]>("/organizations") });
  const done = () => {
    void client.invalidateQueries({ queryKey: ["organizations"] });
    void client.invalidateQueries({ queryKey: ["me"] });
  };
  const create = useMutation({
    mutationFn: () => api<Organization>("/organizations", { method: "POST", body: { name, plan } }),
    onSuccess: () => {
      setOpen(false);
      setName("");
      done();
    },
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: OrganizationUpdate }) => api<Organization>(`/organizations/${id}`, { method: "PATCH", body }),
    onSuccess: done,
  });
  const [notice, setNotice] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<Organization | null>(null);
  const [newName, setNewName] = useState("");
  const rename = useMutation({
    mutationFn: ({ id, body }: { id: string; body: OrganizationUpdate }) => api<Organization>(`/organizations/${id}`, { method: "PATCH", body }),
    onSuccess: (o) => {
      setRenaming(null);
      setNotice(t("orgs.renamed", { name: o.name }));
      done();
    },
  });
  const deletion = useConfirmedDelete(
    (o: Organization) => api<void>(`/organizations/${o.id}`, { method: "DELETE" }),
    (o) => {
      setNotice(t("orgs.deleted", { name: o.name }));
      done();
    },
  );
  const startRename = (o: Organization) => {
    rename.reset();
    setNewName(o.name);
    setRenaming(o);
  };
  const renameTo = renaming ? renameBody(renaming, newName) : null;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("orgs.title")}</h1>
        <Button onClick={() => setOpen(true)}>{t("orgs.new")}</Button>
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorNotice error={update.error} />
      <Card>
        <QueryResult query={orgs} isEmpty={(organizations) => organizations.length === 0} empty={t("orgs.empty")}>
          {(organizations) => (
            <div className="table-scroll">
            <table className="table stacked-table">
              <thead>
                <tr>
                  <th>{t("common.name")}</th>
                  <th>{t("orgs.plan")}</th>
                  <th>{t("common.status")}</th>
                  <th>{t("common.created")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {organizations.map((o) => (
                  <tr key={o.id}>
                    <td>{o.name}</td>
                    <td data-label={t("orgs.plan")}>
                      <select aria-label={t("orgs.plan")} value={o.plan} onChange={(e) => update.mutate({ id: o.id, body: { plan: e.target.value as Plan } })}>
                        <PlanOptions />
                      </select>
                    </td>
                    <td data-label={t("common.status")}>
                      <ActiveBadge active={o.active} />
                    </td>
                    <td data-label={t("common.created")}>{formatDate(o.createdAt, lang)}</td>
                    <td className="actions">
                      <Button variant="ghost" onClick={() => update.mutate({ id: o.id, body: { active: !o.active } })}>
                        {o.active ? t("common.deactivate") : t("common.activate")}
                      </Button>
                      <Button variant="ghost" onClick={() => startRename(o)}>
                        {t("orgs.rename")}
                      </Button>
                      <Button variant="ghost" className="danger-text" onClick={() => deletion.ask(o)}>
                        {t("common.delete")}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
        </QueryResult>
      </Card>
      <Modal open={renaming !== null} title={t("orgs.renameTitle", { name: renaming?.name ?? "" })} onClose={() => setRenaming(null)}>
        <DialogForm
          onSubmit={() => {
            if (renaming && renameTo) rename.mutate({ id: renaming.id, body: renameTo });
          }}
          onCancel={() => setRenaming(null)}
          submitLabel={t("common.save")}
          busy={rename.isPending}
          disabled={!renameTo}
          error={rename.error}
        >
          <Field label={t("orgs.newName")}>{(id) => <input id={id} required maxLength={200} value={newName} onChange={(e) => setNewName(e.target.value)} autoFocus />}</Field>
        </DialogForm>
      </Modal>
      <ConfirmDialog
        {...deletion.dialog}
        title={t("orgs.deleteTitle", { name: deletion.target?.name ?? "" })}
        message={t("orgs.deleteWarning")}
        confirmLabel={t("orgs.deleteForever")}
        typedName={deletion.target?.name ?? ""}
      />
      <Modal open={open} title={t("orgs.new")} onClose={() => setOpen(false)}>
        <DialogForm onSubmit={() => create.mutate()} onCancel={() => setOpen(false)} submitLabel={t("common.create")} busy={create.isPending} error={create.error}>
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />}</Field>
          <Field label={t("orgs.plan")} hint={<OverageTerms />}>
            {(id) => (
              <select id={id} value={plan} onChange={(e) => setPlan(e.target.value as Plan)}>
                <PlanOptions />
              </select>
            )}
          </Field>
        </DialogForm>
      </Modal>
    </div>
  );
}

export function UsersPage() {
  return (
    <SuperAdminOnly>
      <Users />
    </SuperAdminOnly>
  );
}

function Users() {
  const { t } = useTranslation();
  const lang = useLang();
  const client = useQueryClient();
  const { me, orgId } = useApp();
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [open, setOpen] = useState(false);
  // The invitation goes into the organisation selected in the header unless the admin picks another.
  const [form, setForm] = useState({ email: "", name: "", preferredLanguage: lang as Lang, organizationId: orgId ?? "", role: "agent" as "admin" | "agent", isSuperAdmin: false });
  const [notice, setNotice] = useState<string | null>(null);
  const users = useInfiniteQuery({
    queryKey: ["users", applied],
    queryFn: ({ pageParam }) => api<UserPage>("/users", { query: { search: applied || undefined, cursor: pageParam ?? undefined } }),
    initialPageParam: null as string | null,
    getNextPageParam: (p) => p.nextCursor,
  });
  const create = useMutation({
    mutationFn: () =>
      api<UserCreated>("/users", {
        method: "POST",
        body: {
          email: form.email,
          name: form.name,
          preferredLanguage: form.preferredLanguage,
          isSuperAdmin: form.isSuperAdmin,
          memberships: form.organizationId ? [{ organizationId: form.organizationId, role: form.role }] : [],
        },
      }),
    onSuccess: (u) => {
      setOpen(false);
      setNotice(u.invitationSent ? t("users.invited", { email: u.email }) : t("users.notInvited", { email: u.email }));
      setForm({ ...form, email: "", name: "" });
      void client.invalidateQueries({ queryKey: ["users"] });
    },
  });
  const toggle = useMutation({
    mutationFn: (u: UserDetail) => api<UserDetail>(`/users/${u.id}/${u.active ? "deactivate" : "activate"}`, { method: "POST" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["users"] }),
  });
  const [editing, setEditing] = useState<UserDetail | null>(null);
  const [edit, setEdit] = useState<UserForm>({ name: "", preferredLanguage: "en", isSuperAdmin: false });
  const changes = editing ? userPatch(editing, edit) : null;
  const save = useMutation({
    mutationFn: ({ id, body }: { id: string; body: UserUpdate }) => api<UserDetail>(`/users/${id}`, { method: "PATCH", body }),
    onSuccess: (u) => {
      setEditing(null);
      setNotice(t("users.updated", { name: u.name }));
      void client.invalidateQueries({ queryKey: ["users"] });
      if (u.id === me.user.id) void client.invalidateQueries({ queryKey: ["me"] });
    },
  });
  const deletion = useConfirmedDelete(
    (u: UserDetail) => api<void>(`/users/${u.id}`, { method: "DELETE" }),
    (u) => {
      setNotice(t("users.deleted", { email: u.email }));
      void client.invalidateQueries({ queryKey: ["users"] });
    },
  );
  const startEdit = (u: UserDetail) => {
    save.reset();
    setEdit(userForm(u));
    setEditing(u);
  };
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("users.title")}</h1>
        <Button onClick={() => setOpen(true)}>{t("users.invite")}</Button>
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorNotice error={toggle.error} />
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(search.trim());
        }}
      >
        <input type="search" className="grow" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t("users.search")} aria-label={t("users.search")} />
        <Button type="submit" variant="secondary">
          {t("common.search")}
        </Button>
      </form>
      <Card>
        <QueryResult query={users} isEmpty={() => items.length === 0} empty={t("users.empty")}>
          {() => (
            <div className="table-scroll">
            <table className="table stacked-table">
              <thead>
                <tr>
                  <th>{t("common.name")}</th>
                  <th>{t("auth.email")}</th>
                  <th>{t("users.organizations")}</th>
                  <th>{t("common.status")}</th>
                  <th>{t("common.created")}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {items.map((u) => (
                  <tr key={u.id}>
                    <td>
                      {u.name} {u.isSuperAdmin && <Badge tone="violet">{t("roles.super_admin")}</Badge>}
                    </td>
                    <td data-label={t("auth.email")}>{u.email}</td>
                    <td data-label={t("users.organizations")}>{u.memberships.map((m) => `${m.organizationName} (${t(`roles.${m.role}`)})`).join(", ") || "—"}</td>
                    <td data-label={t("common.status")}>
                      <ActiveBadge active={u.active} signedInAt={u.signedInAt} />
                    </td>
                    <td data-label={t("common.created")}>{formatDate(u.createdAt, lang)}</td>
                    <td className="actions">
                      <Button variant="ghost" onClick={() => startEdit(u)}>
                        {t("common.edit")}
                      </Button>
                      {u.id !== me.user.id && (
                        <>
                          <Button variant="ghost" onClick={() => toggle.mutate(u)}>
                            {u.active ? t("common.deactivate") : t("common.activate")}
                          </Button>
                          <Button variant="ghost" className="danger-text" onClick={() => deletion.ask(u)}>
                            {t("common.delete")}
                          </Button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
        </QueryResult>
        {users.hasNextPage && (
          <Button variant="secondary" onClick={() => void users.fetchNextPage()} busy={users.isFetchingNextPage}>
            {t("inbox.loadMore")}
          </Button>
        )}
      </Card>
      <Modal open={editing !== null} title={t("users.editTitle", { email: editing?.email ?? "" })} onClose={() => setEditing(null)}>
        <DialogForm
          onSubmit={() => {
            if (editing && changes) save.mutate({ id: editing.id, body: changes });
          }}
          onCancel={() => setEditing(null)}
          submitLabel={t("common.save")}
          busy={save.isPending}
          disabled={!changes}
          error={save.error}
        >
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={edit.name} onChange={(e) => setEdit({ ...edit, name: e.target.value })} autoFocus />}</Field>
          <LanguageField value={edit.preferredLanguage} onChange={(preferredLanguage) => setEdit({ ...edit, preferredLanguage })} />
          <label className="check">
            <input
              type="checkbox"
              checked={edit.isSuperAdmin}
              disabled={editing?.id === me.user.id}
              onChange={(e) => setEdit({ ...edit, isSuperAdmin: e.target.checked })}
            />{" "}
            {t("roles.super_admin")}
          </label>
          {editing?.id === me.user.id && <p className="hint">{t("users.ownSuperAdmin")}</p>}
        </DialogForm>
      </Modal>
      <ConfirmDialog
        {...deletion.dialog}
        title={t("users.deleteTitle", { email: deletion.target?.email ?? "" })}
        message={t("users.deleteWarning", { name: deletion.target?.name ?? "" })}
        confirmLabel={t("common.delete")}
      />
      <Modal open={open} title={t("users.invite")} onClose={() => setOpen(false)}>
        <DialogForm onSubmit={() => create.mutate()} onCancel={() => setOpen(false)} submitLabel={t("users.sendInvite")} busy={create.isPending} error={create.error}>
          <Field label={t("auth.email")}>{(id) => <input id={id} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoFocus />}</Field>
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
          <LanguageField value={form.preferredLanguage} onChange={(preferredLanguage) => setForm({ ...form, preferredLanguage })} />
          <Field label={t("common.organization")}>
            {(id) => (
              <select id={id} value={form.organizationId} onChange={(e) => setForm({ ...form, organizationId: e.target.value })}>
                <option value="">{t("users.noOrganization")}</option>
                {me.organizations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <MemberRoleField value={form.role} onChange={(role) => setForm({ ...form, role })} />
          <label className="check">
            <input type="checkbox" checked={form.isSuperAdmin} onChange={(e) => setForm({ ...form, isSuperAdmin: e.target.checked })} /> {t("roles.super_admin")}
          </label>
        </DialogForm>
      </Modal>
    </div>
  );
}
