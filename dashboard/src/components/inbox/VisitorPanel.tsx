/** Who the visitor is: browser, system and device (parsed on the server by ua-parser), their local
 * time, languages, the page they are on and the pages they came through, their name and email (an
 * agent may write them), and their earlier conversations on this channel. Every value is the
 * visitor's own text: shown as text, never as markup, and links open apart. */
import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { useLang, useLink } from "../../lib/app";
import { formatDateTime } from "../../lib/format";
import type { components } from "../../api/schema";
import { Button, ErrorNotice } from "../ui";

type Profile = components["schemas"]["VisitorProfileOut"];

/** The visitor's wall-clock time now, in the interface's language; null for an unknown zone. */
export function localTime(timeZone: string | null | undefined, lang: string, now: Date = new Date()): string | null {
  if (!timeZone) return null;
  try {
    return new Intl.DateTimeFormat(lang === "es" ? "es-ES" : "en-US", { timeZone, hour: "2-digit", minute: "2-digit", weekday: "short" }).format(now);
  } catch {
    return null;
  }
}

export function useVisitorProfile(conversationId: string) {
  return useQuery({ queryKey: ["visitor", conversationId], queryFn: () => api<Profile>(`/conversations/${conversationId}/visitor`) });
}

export function VisitorPanel({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const link = useLink();
  const client = useQueryClient();
  const profile = useVisitorProfile(conversationId);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => tick((n) => n + 1), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  const save = useMutation({
    mutationFn: () => api<Profile>(`/conversations/${conversationId}/visitor`, { method: "PATCH", body: { name: name.trim() || null, email: email.trim() || null } }),
    onSuccess: (p) => {
      client.setQueryData(["visitor", conversationId], p);
      setEditing(false);
    },
  });
  const p = profile.data;
  if (!p) return null;
  const time = localTime(p.timeZone, lang);
  const rows: [string, string | null][] = [
    [t("visitor.browser"), p.browser],
    [t("visitor.os"), p.os],
    [t("visitor.device"), p.device ?? (p.browser ? t("visitor.computer") : null)],
    [t("visitor.localTime"), time ? `${time} (${p.timeZone})` : null],
    [t("visitor.languages"), p.languages],
  ];
  return (
    <details className="meta visitor-panel">
      <summary>
        {t("inbox.visitorDetails")}
        {p.name ? ` · ${p.name}` : ""}
        {time ? ` · ${time}` : ""}
      </summary>
      <div className="visitor-panel-body">
        {editing ? (
          <form
            className="inline-form"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <label>
              {t("visitor.name")} <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
            </label>
            <label>
              {t("visitor.email")} <input type="email" value={email} maxLength={254} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <Button type="submit" busy={save.isPending}>
              {t("common.save")}
            </Button>
            <Button variant="ghost" onClick={() => setEditing(false)}>
              {t("common.cancel")}
            </Button>
            <ErrorNotice error={save.error} />
          </form>
        ) : (
          <p className="small">
            <strong>{p.name || t("visitor.noName")}</strong>
            {p.email && <> · {p.email}</>}
            {!p.verified && (
              <>
                {" "}
                <button
                  type="button"
                  className="link-btn small"
                  onClick={() => {
                    setName(p.name ?? "");
                    setEmail(p.email ?? "");
                    setEditing(true);
                  }}
                >
                  {t("common.edit")}
                </button>
              </>
            )}
          </p>
        )}
        <dl>
          {rows
            .filter(([, v]) => v)
            .map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          <div>
            <dt>{t("visitor.id")}</dt>
            <dd className="break">{p.visitorId}</dd>
          </div>
        </dl>
        {p.pages.length > 0 && (
          <>
            <strong className="small">{t("visitor.pages")}</strong>
            <ol className="pages small">
              {p.pages.map((page, i) => (
                <li key={`${i}-${page}`} className="ellipsis" title={page}>
                  <a href={page} target="_blank" rel="noopener noreferrer nofollow">
                    {page}
                  </a>
                </li>
              ))}
            </ol>
          </>
        )}
        {p.earlier.length > 0 && (
          <p className="small">
            {t("visitor.earlier")}{" "}
            {p.earlier.map((e, i) => (
              <span key={e.id}>
                {i > 0 && " · "}
                <Link to={link(`/conversations/${e.id}`)}>{formatDateTime(e.createdAt, lang)}</Link>
              </span>
            ))}
          </p>
        )}
      </div>
    </details>
  );
}
