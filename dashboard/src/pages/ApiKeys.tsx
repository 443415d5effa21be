import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import type { AISettings, Organization, PlatformKey } from "../lib/types";
import { Badge, Button, Card, ErrorNotice, QueryResult } from "../components/ui";
import { SuperAdminOnly } from "./Admin";

export function ApiKeysPage() {
  return (
    <SuperAdminOnly>
      <ApiKeys />
    </SuperAdminOnly>
  );
}

function KeyForm({ hint, onSave, onRemove, busy, label, removeWarning }: { hint: string | null; onSave: (k: string) => void; onRemove: () => void; busy: boolean; label: string; removeWarning: string }) {
  const { t } = useTranslation();
  const [value, setValue] = useState("");
  return (
    <form
      className="key-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onSave(value.trim());
        setValue("");
      }}
    >
      <span className="key-hint">{hint ? <code>{hint}</code> : <span className="muted">{t("keys.notSet")}</span>}</span>
      <input type="password" autoComplete="off" placeholder="sk-…" aria-label={label} value={value} onChange={(e) => setValue(e.target.value)} />
      <Button type="submit" busy={busy} disabled={!value.trim()}>
        {hint ? t("keys.replace") : t("keys.set")}
      </Button>
      {hint && (
        <Button variant="ghost" onClick={() => window.confirm(removeWarning) && onRemove()}>
          {t("common.remove")}
        </Button>
      )}
    </form>
  );
}

function OrgKey({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const key = ["ai-settings", org.id];
  const s = useQuery({ queryKey: key, queryFn: () => api<AISettings>(`/organizations/${org.id}/ai-settings`) });
  const save = useMutation({
    mutationFn: (apiKey: string | null) => api<AISettings>(`/organizations/${org.id}/ai-settings`, { method: "PATCH", body: { apiKey } }),
    onSuccess: (d) => client.setQueryData(key, d),
  });
  const unchecked = save.data?.apiKeyWarning === "provider_unreachable";
  return (
    <tr>
      <td>{org.name}</td>
      <td data-label={t("keys.answering")}>{s.data && <Badge tone={s.data.apiKeySource === "none" ? "red" : "neutral"}>{t(`keys.sourceShort.${s.data.apiKeySource}`)}</Badge>}</td>
      <td data-label={t("keys.orgKey")}>
        <QueryResult query={s}>
          {(settings) => (
            <KeyForm label={t("keys.orgKeyFor", { name: org.name })} removeWarning={t("keys.confirmRemoveOrg", { name: org.name })} hint={settings.apiKeyHint} busy={save.isPending} onSave={(k) => save.mutate(k)} onRemove={() => save.mutate(null)} />
          )}
        </QueryResult>
        <ErrorNotice error={save.error} />
        {unchecked && !save.isPending && <p className="notice notice-info small" role="status">{t("keys.unreachable")}</p>}
      </td>
    </tr>
  );
}

function ApiKeys() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const platform = useQuery({ queryKey: ["platform-key"], queryFn: () => api<PlatformKey>("/platform/openai-key") });
  const orgs = useQuery({ queryKey: ["organizations"], queryFn: () => api<Organization[]>("/organizations") });
  const put = useMutation({
    mutationFn: (apiKey: string) => api<PlatformKey>("/platform/openai-key", { method: "PUT", body: { apiKey } }),
    onSuccess: () => changed(),
  });
  const del = useMutation({
    mutationFn: () => api("/platform/openai-key", { method: "DELETE" }),
    onSuccess: () => changed(),
  });
  // Which key answers each organisation follows the platform key: every row is read again.
  function changed() {
    void client.invalidateQueries({ queryKey: ["platform-key"] });
    void client.invalidateQueries({ queryKey: ["ai-settings"] });
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("keys.title")}</h1>
      </div>
      <p className="muted">{t("keys.intro")}</p>
      <Card title={t("keys.platform")}>
        <QueryResult query={platform}>
          {(key) => (
            <KeyForm label={t("keys.platform")} removeWarning={t("keys.confirmRemovePlatform")} hint={key.hint} busy={put.isPending || del.isPending} onSave={(k) => put.mutate(k)} onRemove={() => del.mutate()} />
          )}
        </QueryResult>
        <ErrorNotice error={put.error ?? del.error} />
        {put.data?.warning === "provider_unreachable" && !put.isPending && (
          <p className="notice notice-info small" role="status">{t("keys.unreachable")}</p>
        )}
      </Card>
      <Card title={t("keys.perOrg")}>
        <QueryResult query={orgs}>
          {(organizations) => (
            <div className="table-scroll">
            <table className="table stacked-table">
              <thead>
                <tr>
                  <th>{t("common.organization")}</th>
                  <th>{t("keys.answering")}</th>
                  <th>{t("keys.orgKey")}</th>
                </tr>
              </thead>
              <tbody>
                {organizations.map((o) => (
                  <OrgKey key={o.id} org={o} />
                ))}
              </tbody>
            </table>
            </div>
          )}
        </QueryResult>
      </Card>
    </div>
  );
}
