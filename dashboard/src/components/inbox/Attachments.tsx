/** Attachments in the thread (issue #19): a message's file as its thumbnail (images, opening the full
 * file), a player (WhatsApp's and Messenger's voice notes and videos, #20) or its name and size, and the agent's own uploads — the attach button, paste and drop — each a
 * presigned POST straight to storage with its progress, then confirmed by the API, which checks it. */
import { useState, type ClipboardEvent, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { api, ApiError } from "../../lib/api";
import type { components } from "../../api/schema";
import { postToStorage } from "../../lib/storage";
import type { Message } from "../../lib/types";
import { errorMessage } from "../ui";
import "./attachments.css";

type Attachment = components["schemas"]["AttachmentOut"];
type Grant = components["schemas"]["AttachmentUploadOut"];

export const ACCEPT = "image/jpeg,image/png,image/webp,image/gif,application/pdf,text/plain";

export function formatSize(bytes: number, lang: string): string {
  const mb = bytes / (1024 * 1024);
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: mb >= 1 ? 1 : 0 });
  if (mb >= 1024) return `${number.format(mb / 1024)} GB`;
  if (bytes === 0) return "0 KB";
  return mb >= 1 ? `${number.format(mb)} MB` : `${number.format(Math.max(1, Math.ceil(bytes / 1024)))} KB`;
}

/** Only what the API signed: an https (or, locally, http) URL, never a javascript: one. */
const safe = (url: string | null | undefined) => (url && /^https?:\/\//.test(url) ? url : undefined);

/** A customer's voice note or video from WhatsApp or Messenger: played in the thread (the browser's own
 * controls, nothing loaded before it is played but its length), with its name, size and a way to open it. */
function MediaView({ a, kind }: { a: Attachment; kind: "audio" | "video" }) {
  const { t, i18n } = useTranslation();
  const url = safe(a.url);
  const label = t(`attachments.${kind}`, { name: a.name });
  return (
    <figure className={`attachment attachment-media attachment-${kind}`}>
      {kind === "audio" ? (
        <audio controls preload="metadata" src={url} aria-label={label} />
      ) : (
        <video controls preload="metadata" playsInline src={url} aria-label={label} />
      )}
      <figcaption>
        <a href={url} target="_blank" rel="noopener noreferrer" title={t("attachments.open", { name: a.name })} className="attachment-name">
          {a.name}
        </a>{" "}
        <span className="attachment-size muted small">{formatSize(a.size, i18n.language)}</span>
      </figcaption>
    </figure>
  );
}

export function AttachmentView({ a }: { a: Attachment }) {
  const { t, i18n } = useTranslation();
  const thumbnail = safe(a.thumbnailUrl);
  if (a.contentType.startsWith("audio/")) return <MediaView a={a} kind="audio" />;
  if (a.contentType.startsWith("video/")) return <MediaView a={a} kind="video" />;
  return (
    <a className={`attachment${thumbnail ? " attachment-image" : ""}`} href={safe(a.url)} target="_blank" rel="noopener noreferrer"
      title={t("attachments.open", { name: a.name })}>
      {thumbnail ? (
        <img src={thumbnail} alt={a.name} width={a.width ?? undefined} height={a.height ?? undefined} loading="lazy" />
      ) : (
        <span className="attachment-file" aria-hidden="true">
          📄
        </span>
      )}
      <span className="attachment-name">{a.name}</span>
      <span className="attachment-size muted small">{formatSize(a.size, i18n.language)}</span>
    </a>
  );
}

interface Upload {
  id: number;
  name: string;
  percent: number;
  error?: string;
}

let nextUpload = 0;

/** Uploads into one conversation: `add(files)` sends each; `onSent` gets each message once confirmed. */
export function useUploads(conversationId: string, onSent: (m: Message) => void) {
  const { t } = useTranslation();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const update = (id: number, change: Partial<Upload>) => setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...change } : u)));
  const send = async (file: File) => {
    const id = nextUpload++;
    setUploads((list) => [...list, { id, name: file.name, percent: 0 }]);
    try {
      const grant = await api<Grant>(`/conversations/${conversationId}/attachments`, {
        method: "POST",
        body: { name: file.name, contentType: file.type || "application/octet-stream", size: file.size },
      });
      if (!(await postToStorage(grant, file, (percent) => update(id, { percent })))) throw new Error("upload");
      onSent(await api<Message>(`/conversations/${conversationId}/attachments/${grant.attachmentId}`, { method: "POST" }));
      setUploads((list) => list.filter((u) => u.id !== id));
    } catch (error) {
      update(id, { error: error instanceof ApiError ? errorMessage(error, t("attachments.failed")) : t("attachments.failed") });
    }
  };
  const add = (files: FileList | File[] | null | undefined) => [...(files ?? [])].forEach((f) => void send(f));
  const dismiss = (id: number) => setUploads((list) => list.filter((u) => u.id !== id));
  /** Paste and drop handlers for the reply box: files go up, text pastes as usual. */
  const handlers = {
    onPaste: (e: ClipboardEvent) => {
      if (e.clipboardData.files.length === 0) return;
      e.preventDefault();
      add(e.clipboardData.files);
    },
    onDragOver: (e: DragEvent) => {
      if ([...e.dataTransfer.types].includes("Files")) e.preventDefault();
    },
    onDrop: (e: DragEvent) => {
      if (e.dataTransfer.files.length === 0) return;
      e.preventDefault();
      add(e.dataTransfer.files);
    },
  };
  return { uploads, add, dismiss, handlers };
}

export function AttachButton({ onFiles, disabled }: { onFiles: (files: FileList | null) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <label className={`attach-button${disabled ? " disabled" : ""}`} title={t("attachments.hint")}>
      <input type="file" multiple accept={ACCEPT} disabled={disabled} className="sr-only"
        aria-label={t("attachments.attach")}
        onChange={(e) => {
          onFiles(e.currentTarget.files);
          e.currentTarget.value = "";
        }}
      />
      <span aria-hidden="true">📎</span> {t("attachments.attach")}
    </label>
  );
}

export function UploadList({ uploads, onDismiss }: { uploads: Upload[]; onDismiss: (id: number) => void }) {
  const { t } = useTranslation();
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-live="polite">
      {uploads.map((u) => (
        <li key={u.id} className={u.error ? "upload-failed" : undefined}>
          <span className="attachment-name">{u.name}</span>{" "}
          {u.error ? (
            <>
              <span className="error-text" role="alert">{u.error}</span>{" "}
              <button type="button" className="upload-dismiss" onClick={() => onDismiss(u.id)}>
                {t("attachments.dismiss")}
              </button>
            </>
          ) : (
            <progress max={100} value={u.percent} aria-label={t("attachments.uploading", { name: u.name })}>
              {u.percent}%
            </progress>
          )}
        </li>
      ))}
    </ul>
  );
}
