/** Around a conversation (issue #19): the visitor's satisfaction rating in the list and the thread, a
 * transcript emailed to the visitor, and exports of a conversation or of what the inbox's filters show. */
import { useTranslation } from "react-i18next";
import { useMutation } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { downloadText } from "../../lib/download";
import { filtersToQuery, type InboxFilters } from "../../lib/filters";
import type { ConversationSummary } from "../../lib/types";
import { Button, ErrorNotice } from "../ui";
import "./satisfaction.css";

type Rating = NonNullable<ConversationSummary["rating"]>;

/** ★★★★☆ (or a thumb), with who it credits; the comment is the visitor's words, shown as text. */
export function RatingBadge({ rating, withComment }: { rating?: Rating | null; withComment?: boolean }) {
  const { t } = useTranslation();
  if (!rating) return null;
  const label =
    rating.scale === "thumbs" ? t(rating.value >= 3 ? "csat.thumbUp" : "csat.thumbDown") : t("csat.rated", { value: rating.value });
  const face = rating.scale === "thumbs" ? (rating.value >= 3 ? "👍" : "👎") : "★".repeat(rating.value) + "☆".repeat(5 - rating.value);
  return (
    <span className={`rating ${rating.value >= 4 ? "good" : rating.value <= 2 ? "bad" : ""}`} title={label}>
      <span aria-hidden="true">{face}</span>
      <span className="sr-only">{label}</span>
      {withComment && rating.responder && <span className="muted small"> · {t(`csat.after.${rating.responder}`)}</span>}
      {withComment && rating.comment && (
        <q className="rating-comment" aria-label={t("csat.comment")}>
          {rating.comment}
        </q>
      )}
    </span>
  );
}

const asText = (data: unknown) => (typeof data === "string" ? data : JSON.stringify(data, null, 2));

/** Under the thread's actions: the visitor gets a copy by email (in the conversation's language), and the
 * conversation's messages export as CSV or JSON. */
export function ConversationTools({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const send = useMutation({
    mutationFn: () => api<{ sentTo: string; language: string }>(`/conversations/${conversationId}/transcript`, { method: "POST", body: {} }),
  });
  const run = useMutation({
    mutationFn: async (format: "csv" | "json") => ({ format, data: await api<unknown>(`/exports/conversations/${conversationId}`, { query: { format } }) }),
    onSuccess: ({ format, data }) => downloadText(`conversation-${conversationId}.${format}`, asText(data), format === "csv" ? "text/csv" : "application/json"),
  });
  return (
    <div className="detail-tools">
      <Button variant="secondary" onClick={() => send.mutate()} busy={send.isPending}>
        {t("transcripts.send")}
      </Button>
      <Button variant="ghost" onClick={() => run.mutate("csv")} busy={run.isPending && run.variables === "csv"}>
        {t("transcripts.exportCsv")}
      </Button>
      <Button variant="ghost" onClick={() => run.mutate("json")} busy={run.isPending && run.variables === "json"}>
        {t("transcripts.exportJson")}
      </Button>
      {send.data && (
        <p className="small" role="status">
          {t("transcripts.sent", { email: send.data.sentTo })}
        </p>
      )}
      <ErrorNotice error={send.error ?? run.error} />
    </div>
  );
}

/** What the inbox shows with these filters (up to 10,000 conversations), one row each. */
export function InboxExport({ filters }: { filters: InboxFilters }) {
  const { t } = useTranslation();
  const run = useMutation({
    mutationFn: async (format: "csv" | "json") => {
      const { cursor: _cursor, limit: _limit, ...query } = filtersToQuery(filters);
      return { format, data: await api<unknown>("/exports/conversations", { query: { ...query, format } }) };
    },
    onSuccess: ({ format, data }) =>
      downloadText(`conversations-${new Date().toISOString().slice(0, 10)}.${format}`, asText(data), format === "csv" ? "text/csv" : "application/json"),
  });
  return (
    <div className="inbox-export" title={t("transcripts.exportHint")}>
      <Button variant="ghost" onClick={() => run.mutate("csv")} busy={run.isPending && run.variables === "csv"}>
        {t("transcripts.exportCsv")}
      </Button>
      <Button variant="ghost" onClick={() => run.mutate("json")} busy={run.isPending && run.variables === "json"}>
        {t("transcripts.exportJson")}
      </Button>
      <ErrorNotice error={run.error} />
    </div>
  );
}
