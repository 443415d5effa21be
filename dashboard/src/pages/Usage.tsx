import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatMonth, formatNumber, formatUsd } from "../lib/format";
import type { OrganizationUsage, PlatformUsage } from "../lib/types";
import { Badge, Card, ErrorState, Loading, QueryResult } from "../components/ui";
import { formatSize } from "../components/inbox/Attachments";
import { NeedOrganization } from "./Members";

export function usageShare(conversations: number, limit: number): number {
  return limit > 0 ? Math.min(1, conversations / limit) : 0;
}

export function UsagePage() {
  const { me } = useApp();
  return (
    <div className="page">
      <NeedOrganization>
        <OrgUsage />
      </NeedOrganization>
      {me.user.isSuperAdmin && <AllUsage />}
    </div>
  );
}

function OrgUsage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId } = useApp();
  const usage = useQuery({ queryKey: ["usage", orgId], queryFn: () => api<OrganizationUsage>(`/organizations/${orgId}/usage`, { query: { months: 12 } }) });
  const n = (v: number) => formatNumber(v, lang);
  if (usage.isPending) return <Loading />;
  if (usage.isError) return <ErrorState error={usage.error} />;
  const u = usage.data;
  const month = u.months[0];
  const share = usageShare(month.conversations, month.conversationLimit);
  return (
    <>
      <div className="page-head">
        <h1>
          {t("usage.title")} <small className="muted">{u.name}</small>
        </h1>
        <Badge tone="violet">{t(`plans.${u.plan}`)}</Badge>
      </div>
      <Card title={t("usage.thisMonth", { month: formatMonth(month.month, lang) })}>
        <div className="meter-row">
          <strong className="big">{n(month.conversations)}</strong>
          <span className="muted">{t("usage.ofLimit", { limit: n(month.conversationLimit) })}</span>
        </div>
        <div className="meter" role="progressbar" aria-valuemin={0} aria-valuemax={month.conversationLimit} aria-valuenow={month.conversations} aria-label={t("usage.conversations")}>
          <span style={{ width: `${share * 100}%` }} className={month.overageConversations > 0 ? "over" : share > 0.8 ? "warn" : ""} />
        </div>
        <div className="stats-grid small-grid">
          <div className="stat">
            <span className="stat-label">{t("usage.overage")}</span>
            <span className="stat-value">{n(month.overageConversations)}</span>
            <span className="stat-hint">{t("usage.overageTerms", { block: u.overage.blockConversations, price: formatUsd(u.overage.blockPriceUsd, lang) })}</span>
          </div>
          <div className="stat">
            <span className="stat-label">{t("usage.overageCost")}</span>
            <span className="stat-value">{formatUsd(month.overageCostUsd, lang)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">{t("usage.messages")}</span>
            <span className="stat-value">{n(month.messages)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">{t("usage.aiMessages")}</span>
            <span className="stat-value">{n(month.aiMessages)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">{t("usage.tokens")}</span>
            <span className="stat-value">{n(month.tokens)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">{t("usage.embeddingTokens")}</span>
            <span className="stat-value">{n(month.embeddingTokens)}</span>
            <span className="stat-hint">{t("usage.embeddingHint")}</span>
          </div>
          {u.attachments && (
            <div className="stat">
              <span className="stat-label">{t("usage.attachments")}</span>
              <span className="stat-value">{formatSize(u.attachments.usedBytes, lang)}</span>
              <span className="stat-hint">{t("usage.attachmentsOf", { limit: formatSize(u.attachments.limitBytes, lang) })}</span>
            </div>
          )}
        </div>
        <p className="muted small">{t("usage.neverCutOff")}</p>
      </Card>
      <Card title={t("usage.history")}>
        {/* Eight columns: on a phone the table scrolls within its card. */}
        <div className="usage-history">
        <table className="table">
          <thead>
            <tr>
              <th>{t("usage.month")}</th>
              <th className="num">{t("usage.conversations")}</th>
              <th className="num">{t("usage.limit")}</th>
              <th className="num">{t("usage.overage")}</th>
              <th className="num">{t("usage.overageCost")}</th>
              <th className="num">{t("usage.messages")}</th>
              <th className="num">{t("usage.tokens")}</th>
              <th className="num">{t("usage.embeddingTokens")}</th>
            </tr>
          </thead>
          <tbody>
            {u.months.map((m) => (
              <tr key={m.month}>
                <td>{formatMonth(m.month, lang)}</td>
                <td className="num">{n(m.conversations)}</td>
                <td className="num">{n(m.conversationLimit)}</td>
                <td className="num">{n(m.overageConversations)}</td>
                <td className="num">{formatUsd(m.overageCostUsd, lang)}</td>
                <td className="num">{n(m.messages)}</td>
                <td className="num">{n(m.tokens)}</td>
                <td className="num">{n(m.embeddingTokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      </Card>
    </>
  );
}

function AllUsage() {
  const { t } = useTranslation();
  const lang = useLang();
  const usage = useQuery({ queryKey: ["usage-all"], queryFn: () => api<PlatformUsage>("/usage") });
  const n = (v: number) => formatNumber(v, lang);
  return (
    <Card title={t("usage.allOrgs")}>
      <QueryResult query={usage}>
        {(platform) => (
          <table className="table">
            <thead>
              <tr>
                <th>{t("common.organization")}</th>
                <th>{t("orgs.plan")}</th>
                <th className="num">{t("usage.conversations")}</th>
                <th className="num">{t("usage.overageCost")}</th>
                <th className="num">{t("usage.messages")}</th>
              </tr>
            </thead>
            <tbody>
              {platform.organizations.map((o) => (
                <tr key={o.organizationId}>
                  <td>{o.name}</td>
                  <td>{t(`plans.${o.plan}`)}</td>
                  <td className="num">
                    {n(o.conversations)} / {n(o.conversationLimit)}
                  </td>
                  <td className="num">{formatUsd(o.overageCostUsd, lang)}</td>
                  <td className="num">{n(o.messages)}</td>
                </tr>
              ))}
              <tr className="total">
                <td>{t("usage.total")}</td>
                <td />
                <td className="num">{n(platform.totals.conversations)}</td>
                <td className="num">{formatUsd(platform.totals.overageCostUsd, lang)}</td>
                <td className="num">{n(platform.totals.messages)}</td>
              </tr>
            </tbody>
          </table>
        )}
      </QueryResult>
    </Card>
  );
}
