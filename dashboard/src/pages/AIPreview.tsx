/** The AI settings' preview: a small chat answered by the real pipeline (the organisation's settings, a
 * channel's overrides and knowledge, the provider). Nothing is stored and no usage is counted. */
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp } from "../lib/app";
import { MAX_MESSAGE, previewRequest, sourceTitles, type PreviewReply, type PreviewRequest, type PreviewTurn } from "../lib/preview";
import type { Channel, Lang } from "../lib/types";
import { Button, Card, ErrorNotice } from "../components/ui";

export function AIPreview() {
  const { t, i18n } = useTranslation();
  const { orgId } = useApp();
  const channels = useQuery({ queryKey: ["channels", orgId], queryFn: () => api<Channel[]>(`/organizations/${orgId}/channels`) });
  const [channelId, setChannelId] = useState("");
  const [language, setLanguage] = useState<Lang>(i18n.language?.startsWith("es") ? "es" : "en");
  const [turns, setTurns] = useState<PreviewTurn[]>([]);
  const [draft, setDraft] = useState("");
  const session = useRef(0); // a reset drops the answer still on its way
  const logRef = useRef<HTMLDivElement>(null);
  const send = useMutation({
    mutationFn: ({ body }: { body: PreviewRequest; session: number }) =>
      api<PreviewReply>(`/organizations/${orgId}/ai-settings/preview`, { method: "POST", body }),
    onSuccess: (r, { session: s }) => {
      if (s !== session.current) return;
      setTurns((prev) => [...prev, { role: "ai", content: r.reply, fallback: r.fallback, failure: r.failure, handoff: r.handoff, sources: r.sources }]);
    },
  });
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [turns, send.isPending]);

  function submit() {
    if (send.isPending) return;
    const body = previewRequest(draft, turns, channelId, language);
    if (!body) return;
    setTurns((prev) => [...prev, { role: "visitor", content: body.message }]);
    setDraft("");
    send.mutate({ body, session: session.current });
  }
  function reset() {
    session.current += 1;
    send.reset();
    setTurns([]);
    setDraft("");
  }
  const pending = send.isPending;
  return (
    <Card
      className="ai-preview"
      title={t("ai.preview.title")}
      actions={
        <Button variant="ghost" onClick={reset} disabled={turns.length === 0 && !pending && !send.isError}>
          {t("ai.preview.reset")}
        </Button>
      }
    >
      <div className="ai-preview-controls">
        <label>
          <span className="small muted">{t("ai.preview.answerAs")}</span>
          <select value={channelId} onChange={(e) => setChannelId(e.target.value)} disabled={channels.isPending}>
            <option value="">{t("ai.preview.orgSettings")}</option>
            {(channels.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <div className="ai-preview-lang" role="group" aria-label={t("ai.preview.language")}>
          {(["en", "es"] as const).map((l) => (
            <button key={l} type="button" className={language === l ? "seg active" : "seg"} aria-pressed={language === l} onClick={() => setLanguage(l)}>
              {l.toUpperCase()}
            </button>
          ))}
        </div>
      </div>
      <div className="thread ai-preview-thread" role="log" aria-label={t("ai.preview.thread")} aria-live="polite" ref={logRef}>
        {turns.length === 0 && !pending && <p className="muted small ai-preview-empty">{t("ai.preview.empty")}</p>}
        {turns.map((turn, i) => (
          <div key={i} className={`msg msg-${turn.role}`}>
            <span className="msg-meta">{turn.role === "ai" ? t("ai.preview.ai") : t("ai.preview.you")}</span>
            <div className="msg-body">{turn.content}</div>
            {turn.fallback && (
              <p className="ai-preview-fallback small">
                {t(turn.failure === "key_rejected" ? "ai.preview.keyRejected" : turn.failure === "provider_down" ? "ai.preview.providerDown" : "ai.preview.fallback")}
              </p>
            )}
            {turn.handoff && (
              <p className="ai-preview-fallback small">
                {t("ai.preview.handoff", { reason: t(`reports.reason.${turn.handoff.reason}`) })}
                {turn.handoff.summary && (
                  <>
                    <br />
                    {t("ai.preview.handoffSummary", { summary: turn.handoff.summary })}
                  </>
                )}
              </p>
            )}
            {turn.sources && turn.sources.length > 0 && (
              <details className="msg-sources">
                <summary>
                  {t("inbox.sources")}: {sourceTitles(turn.sources).join(" · ")}
                </summary>
                <ul>
                  {turn.sources.map((s, j) => (
                    <li key={`${s.knowledgeId}-${j}`}>
                      <strong>{s.title}</strong>
                      {s.sourceUrl && (
                        <a className="msg-source-url" href={s.sourceUrl} target="_blank" rel="noopener noreferrer nofollow">{s.sourceUrl}</a>
                      )}
                      <p className="msg-source-excerpt">{s.excerpt}</p>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </div>
        ))}
        {pending && (
          <div className="msg msg-ai" role="status">
            <div className="msg-body typing">{t("ai.preview.typing")}</div>
          </div>
        )}
      </div>
      <ErrorNotice error={send.error} />
      <form
        className="ai-preview-composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          aria-label={t("ai.preview.message")}
          placeholder={t("ai.preview.placeholder")}
          rows={2}
          maxLength={MAX_MESSAGE}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <Button type="submit" busy={pending} disabled={!draft.trim()}>
          {t("ai.preview.send")}
        </Button>
      </form>
      <p className="muted small">{t("ai.preview.notSaved")}</p>
    </Card>
  );
}
