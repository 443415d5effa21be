/** Super admin: organisations and users. */
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDate } from "../lib/format";
import { renameBody, userForm, userPatch, type UserForm } from "../lib/admin";
import type { Lang, Organization, Page, Plan, UserDetail } from "../lib/types";
import { Badge, Button, Card, ConfirmDialog, Empty, ErrorState, Field, Loading, Modal, Notice, errorMessage } from "../components/ui";

export function SuperAdminOnly({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const { me } = useApp();
  if (!me.user.isSuperAdmin) return <Notice kind="error">{t("common.superAdminOnly")}</Notice>;
  return <>{children}</>;
}

const PLANS: Plan[] = ["starter", "pro", "growth"];

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
    mutationFn: ({ id, body }: { id: string; body: Partial<Organization> }) => api<Organization>(`/organizations/${id}`, { method: "PATCH", body }),
    onSuccess: done,
  });
  const [notice, setNotice] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<Organization | null>(null);
  const [newName, setNewName] = useState("");
  const rename = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { name: string } }) => api<Organization>(`/organizations/${id}`, { method: "PATCH", body }),
    onSuccess: (o) => {
      setRenaming(null);
      setNotice(t("orgs.renamed", { name: o.name }));
      done();
    },
  });
  const [deleting, setDeleting] = useState<Organization | null>(null);
  const remove = useMutation({
    mutationFn: (o: Organization) => api<void>(`/organizations/${o.id}`, { method: "DELETE" }),
    onSuccess: (_, o) => {
      setDeleting(null);
      setNotice(t("orgs.deleted", { name: o.name }));
      done();
    },
  });
  const startRename = (o: Organization) => {
    rename.reset();
    setNewName(o.name);
    setRenaming(o);
  };
  const startDelete = (o: Organization) => {
    remove.reset();
    setDeleting(o);
  };
  const renameTo = renaming ? renameBody(renaming, newName) : null;
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("orgs.title")}</h1>
        <Button onClick={() => setOpen(true)}>{t("orgs.new")}</Button>
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      {update.isError && <Notice kind="error">{errorMessage(update.error, t("common.networkError"))}</Notice>}
      <Card>
        {orgs.isPending ? (
          <Loading />
        ) : orgs.isError ? (
          <ErrorState error={orgs.error} />
        ) : orgs.data.length === 0 ? (
          <Empty>{t("orgs.empty")}</Empty>
        ) : (
          <table className="table">
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
              {orgs.data.map((o) => (
                <tr key={o.id}>
                  <td>{o.name}</td>
                  <td>
                    <select aria-label={t("orgs.plan")} value={o.plan} onChange={(e) => update.mutate({ id: o.id, body: { plan: e.target.value as Plan } })}>
                      {PLANS.map((p) => (
                        <option key={p} value={p}>
                          {t(`plans.${p}`)}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>{o.active ? <Badge tone="green">{t("common.active")}</Badge> : <Badge>{t("common.inactive")}</Badge>}</td>
                  <td>{formatDate(o.createdAt, lang)}</td>
                  <td className="actions">
                    <Button variant="ghost" onClick={() => update.mutate({ id: o.id, body: { active: !o.active } })}>
                      {o.active ? t("common.deactivate") : t("common.activate")}
                    </Button>
                    <Button variant="ghost" onClick={() => startRename(o)}>
                      {t("orgs.rename")}
                    </Button>
                    <Button variant="ghost" className="danger-text" onClick={() => startDelete(o)}>
                      {t("common.delete")}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Modal open={renaming !== null} title={t("orgs.renameTitle", { name: renaming?.name ?? "" })} onClose={() => setRenaming(null)}>
        <form
          className="stack"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            if (renaming && renameTo) rename.mutate({ id: renaming.id, body: renameTo });
          }}
        >
          <Field label={t("orgs.newName")}>{(id) => <input id={id} required maxLength={200} value={newName} onChange={(e) => setNewName(e.target.value)} autoFocus />}</Field>
          {rename.isError && <Notice kind="error">{errorMessage(rename.error, t("common.networkError"))}</Notice>}
          <div className="row end">
            <Button variant="secondary" onClick={() => setRenaming(null)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" busy={rename.isPending} disabled={!renameTo}>
              {t("common.save")}
            </Button>
          </div>
        </form>
      </Modal>
      <ConfirmDialog
        open={deleting !== null}
        title={t("orgs.deleteTitle", { name: deleting?.name ?? "" })}
        message={t("orgs.deleteWarning")}
        confirmLabel={t("orgs.deleteForever")}
        typedName={deleting?.name ?? ""}
        busy={remove.isPending}
        error={remove.isError ? remove.error : undefined}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
      <Modal open={open} title={t("orgs.new")} onClose={() => setOpen(false)}>
        <form
          className="stack"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />}</Field>
          <Field label={t("orgs.plan")}>
            {(id) => (
              <select id={id} value={plan} onChange={(e) => setPlan(e.target.value as Plan)}>
                {PLANS.map((p) => (
                  <option key={p} value={p}>
                    {t(`plans.${p}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {create.isError && <Notice kind="error">{errorMessage(create.error, t("common.networkError"))}</Notice>}
          <div className="row end">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" busy={create.isPending}>
              {t("common.create")}
            </Button>
          </div>
        </form>
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
  const { me } = useApp();
  const [search, setSearch] = useState("");
  const [applied, setApplied] = useState("");
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ email: "", name: "", preferredLanguage: "en" as Lang, organizationId: "", role: "agent" as "admin" | "agent", isSuperAdmin: false });
  const [notice, setNotice] = useState<string | null>(null);
  const users = useInfiniteQuery({
    queryKey: ["users", applied],
    queryFn: ({ pageParam }) => api<Page<UserDetail>>("/users", { query: { search: applied || undefined, cursor: pageParam ?? undefined } }),
    initialPageParam: null as string | null,
    getNextPageParam: (p) => p.nextCursor,
  });
  const create = useMutation({
    mutationFn: () =>
      api<UserDetail & { invitationSent: boolean }>("/users", {
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
    mutationFn: ({ id, body }: { id: string; body: object }) => api<UserDetail>(`/users/${id}`, { method: "PATCH", body }),
    onSuccess: (u) => {
      setEditing(null);
      setNotice(t("users.updated", { name: u.name }));
      void client.invalidateQueries({ queryKey: ["users"] });
      if (u.id === me.user.id) void client.invalidateQueries({ queryKey: ["me"] });
    },
  });
  const [deleting, setDeleting] = useState<UserDetail | null>(null);
  const remove = useMutation({
    mutationFn: (u: UserDetail) => api<void>(`/users/${u.id}`, { method: "DELETE" }),
    onSuccess: (_, u) => {
      setDeleting(null);
      setNotice(t("users.deleted", { email: u.email }));
      void client.invalidateQueries({ queryKey: ["users"] });
    },
  });
  const startEdit = (u: UserDetail) => {
    save.reset();
    setEdit(userForm(u));
    setEditing(u);
  };
  const startDelete = (u: UserDetail) => {
    remove.reset();
    setDeleting(u);
  };
  const items = users.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("users.title")}</h1>
        <Button onClick={() => setOpen(true)}>{t("users.invite")}</Button>
      </div>
      {notice && <Notice kind="success">{notice}</Notice>}
      {toggle.isError && <Notice kind="error">{errorMessage(toggle.error, t("common.networkError"))}</Notice>}
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
        {users.isPending ? (
          <Loading />
        ) : users.isError ? (
          <ErrorState error={users.error} />
        ) : items.length === 0 ? (
          <Empty>{t("users.empty")}</Empty>
        ) : (
          <table className="table">
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
                  <td>{u.email}</td>
                  <td>{u.memberships.map((m) => `${m.organizationName} (${t(`roles.${m.role}`)})`).join(", ") || "—"}</td>
                  <td>{u.active ? <Badge tone="green">{t("common.active")}</Badge> : <Badge>{t("common.inactive")}</Badge>}</td>
                  <td>{formatDate(u.createdAt, lang)}</td>
                  <td className="actions">
                    <Button variant="ghost" onClick={() => startEdit(u)}>
                      {t("common.edit")}
                    </Button>
                    {u.id !== me.user.id && (
                      <>
                        <Button variant="ghost" onClick={() => toggle.mutate(u)}>
                          {u.active ? t("common.deactivate") : t("common.activate")}
                        </Button>
                        <Button variant="ghost" className="danger-text" onClick={() => startDelete(u)}>
                          {t("common.delete")}
                        </Button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {users.hasNextPage && (
          <Button variant="secondary" onClick={() => void users.fetchNextPage()} busy={users.isFetchingNextPage}>
            {t("inbox.loadMore")}
          </Button>
        )}
      </Card>
      <Modal open={editing !== null} title={t("users.editTitle", { email: editing?.email ?? "" })} onClose={() => setEditing(null)}>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (editing && changes) save.mutate({ id: editing.id, body: changes });
          }}
        >
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={edit.name} onChange={(e) => setEdit({ ...edit, name: e.target.value })} autoFocus />}</Field>
          <Field label={t("common.language")}>
            {(id) => (
              <select id={id} value={edit.preferredLanguage} onChange={(e) => setEdit({ ...edit, preferredLanguage: e.target.value as Lang })}>
                <option value="en">{t("languages.en")}</option>
                <option value="es">{t("languages.es")}</option>
              </select>
            )}
          </Field>
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
          {save.isError && <Notice kind="error">{errorMessage(save.error, t("common.networkError"))}</Notice>}
          <div className="row end">
            <Button variant="secondary" onClick={() => setEditing(null)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" busy={save.isPending} disabled={!changes}>
              {t("common.save")}
            </Button>
          </div>
        </form>
      </Modal>
      <ConfirmDialog
        open={deleting !== null}
        title={t("users.deleteTitle", { email: deleting?.email ?? "" })}
        message={t("users.deleteWarning", { name: deleting?.name ?? "" })}
        confirmLabel={t("common.delete")}
        busy={remove.isPending}
        error={remove.isError ? remove.error : undefined}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
      <Modal open={open} title={t("users.invite")} onClose={() => setOpen(false)}>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Field label={t("auth.email")}>{(id) => <input id={id} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoFocus />}</Field>
          <Field label={t("common.name")}>{(id) => <input id={id} required maxLength={200} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />}</Field>
          <Field label={t("common.language")}>
            {(id) => (
              <select id={id} value={form.preferredLanguage} onChange={(e) => setForm({ ...form, preferredLanguage: e.target.value as Lang })}>
                <option value="en">{t("languages.en")}</option>
                <option value="es">{t("languages.es")}</option>
              </select>
            )}
          </Field>
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
          <Field label={t("members.role")}>
            {(id) => (
              <select id={id} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as "admin" | "agent" })}>
                <option value="agent">{t("roles.agent")}</option>
                <option value="admin">{t("roles.admin")}</option>
              </select>
            )}
          </Field>
          <label className="check">
            <input type="checkbox" checked={form.isSuperAdmin} onChange={(e) => setForm({ ...form, isSuperAdmin: e.target.checked })} /> {t("roles.super_admin")}
          </label>
          {create.isError && <Notice kind="error">{errorMessage(create.error, t("common.networkError"))}</Notice>}
          <div className="row end">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" busy={create.isPending}>
              {t("users.sendInvite")}
            </Button>
          </div>
        </form>
      </Modal>
    </div>
  );
}
