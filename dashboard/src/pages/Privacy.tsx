import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "../api/schema";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDateTime, formatNumber } from "../lib/format";
import { MAX_RETENTION_DAYS, RETENTION_PRESETS, downloadJson, exportFileName, retentionChoice, retentionDays, type RetentionChoice } from "../lib/privacy";
import type { Channel } from "../lib/types";
import { Badge, Button, Card, ConfirmDialog, ErrorNotice, Field, Notice, QueryResult } from "../components/ui";
import { NeedOrganization } from "./Members";

type Schemas = components["schemas"];
type Retention = Schemas["RetentionOut"];
type Visitor = Schemas["VisitorOut"];
type VisitorExport = Schemas["VisitorExportOut"];
type Erased = Schemas["ErasedOut"];

/** Org admins: how long conversations are kept, and a visitor's data found, exported or erased (GDPR / CCPA). */
export function PrivacyPage() {
  const { t } = useTranslation();
  const { isAdmin } = useApp();
  return (
    <NeedOrganization>
      {isAdmin ? (
        <Privacy />
      ) : (
        <div className="page">
          <Notice>{t("privacy.adminsOnly")}</Notice>
        </div>
      )}
    </NeedOrganization>
  );
}

function Privacy() {
  const { t } = useTranslation();
  const { org } = useApp();
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {t("privacy.title")} <small className="muted">{org?.name}</small>
        </h1>
      </div>
      <p className="muted">{t("privacy.intro")}</p>
      <RetentionSettings />
      <VisitorData />
    </div>
  );
}

function RetentionSettings() {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId, org } = useApp();
  const client = useQueryClient();
  const key = ["retention", orgId];
  const path = `/organizations/${orgId}/retention`;
  const current = useQuery({ queryKey: key, queryFn: () => api<Retention>(path) });
  const [choice, setChoice] = useState<RetentionChoice>("off");
  const [custom, setCustom] = useState("");
  useEffect(() => {
    if (!current.data) return;
    setChoice(retentionChoice(current.data.days));
    setCustom(current.data.days === null ? "" : String(current.data.days));
  }, [current.data]);
  const days = retentionDays(choice, custom);
  const save = useMutation({
    mutationFn: () => api<Retention>(path, { method: "PUT", body: { days } }),
    onSuccess: (saved) => client.setQueryData(key, saved),
  });
  const unchanged = current.data !== undefined && days === current.data.days;
  return (
    <Card title={t("privacy.retention.title")}>
      <p className="muted">{t("privacy.retention.intro")}</p>
      <QueryResult query={current}>
        {(r) => (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (days !== undefined) save.mutate();
            }}
          >
            <p>
              {r.days === null ? <Badge tone="neutral">{t("privacy.retention.keptNow")}</Badge> : <Badge tone="blue">{t("privacy.retention.daysNow", { days: formatNumber(r.days, lang) })}</Badge>}
            </p>
            <fieldset className="fieldset">
              <legend>{t("privacy.retention.keep")}</legend>
              <label className="check">
                <input type="radio" name="retention" checked={choice === "off"} onChange={() => setChoice("off")} /> {t("privacy.retention.off")}
              </label>
              {RETENTION_PRESETS.map((n) => (
                <label key={n} className="check">
                  <input type="radio" name="retention" checked={choice === String(n)} onChange={() => setChoice(String(n) as RetentionChoice)} /> {t("privacy.retention.days", { days: n })}
                </label>
              ))}
              <label className="check">
                <input type="radio" name="retention" checked={choice === "custom"} onChange={() => setChoice("custom")} /> {t("privacy.retention.custom")}
              </label>
              {choice === "custom" && (
                <Field label={t("privacy.retention.customDays")} hint={t("privacy.retention.customHint", { max: formatNumber(MAX_RETENTION_DAYS, lang) })}>
                  {(id) => <input id={id} type="number" inputMode="numeric" min={1} max={MAX_RETENTION_DAYS} step={1} value={custom} onChange={(e) => setCustom(e.target.value)} required />}
                </Field>
              )}
            </fieldset>
            {days !== null && days !== undefined && <Notice>{t("privacy.retention.warning", { days: formatNumber(days, lang), org: org?.name ?? "" })}</Notice>}
            <ErrorNotice error={save.error} />
            <div className="row">
              <Button type="submit" busy={save.isPending} disabled={days === undefined || unchanged}>
                {t("common.save")}
              </Button>
              {save.isSuccess && unchanged && <span className="muted">{t("common.saved")}</span>}
            </div>
          </form>
        )}
      </QueryResult>
    </Card>
  );
}

function VisitorData() {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId } = useApp();
  const [draft, setDraft] = useState("");
  const [search, setSearch] = useState("");
  const [erased, setErased] = useState<Erased | null>(null);
  const path = `/organizations/${orgId}/visitors`;
  const found = useQuery({
    queryKey: ["visitor-search", orgId, search],
    queryFn: () => api<Visitor[]>(path, { query: { q: search, limit: 50 } }),
    enabled: search !== "",
  });
  const channels = useQuery({ queryKey: ["channels", orgId], queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`) });
  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? "—";
  return (
    <Card title={t("privacy.visitors.title")}>
      <p className="muted">{t("privacy.visitors.intro")}</p>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(draft.trim());
          setErased(null);
        }}
      >
        <label className="sr-only" htmlFor="visitor-search">
          {t("privacy.visitors.search")}
        </label>
        <input id="visitor-search" className="grow" type="search" maxLength={200} placeholder={t("privacy.visitors.placeholder")} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <Button type="submit" disabled={!draft.trim()}>
          {t("common.search")}
        </Button>
      </form>
      {erased && (
        <Notice kind="success">
          {t("privacy.visitors.erased", { conversations: formatNumber(erased.conversations, lang), messages: formatNumber(erased.messages, lang), deliveries: formatNumber(erased.webhookDeliveries, lang) })}
        </Notice>
      )}
      {search === "" ? (
        <p className="muted small">{t("privacy.visitors.hint")}</p>
      ) : (
        <QueryResult query={found} isEmpty={(l) => l.length === 0} empty={t("privacy.visitors.none", { search })}>
          {(visitors) => (
            <div className="table-scroll">
              <table className="table stacked-table">
                <thead>
                  <tr>
                    <th>{t("privacy.visitors.visitor")}</th>
                    <th>{t("privacy.visitors.channel")}</th>
                    <th className="num">{t("privacy.visitors.conversations")}</th>
                    <th>{t("privacy.visitors.lastSeen")}</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {visitors.map((v) => (
                    <VisitorRow key={`${v.channelId}:${v.visitorId}`} visitor={v} channel={channelName(v.channelId)} onErased={setErased} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryResult>
      )}
    </Card>
  );
}

function VisitorRow({ visitor, channel, onErased }: { visitor: Visitor; channel: string; onErased: (erased: Erased) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId } = useApp();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const path = `/organizations/${orgId}/visitor-data/${visitor.visitorId}`;
  const label = visitor.name ?? visitor.email ?? visitor.visitorId;
  const exported = useMutation({
    mutationFn: () => api<VisitorExport>(path),
    onSuccess: (data) => downloadJson(exportFileName("visitor", visitor.email ?? visitor.visitorId), data),
  });
  const erase = useMutation({
    mutationFn: () => api<Erased>(path, { method: "DELETE" }),
    onSuccess: (erased) => {
      setConfirming(false);
      onErased(erased);
      void client.invalidateQueries({ queryKey: ["visitor-search", orgId] });
    },
  });
  return (
    <tr>
      <td className="break">
        {visitor.name && <strong>{visitor.name} </strong>}
        {visitor.verified && <Badge tone="green">{t("privacy.visitors.verified")}</Badge>}
        {visitor.email && <div>{visitor.email}</div>}
        <div>
          <code className="muted small">{visitor.visitorId}</code>
        </div>
        {visitor.userId && <div className="muted small">{t("privacy.visitors.userId", { id: visitor.userId })}</div>}
      </td>
      <td data-label={t("privacy.visitors.channel")}>{channel}</td>
      <td className="num" data-label={t("privacy.visitors.conversations")}>
        {formatNumber(visitor.conversationCount, lang)}
      </td>
      <td className="nowrap" data-label={t("privacy.visitors.lastSeen")}>
        {formatDateTime(visitor.lastSeenAt, lang)}
      </td>
      <td className="actions">
        <Button variant="secondary" busy={exported.isPending} onClick={() => exported.mutate()}>
          {t("privacy.visitors.export")}
        </Button>
        <Button variant="danger" onClick={() => setConfirming(true)}>
          {t("privacy.visitors.erase")}
        </Button>
        <ErrorNotice error={exported.error} />
        <ConfirmDialog
          open={confirming}
          title={t("privacy.visitors.eraseTitle")}
          message={t("privacy.visitors.eraseMessage", { visitor: label })}
          confirmLabel={t("privacy.visitors.erase")}
          onConfirm={() => erase.mutate()}
          onClose={() => setConfirming(false)}
          busy={erase.isPending}
          error={erase.error}
        />
      </td>
    </tr>
  );
}

