/** The Knowledge tab's "Knowledge gaps": the questions visitors asked that the knowledge could not
 * answer, grouped by similar question. Members read them; admins add an answer (the knowledge entry
 * form, pre-filled with the question: saving it marks the gap answered), dismiss or reopen one. */
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang } from "../lib/app";
import { formatDateTime } from "../lib/format";
import type { KnowledgeGap } from "../lib/types";
import { Badge, Button, Card, ErrorNotice, Notice, QueryResult } from "../components/ui";

export type GapStatus = KnowledgeGap["status"];

const EMPTY: Record<GapStatus, string> = { open: "ai.gaps.empty", answered: "ai.gaps.emptyAnswered", dismissed: "ai.gaps.emptyDismissed" };

export function KnowledgeGaps({ onAnswer, notice }: { onAnswer: (gap: KnowledgeGap) => void; notice: string | null }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { orgId, isAdmin } = useApp();
  const client = useQueryClient();
  const [status, setStatus] = useState<GapStatus>("open");
  const [done, setDone] = useState<string | null>(null);
  const gaps = useQuery({
    queryKey: ["knowledge-gaps", orgId, status],
    queryFn: () => api<KnowledgeGap[]>(`/organizations/${orgId}/knowledge-gaps`, { query: { status } }),
  });
  const change = useMutation({
    mutationFn: ({ gap, action }: { gap: KnowledgeGap; action: "dismiss" | "reopen" }) =>
      api(`/organizations/${orgId}/knowledge-gaps/${gap.id}/${action}`, { method: "POST" }),
    onSuccess: (_, { action }) => {
      setDone(t(action === "dismiss" ? "ai.gaps.dismissedDone" : "ai.gaps.reopenedDone"));
      void client.invalidateQueries({ queryKey: ["knowledge-gaps", orgId] });
    },
  });
  const shown = gaps.data ?? [];
  return (
    <Card className="knowledge knowledge-gaps" title={t("ai.gaps.title")}>
      <p className="muted small">{t("ai.gaps.intro")}</p>
      <div className="filters">
        <label className="sr-only" htmlFor="gap-filter">{t("ai.gaps.show")}</label>
        <select id="gap-filter" aria-label={t("ai.gaps.show")} value={status} onChange={(e) => { setDone(null); setStatus(e.target.value as GapStatus); }}>
          {(["open", "answered", "dismissed"] as const).map((s) => (
            <option key={s} value={s}>{t(`ai.gaps.statuses.${s}`)}</option>
          ))}
        </select>
      </div>
      {(done ?? notice) && <Notice kind="success">{done ?? notice}</Notice>}
      {change.error && <ErrorNotice error={change.error} />}
      <QueryResult query={gaps} onRetry={() => void gaps.refetch()} isEmpty={() => shown.length === 0} empty={t(EMPTY[status])}>
        {() => (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t("ai.gaps.question")}</th>
                  <th>{t("ai.gaps.asked")}</th>
                  <th>{t("ai.gaps.lastAsked")}</th>
                  <th>{t("ai.gaps.languages")}</th>
                  <th>{t("ai.gaps.why")}</th>
                  {isAdmin && <th><span className="sr-only">{t("common.edit")}</span></th>}
                </tr>
              </thead>
              <tbody>
                {shown.map((g) => (
                  <tr key={g.id} data-gap={g.id}>
                    {/* The visitor's own words: shown as text, never as markup. */}
                    <td><strong className="gap-question">{g.question}</strong></td>
                    <td>{t("ai.gaps.askedTimes", { count: g.count })}</td>
                    <td><time dateTime={g.lastAskedAt}>{formatDateTime(g.lastAskedAt, lang)}</time></td>
                    <td>
                      <div className="row gap-tags">
                        {g.languages.map((l) => <Badge key={l} tone="blue">{t(`languages.${l}`)}</Badge>)}
                      </div>
                    </td>
                    <td className="small">{g.reasons.map((r) => t(`ai.gaps.reasons.${r}`)).join(" · ")}</td>
                    {isAdmin && (
                      <td>
                        <div className="row end kb-actions">
                          {g.status === "open" && (
                            <>
                              <Button variant="secondary" onClick={() => { setDone(null); onAnswer(g); }}>{t("ai.gaps.addAnswer")}</Button>
                              <Button variant="ghost" busy={change.isPending && change.variables?.gap.id === g.id} onClick={() => change.mutate({ gap: g, action: "dismiss" })}>{t("ai.gaps.dismiss")}</Button>
                            </>
                          )}
                          {g.status !== "open" && (
                            <Button variant="ghost" onClick={() => change.mutate({ gap: g, action: "reopen" })}>{t("ai.gaps.reopen")}</Button>
                          )}
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryResult>
    </Card>
  );
}
