/** A logo or a photo (chatflow.media): the picture as visitors see it (or the initials they see without
 * one), "Upload" and "Remove". The file goes straight to storage with a presigned POST; the server then
 * checks it, squares it and publishes it. Every outcome says itself: saved, removed, or why not. */
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../lib/api";
import { postToStorage } from "../lib/storage";
import { Button, errorMessage } from "./ui";
import "./PictureField.css";

const TYPES = ["image/png", "image/jpeg", "image/webp"];
const MAX_BYTES = 2 * 1024 * 1024;

interface Grant {
  url: string;
  fields: Record<string, string>;
  uploadKey: string;
}

export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? "?").slice(0, 2)).toUpperCase();
}

/** `path`: where the picture is set (PUT), removed (DELETE) and its upload asked for (POST …/upload). */
export function PictureField<T>({ label, name, url, path, readOnly, onSaved }: {
  label: string; name: string; url: string | null | undefined; path: string; readOnly?: boolean; onSaved: (result: T) => void;
}) {
  const { t } = useTranslation();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const safeUrl = url && /^https?:\/\//.test(url) ? url : undefined;

  const run = async (work: () => Promise<T>, done: string) => {
    setBusy(true);
    setStatus(null);
    try {
      onSaved(await work());
      setStatus({ ok: true, text: done });
    } catch (error) {
      setStatus({ ok: false, text: errorMessage(error, error instanceof Error ? error.message : t("picture.uploadFailed")) });
    } finally {
      setBusy(false);
    }
  };
  const upload = (file: File) => {
    if (!TYPES.includes(file.type) || file.size > MAX_BYTES) {
      setStatus({ ok: false, text: t("picture.wrongFile") });
      return;
    }
    void run(async () => {
      const grant = await api<Grant>(`${path}/upload`, { method: "POST", body: { contentType: file.type, size: file.size } });
      if (!(await postToStorage(grant, file))) throw new Error(t("picture.uploadFailed"));
      return api<T>(path, { method: "PUT", body: { uploadKey: grant.uploadKey } });
    }, t("picture.saved"));
  };
  const remove = () => {
    if (window.confirm(t("picture.confirmRemove"))) void run(() => api<T>(path, { method: "DELETE" }), t("picture.removed"));
  };

  return (
    <div className="picture-field">
      {safeUrl ? <img className="picture" src={safeUrl} alt={label} /> : <span className="picture initials" aria-hidden="true">{initialsOf(name)}</span>}
      <div className="picture-actions">
        <span className="picture-label">{label}</span>
        {!readOnly && (
          <div className="row">
            <input ref={input} type="file" accept={TYPES.join(",")} hidden aria-label={label}
              onChange={(e) => { const file = e.target.files?.[0]; e.target.value = ""; if (file) upload(file); }} />
            <Button variant="secondary" busy={busy} onClick={() => input.current?.click()}>
              {safeUrl ? t("picture.change") : t("picture.upload")}
            </Button>
            {safeUrl && <Button variant="ghost" disabled={busy} onClick={remove}>{t("common.remove")}</Button>}
          </div>
        )}
        <p className="hint">{t("picture.hint")}</p>
        {status && <p className={status.ok ? "ok-text" : "error-text"} role={status.ok ? "status" : "alert"}>{status.text}</p>}
      </div>
    </div>
  );
}
