import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { DailyActivity } from "../components/DailyActivity";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatAiCost, formatDuration, formatNumber, formatPercent, formatTokenPrice } from "../lib/format";
import { downloadText } from "../lib/download";
import { change, heatmapGrid, lastDays, shade } from "../lib/reports";
import { timeZones } from "../lib/timeZones";
import type { Channel, ModelPrice, OrganizationTimeZone, Report } from "../lib/types";
import { Button, Card, Empty, ErrorNotice, QueryResult } from "../components/ui";
import { NeedOrganization } from "./Members";

type Period = Report["current"];

interface Filters {
  from: string;
  to: string;
  channelId: string;
  language: string;
}

export function ReportsPage() {
  return (
    <div className="page">
      <NeedOrganization>
        <OrgReports />
      </NeedOrganization>
    </div>
  );
}

function OrgReports() {
  const { t } = useTranslation();
  const { orgId, org, me } = useApp();
  const [filters, setFilters] = useState<Filters>({ ...lastDays(30), channelId: "", language: "" });
  // Someone in several organisations (an agency, a platform owner) may read them all at once.
  const [everyOrganization, setEveryOrganization] = useState(false);
  const set = (changes: Partial<Filters>) => setFilters((f) => ({ ...f, ...changes }));
  const query = everyOrganization
    ? { from: filters.from, to: filters.to, language: filters.language }
    : { organizationId: orgId, from: filters.from, to: filters.to, channelId: filters.channelId, language: filters.language };
  const report = useQuery({ queryKey: ["reports", query], queryFn: () => api<Report>("/reports", { query }) });
  const channels = useQuery({ queryKey: ["channels", orgId], queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`), enabled: !everyOrganization });
  const exportRows = useMutation({
    mutationFn: () => api<string>("/reports/conversations.csv", { query }),
    onSuccess: (csv) => downloadText(`conversations-${filters.from}-${filters.to}.csv`, csv, "text/csv"),
  });
  return (
    <>
      <div className="page-head">
        <h1>
          {t("reports.title")} <small className="muted">{everyOrganization ? t("reports.everyOrganization", { count: me.organizations.length }) : org?.name}</small>
        </h1>
        <Button variant="secondary" busy={exportRows.isPending} onClick={() => exportRows.mutate()}>
          {t("reports.export")}
        </Button>
      </div>
      <div className="row reports-filters">
        {me.organizations.length > 1 && (
          <select aria-label={t("reports.scope")} value={everyOrganization ? "all" : "one"} onChange={(e) => setEveryOrganization(e.target.value === "all")}>
            <option value="one">{org?.name}</option>
            <option value="all">{t("reports.everyOrganization", { count: me.organizations.length })}</option>
          </select>
        )}
        <select aria-label={t("reports.period")} value="" onChange={(e) => e.target.value && set(lastDays(Number(e.target.value)))}>
          <option value="">{t("reports.presets")}</option>
          {[7, 30, 90, 365].map((d) => (
            <option key={d} value={d}>
              {t("home.lastDays", { count: d })}
            </option>
          ))}
        </select>
        <label className="inline-label">
          {t("reports.from")}
          <input type="date" value={filters.from} max={filters.to} onChange={(e) => e.target.value && set({ from: e.target.value })} />
        </label>
        <label className="inline-label">
          {t("reports.to")}
          <input type="date" value={filters.to} min={filters.from} onChange={(e) => e.target.value && set({ to: e.target.value })} />
        </label>
        {!everyOrganization && (
          <select aria-label={t("inbox.channel")} value={filters.channelId} onChange={(e) => set({ channelId: e.target.value })}>
            <option value="">{t("inbox.allChannels")}</option>
            {(channels.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
        <select aria-label={t("reports.language")} value={filters.language} onChange={(e) => set({ language: e.target.value })}>
          <option value="">{t("reports.anyLanguage")}</option>
          <option value="en">{t("languages.en")}</option>
          <option value="es">{t("languages.es")}</option>
        </select>
      </div>
      {exportRows.error && <ErrorNotice error={exportRows.error} />}
      {orgId && !everyOrganization && <TimeZoneSetting orgId={orgId} />}
      <QueryResult query={report} onRetry={() => void report.refetch()}>
        {(r) => <ReportBody report={r} />}
      </QueryResult>
    </>
  );
}

/** The organisation's time zone, whose days the reports count: admins change it here (every
 * conversation then counts on its day there), the others read it. */
function TimeZoneSetting({ orgId }: { orgId: string }) {
  const { t } = useTranslation();
  const { isAdmin } = useApp();
  const client = useQueryClient();
  const key = ["time-zone", orgId];
  const url = `/organizations/${orgId}/time-zone`;
  const zone = useQuery({ queryKey: key, queryFn: () => api<OrganizationTimeZone>(url) });
  const [draft, setDraft] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (timeZone: string) => api<OrganizationTimeZone>(url, { method: "PUT", body: { timeZone } }),
    onSuccess: (answer) => {
      client.setQueryData(key, answer);
      setDraft(null);
      void client.invalidateQueries({ queryKey: ["reports"] });
    },
  });
  if (!zone.data) return null;
  const current = zone.data.timeZone;
  const chosen = draft ?? current;
  return (
    <div className="row time-zone-setting">
      <label className="inline-label" title={t("reports.timeZoneHint")}>
        <span className="explained">{t("reports.timeZone")}</span>
        <select value={chosen} disabled={!isAdmin || save.isPending} onChange={(e) => { save.reset(); setDraft(e.target.value); }}>
          {timeZones(chosen).map((z) => (
            <option key={z} value={z}>
              {z.replace(/_/g, " ")}
            </option>
          ))}
        </select>
      </label>
      {isAdmin && (
        <Button variant="secondary" disabled={chosen === current} busy={save.isPending} onClick={() => save.mutate(chosen)}>
          {t("reports.timeZoneSave")}
        </Button>
      )}
      {save.isSuccess && (
        <span className="hint" role="status">
          {t("reports.timeZoneSaved", { timeZone: current })}
        </span>
      )}
      {save.error && <ErrorNotice error={save.error} />}
      <span className="sr-only">{t("reports.timeZoneHint")}</span>
    </div>
  );
}

/** A title that says what it shows on hover and to screen readers. */
function Explained({ label, hint }: { label: string; hint: string }) {
  return (
    <span className="explained" title={hint}>
      {label}
      <span className="sr-only"> — {hint}</span>
    </span>
  );
}

/** A figure, the period before beside it, and what it means on hover and for screen readers. */
function Figure({ label, value, before, delta, hint, goodWhenDown }: { label: string; value: string; before: string; delta: number | null; hint: string; goodWhenDown?: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const tone = delta === null || delta === 0 ? "" : (delta > 0) !== Boolean(goodWhenDown) ? "up" : "down";
  return (
    <div className="stat" title={hint}>
      <span className="stat-label explained">{label}</span>
      <span className="stat-value">{value}</span>
      <span className="stat-hint">
        {t("reports.before", { value: before })}
        {delta !== null && <span className={`delta ${tone}`}> {delta > 0 ? "+" : ""}{formatPercent(delta, lang)}</span>}
      </span>
      <span className="sr-only">{hint}</span>
    </div>
  );
}

function ReportBody({ report }: { report: Report }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { me } = useApp();
  const n = (v: number) => formatNumber(v, lang);
  const pct = (v: number | null) => formatPercent(v, lang);
  const usd = (v: number | null) => (v === null ? "—" : formatAiCost(v, lang));
  const { current: now, previous: before } = report;
  const figure = (label: string, get: (p: Period) => number | null, show: (v: number | null) => string, hint: string, goodWhenDown = false) => (
    <Figure label={label} value={show(get(now))} before={show(get(before))} delta={change(get(now), get(before))} hint={hint} goodWhenDown={goodWhenDown} />
  );
  return (
    <>
      <p className="hint">{t("reports.definitions", { timeZone: report.timeZone ?? t("reports.ownTimeZones") })}</p>
      <div className="stats-grid">
        {figure(t("reports.conversations"), (p) => p.conversations, (v) => n(v ?? 0), t("reports.hint.conversations"))}
        {figure(t("reports.aiResolutionRate"), (p) => p.aiResolutionRate, pct, t("reports.hint.aiResolutionRate"))}
        {figure(t("reports.handoffRate"), (p) => p.handoffRate, pct, t("reports.hint.handoffRate"), true)}
        {figure(t("reports.firstResponse"), (p) => p.firstResponseSeconds.p50, formatDuration, t("reports.hint.firstResponse"), true)}
        {figure(t("reports.firstResponseP90"), (p) => p.firstResponseSeconds.p90 ?? null, formatDuration, t("reports.hint.firstResponseP90"), true)}
        {figure(t("reports.timeToClose"), (p) => p.timeToCloseSeconds.p50, formatDuration, t("reports.hint.timeToClose"), true)}
        {figure(t("reports.aiCost"), (p) => p.aiCost, usd, t("reports.hint.aiCost"), true)}
        {figure(t("reports.costPerResolution"), (p) => p.aiCostPerResolution, usd, t("reports.hint.costPerResolution"), true)}
        {figure(t("csat.reportAi"), (p) => p.csatAi?.satisfactionRate ?? null, pct, t("csat.reportHintAi"))}
        {figure(t("csat.reportAgents"), (p) => p.csatAgents?.satisfactionRate ?? null, pct, t("csat.reportHintAgents"))}
        <div className="stat" title={t("reports.hint.waiting")}>
          <span className="stat-label">{t("reports.waitingNow")}</span>
          <span className="stat-value">{n(report.waitingNow.conversations)}</span>
          <span className="stat-hint">{report.waitingNow.longestSeconds !== null ? t("reports.longestWait", { time: formatDuration(report.waitingNow.longestSeconds) }) : "\u00a0"}</span>
        </div>
      </div>
      <DailyActivity title={<Explained label={t("reports.daily")} hint={t("reports.hint.daily")} />} days={report.daily} />
      <div className="two-col">
        <Card title={<Explained label={t("reports.handoffReasons")} hint={t("reports.hint.handoffReasons")} />}>
          <HandoffReasons reasons={report.handoffReasons} total={now.handoffs} />
        </Card>
        <Card title={<Explained label={t("reports.byAgent")} hint={t("reports.hint.byAgent")} />}>
          <Table
            head={[[t("reports.agent")], [t("reports.conversations")], [t("reports.firstResponse"), t("reports.hint.firstResponse")], [t("csat.reportColumn"), t("reports.hint.satisfaction")]]}
            empty={report.byAgent.length === 0}
          >
            {report.byAgent.map((a) => (
              <tr key={a.userId}>
                <td>{a.name ?? a.userId}</td>
                <td className="num">{n(a.conversations)}</td>
                <td className="num">{formatDuration(a.firstResponseSeconds.p50)}</td>
                <Satisfaction csat={a.csat} />
              </tr>
            ))}
          </Table>
        </Card>
      </div>
      <Card title={<Explained label={t("reports.byLanguage")} hint={t("reports.hint.byLanguage")} />}>
        <Table
          head={[
            [t("reports.language")],
            [t("reports.conversations"), t("reports.hint.conversations")],
            [t("reports.aiResolutionRate"), t("reports.hint.aiResolutionRate")],
            [t("reports.handoffRate"), t("reports.hint.handoffRate")],
            [t("csat.reportAi"), t("csat.reportHintAi")],
            [t("csat.reportAgents"), t("csat.reportHintAgents")],
          ]}
          empty={report.byLanguage.length === 0}
        >
          {report.byLanguage.map((l) => (
            <tr key={l.language}>
              <td>{t(`languages.${l.language}`)}</td>
              <td className="num">{n(l.conversations)}</td>
              <td className="num">{pct(l.aiResolutionRate)}</td>
              <td className="num">{pct(l.handoffRate)}</td>
              <Satisfaction csat={l.csatAi} />
              <Satisfaction csat={l.csatAgents} />
            </tr>
          ))}
        </Table>
      </Card>
      <Card title={<Explained label={t("reports.heatmap")} hint={t("reports.hint.heatmap")} />}>
        <Heatmap cells={report.heatmap} />
      </Card>
      <Card title={<Explained label={t("reports.cost")} hint={t("reports.hint.cost")} />}>
        <Table head={[[t("reports.model")], [t("reports.answers")], [t("reports.tokens")], [t("reports.price"), t("reports.pricesHint")], [t("reports.aiCost"), t("reports.hint.aiCost")]]} empty={report.byModel.length === 0}>
          {report.byModel.map((m) => (
            <tr key={m.model}>
              <td>{m.model}</td>
              <td className="num">{n(m.aiAnswers)}</td>
              <td className="num">{n(m.tokens)}</td>
              <td className="num">{m.usdPerMillionTokens === null ? t("reports.noPrice") : formatTokenPrice(m.usdPerMillionTokens, lang)}</td>
              <td className="num">{usd(m.cost)}</td>
            </tr>
          ))}
        </Table>
        <p className="hint">{t("reports.costHint", { perConversation: usd(now.aiCostPerConversation), billed: n(now.conversations) })}</p>
        {me.user.isSuperAdmin && <PriceTable />}
      </Card>
    </>
  );
}

/** A satisfaction cell: the share of good ratings, with their number and average on hover. */
function Satisfaction({ csat }: { csat: Report["byAgent"][number]["csat"] | undefined }) {
  const { t } = useTranslation();
  const lang = useLang();
  const ratings = csat?.ratings ?? 0;
  return (
    <td className="num" title={ratings ? t("csat.ratingsCount", { count: ratings, average: formatNumber(csat?.average ?? 0, lang) }) : t("csat.noRatings")}>
      {formatPercent(csat?.satisfactionRate ?? null, lang)}
    </td>
  );
}

/** Each column's title, and what it means when it needs saying. */
function Table({ head, empty, children }: { head: ([string] | [string, string])[]; empty: boolean; children: ReactNode }) {
  const { t } = useTranslation();
  if (empty) return <Empty>{t("reports.nothing")}</Empty>;
  return (
    <div className="table-scroll">
      <table className="table reports-table">
        <thead>
          <tr>
            {head.map(([label, hint], i) => (
              <th key={label} className={i > 0 ? "num" : undefined}>
                {hint ? <Explained label={label} hint={hint} /> : label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function HandoffReasons({ reasons, total }: { reasons: Report["handoffReasons"]; total: number }) {
  const { t } = useTranslation();
  const lang = useLang();
  if (reasons.length === 0) return <Empty>{t("reports.noHandoffs")}</Empty>;
  return (
    <ul className="bars">
      {reasons.map((r) => {
        const label = r.source === "ai" && r.reason ? t("reports.source.aiBecause", { reason: t(`reports.reason.${r.reason}`) }) : t(`reports.source.${r.source}`);
        return (
          <li key={`${r.source}-${r.reason}`}>
            <span className="bar-label">{label}</span>
            <span className="bar" style={{ width: `${(r.conversations / Math.max(total, 1)) * 100}%` }} aria-hidden="true" />
            <span className="bar-value">{formatNumber(r.conversations, lang)}</span>
          </li>
        );
      })}
    </ul>
  );
}

function Heatmap({ cells }: { cells: Report["heatmap"] }) {
  const { t } = useTranslation();
  const grid = heatmapGrid(cells);
  const busiest = Math.max(0, ...grid.flat());
  const days = t("reports.weekdays").split(",");
  return (
    <div className="heatmap-scroll">
      <table className="heatmap" aria-label={t("reports.heatmapAria")}>
        <thead>
          <tr>
            <th />
            {grid[0].map((_, hour) => (
              <th key={hour} scope="col">
                {hour % 3 === 0 ? hour : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.map((row, day) => (
            <tr key={day}>
              <th scope="row">{days[day]}</th>
              {row.map((count, hour) => (
                <td key={hour} className={`shade-${shade(count, busiest)}`} title={t("reports.heatmapCell", { day: days[day], hour, count })}>
                  <span className="sr-only">{count}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PriceTable() {
  const { t } = useTranslation();
  const lang = useLang();
  const client = useQueryClient();
  const prices = useQuery({ queryKey: ["model-prices"], queryFn: () => api<ModelPrice[]>("/model-prices") });
  const [editing, setEditing] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: ({ model, price }: { model: string; price: number }) => api<ModelPrice[]>(`/model-prices/${encodeURIComponent(model)}`, { method: "PUT", body: { usdPerMillionTokens: price } }),
    onSuccess: (answer, { model }) => {
      client.setQueryData(["model-prices"], answer);
      setEditing(({ [model]: _, ...rest }) => rest);
      void client.invalidateQueries({ queryKey: ["reports"] });
    },
  });
  return (
    <details className="prices">
      <summary>{t("reports.prices")}</summary>
      <p className="hint">{t("reports.pricesHint")}</p>
      <QueryResult query={prices}>
        {(list) => (
          <table className="table stacked-table">
            <tbody>
              {list.map((p) => (
                <tr key={p.model}>
                  <td>{p.model}</td>
                  <td className="price-edit">
                    <input
                      type="number"
                      min={0}
                      step="0.0001"
                      aria-label={t("reports.priceOf", { model: p.model })}
                      value={editing[p.model] ?? String(p.usdPerMillionTokens)}
                      onChange={(e) => setEditing((all) => ({ ...all, [p.model]: e.target.value }))}
                    />
                    <Button variant="secondary" disabled={editing[p.model] === undefined || Number.isNaN(Number(editing[p.model]))} busy={save.isPending && save.variables?.model === p.model} onClick={() => save.mutate({ model: p.model, price: Number(editing[p.model]) })}>
                      {t("common.save")}
                    </Button>
                  </td>
                  <td className="hint">{p.updatedAt ? t("reports.setByAdmin") : t("reports.listPrice", { price: formatTokenPrice(p.listPrice ?? 0, lang) })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryResult>
      {save.isSuccess && <p className="hint" role="status">{t("reports.priceSaved")}</p>}
      {save.error && <ErrorNotice error={save.error} />}
    </details>
  );
}
