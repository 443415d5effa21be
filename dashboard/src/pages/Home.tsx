import { lazy, Suspense, useState } from "react";
import { useTranslation } from "react-i18next";
import { DailyActivity } from "../components/DailyActivity";
import { useQuery } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang, useLink } from "../lib/app";
import { POLL_MS, useLive } from "../lib/live";
import { formatDuration, formatNumber, formatPercent } from "../lib/format";
import type { Stats } from "../lib/types";
import { Card, Empty, Loading, QueryResult } from "../components/ui";
import { GettingStartedCard } from "../components/GettingStarted";

// The inbox's row, from the inbox's chunk: fetched beside the overview, not before the home page can paint.
const ConversationRow = lazy(async () => ({ default: (await import("./Inbox")).ConversationRow }));

function StatCard({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {hint && <span className="stat-hint">{hint}</span>}
    </div>
  );
}

export function HomePage() {
  const { t } = useTranslation();
  const lang = useLang();
  const link = useLink();
  const live = useLive();
  const { orgId, me } = useApp();
  const [scope, setScope] = useState<"org" | "all">("org");
  const [days, setDays] = useState(30);
  const organizationId = scope === "org" ? orgId : null;
  const stats = useQuery({
    queryKey: ["stats", organizationId, days],
    queryFn: () => api<Stats>("/stats", { query: { organizationId, days } }),
    refetchInterval: live ? false : POLL_MS,
  });
  const n = (v: number) => formatNumber(v, lang);
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t("home.title")}</h1>
        <div className="row">
          {me.organizations.length > 1 && (
            <select aria-label={t("home.scope")} value={scope} onChange={(e) => setScope(e.target.value as "org" | "all")}>
              <option value="org">{t("home.scopeOrg")}</option>
              <option value="all">{t("home.scopeAll")}</option>
            </select>
          )}
          <select aria-label={t("home.period")} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 30, 90].map((d) => (
              <option key={d} value={d}>
                {t("home.lastDays", { count: d })}
              </option>
            ))}
          </select>
        </div>
      </div>
      {orgId && <GettingStartedCard orgId={orgId} />}
      <QueryResult query={stats} onRetry={() => void stats.refetch()}>
        {(overview) => (
          <>
            <div className="stats-grid">
              <StatCard label={t("home.today")} value={n(overview.conversationsToday)} />
              <StatCard label={t("home.last7")} value={n(overview.conversationsLast7Days)} />
              <StatCard label={t("home.last30")} value={n(overview.conversationsLast30Days)} />
              <StatCard label={t("home.openNow")} value={n(overview.openNow)} />
              <StatCard label={t("home.waiting")} value={n(overview.waitingForHuman)} />
              <StatCard label={t("home.aiAlone")} value={formatPercent(overview.period.aiAloneShare, lang)} hint={t("home.ofPeriod", { count: overview.period.conversations })} />
              <StatCard label={t("home.handoffRate")} value={formatPercent(overview.period.handoffRate, lang)} hint={t("home.handedCount", { count: overview.period.handedToHuman })} />
              <StatCard label={t("home.firstResponse")} value={formatDuration(overview.period.medianFirstResponseSeconds)} />
            </div>
            <DailyActivity title={t("home.daily")} days={overview.daily} />
            <div className="two-col">
              <Card title={t("home.busiestPages")}>
                {overview.busiestPages.length === 0 ? (
                  <Empty>{t("home.noPages")}</Empty>
                ) : (
                  <table className="table">
                    <thead>
                      <tr>
                        <th>{t("home.page")}</th>
                        <th className="num">{t("home.conversations")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {overview.busiestPages.map((p) => (
                        <tr key={p.pageUrl}>
                          <td className="ellipsis" title={p.pageUrl}>
                            {p.pageUrl}
                          </td>
                          <td className="num">{n(p.conversations)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
              <Card title={t("home.recent")}>
                {overview.recentConversations.length === 0 ? (
                  <Empty>{t("inbox.empty")}</Empty>
                ) : (
                  <Suspense fallback={<Loading />}>
                    <div className="conv-list">
                      {overview.recentConversations.map((c) => (
                        <ConversationRow key={c.id} c={c} to={link(`/conversations/${c.id}`)} />
                      ))}
                    </div>
                  </Suspense>
                )}
              </Card>
            </div>
          </>
        )}
      </QueryResult>
    </div>
  );
}
