/** A channel's real widget, as its visitors see it, inside the dashboard: the very snippet a business
 * pastes into its site, in a frame of its own so that the widget's script and styles never mix with the
 * dashboard's. Writing to it starts a real conversation (it shows in Conversations, counts toward the
 * plan, and ticks the checklist's "first message"), so the page says so before anyone types. */
import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import type { Channel } from "../lib/types";
import { Card, Notice } from "../components/ui";
import { ChannelPage } from "../components/ChannelPage";
import "./WidgetPreview.css";

type PreviewLanguage = "en" | "es";

/** The page the frame shows: the snippet alone, on a page in `lang` (the widget follows <html lang>
 * unless the channel fixes its language). A `srcdoc` frame shares the dashboard's origin and CSP, which
 * the chat accepts from every channel: the preview works whatever site the channel lists. */
export function previewDocument(snippet: string, lang: PreviewLanguage, title: string): string {
  const escapedTitle = title.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapedTitle}</title></head>` +
    `<body style="margin:0;min-height:100vh;background:#f4f6f8">${snippet}</body></html>`
  );
}

export function WidgetPreviewPage() {
  const { t } = useTranslation();
  return (
    <ChannelPage title={t("preview.title")}>
      {(channel) =>
        channel.embedSnippet ? <PreviewFrame channel={channel} snippet={channel.embedSnippet} /> : <Notice>{t("preview.notWebsite")}</Notice>
      }
    </ChannelPage>
  );
}

function PreviewFrame({ channel, snippet }: { channel: Channel; snippet: string }) {
  const { t, i18n } = useTranslation();
  const [lang, setLang] = useState<PreviewLanguage>(i18n.language === "es" ? "es" : "en");
  const document = useMemo(() => previewDocument(snippet, lang, t("preview.frameTitle")), [snippet, lang, t]);
  return (
    <div className="widget-trial">
      <Card title={t("preview.howTitle")}>
        <p>{t("preview.how")}</p>
        <Notice>{t("preview.real")}</Notice>
        {channel.languageFixed ? (
          <p className="muted small">{t(`preview.fixedLanguage.${channel.defaultLanguage}`)}</p>
        ) : (
          <div className="row">
            <span className="muted small">{t("preview.pageLanguage")}</span>
            <div className="ai-preview-lang" role="group" aria-label={t("preview.pageLanguage")}>
              {(["en", "es"] as const).map((code) => (
                <button key={code} type="button" className={lang === code ? "seg active" : "seg"} aria-pressed={lang === code} onClick={() => setLang(code)}>
                  {t(`languages.${code}`)}
                </button>
              ))}
            </div>
          </div>
        )}
        <p className="muted small">
          <Link to={`/${i18n.language}/conversations`}>{t("preview.seeConversations")}</Link>
        </p>
      </Card>
      {/* key: a new language is a new page, as a visitor switching sites would get */}
      <iframe key={lang} className="widget-trial-frame" title={t("preview.frameTitle")} srcDoc={document} />
    </div>
  );
}
