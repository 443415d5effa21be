/** A page about one channel (/channels/:channelId/…): its title with the channel's name, the way back to
 * Channels, and the page's own content with the channel once the organisation's channels are read. */
import type { ReactNode } from "react";
import { Link, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useQuery } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp } from "../lib/app";
import type { Channel } from "../lib/types";
import { Empty, QueryResult } from "./ui";

export function ChannelPage({ title, children }: { title: string; children: (channel: Channel, orgId: string) => ReactNode }) {
  const { t, i18n } = useTranslation();
  const { orgId } = useApp();
  const { channelId = "" } = useParams();
  const channels = useQuery({ queryKey: ["channels", orgId], queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`), enabled: !!orgId });
  const channel = channels.data?.find((c) => c.id === channelId);
  if (!orgId) return <Empty>{t("common.noOrganization")}</Empty>;
  return (
    <div className="page">
      <div className="page-head">
        <h1>
          {title} <small className="muted">{channel?.name}</small>
        </h1>
        <Link to={`/${i18n.language}/channels`}>{t("hours.back")}</Link>
      </div>
      <QueryResult query={channels}>{() => (channel ? children(channel, orgId) : <Empty>{t("channels.gone")}</Empty>)}</QueryResult>
    </div>
  );
}
