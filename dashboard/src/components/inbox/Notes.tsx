/** Private notes in the thread: shown apart from messages, written in markdown-lite with @mentions,
 * and the caller's unread mentions behind a bell in the header. A note is never the visitor's. */
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { Link, useLocation } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../lib/api";
import { useLang, useLink } from "../../lib/app";
import { formatDateTime, formatRelative } from "../../lib/format";
import { addNote } from "../../lib/inbox";
import type { Mention, Note } from "../../lib/types";
import type { components } from "../../api/schema";

type Member = components["schemas"]["MemberOut"];

export const MAX_NOTE_CHARS = 10_000;

// Loaded with the first note shown, not in the app's shell (the mentions bell below is in every page's header).
const Markdown = lazy(() => import("markdown-to-jsx"));

/** Markdown-lite: emphasis, code, links and lists; raw HTML is shown as text, never parsed, and links
 * open apart from the app. markdown-to-jsx builds React elements (no innerHTML), and drops
 * javascript: and data: links. */
export function NoteText({ text }: { text: string }) {
  return (
    <Suspense fallback={text}>
      <Markdown
        options={{
          disableParsingRawHTML: true,
          overrides: {
            a: { props: { target: "_blank", rel: "noopener noreferrer nofollow" } },
            h1: { component: "strong" },
            h2: { component: "strong" },
            h3: { component: "strong" },
            img: { component: "span" },
          },
        }}
      >
        {text}
      </Markdown>
    </Suspense>
  );
}

export function useNotes(conversationId: string) {
  return useQuery({ queryKey: ["notes", conversationId], queryFn: () => api<Note[]>(`/conversations/${conversationId}/notes`) });
}

export function NoteItem({ note }: { note: Note }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <div className="msg msg-note" data-testid="note">
      <div className="msg-meta">
        <span aria-hidden="true">🔒</span> {t("notes.label")} · {note.author?.name || t("notes.someone")} · <time dateTime={note.createdAt}>{formatDateTime(note.createdAt, lang)}</time>
      </div>
      <div className="msg-body note-body">
        <NoteText text={note.content} />
      </div>
    </div>
  );
}

/** The @ picker's suggestions: members whose name or email starts with what follows the last "@". */
export function mentionQuery(text: string, caret: number): string | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf("@");
  if (at < 0 || (at > 0 && !/\s/.test(before[at - 1]))) return null;
  const query = before.slice(at + 1);
  return /^[^\s@]{0,40}$/.test(query) ? query : null;
}

export function MentionPicker({
  organizationId,
  query,
  onPick,
}: {
  organizationId: string;
  query: string;
  onPick: (m: { id: string; name: string }) => void;
}) {
  const { t } = useTranslation();
  const members = useQuery({
    queryKey: ["members", organizationId],
    queryFn: () => api<Member[]>(`/organizations/${organizationId}/members`),
    staleTime: 60_000,
  });
  const q = query.toLowerCase();
  const found = (members.data ?? []).filter((m) => m.active && (m.name.toLowerCase().startsWith(q) || m.email.toLowerCase().startsWith(q))).slice(0, 6);
  if (found.length === 0) return null;
  return (
    <ul className="picker" role="listbox" aria-label={t("notes.mentionSomeone")}>
      {found.map((m) => (
        <li key={m.userId} role="option" aria-selected="false">
          <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={() => onPick({ id: m.userId, name: m.name || m.email })}>
            <strong>{m.name || m.email}</strong> <span className="muted small">{m.email}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export function useAddNote(conversationId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { content: string; mentions: string[] }) => api<Note>(`/conversations/${conversationId}/notes`, { method: "POST", body }),
    onSuccess: (note) => client.setQueryData<Note[]>(["notes", conversationId], (n) => addNote(n ?? [], note)),
  });
}

/** The caller's mentions: a bell with the unread count; opening one marks its conversation's read. */
export function MentionsBell() {
  const { t } = useTranslation();
  const lang = useLang();
  const link = useLink();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLSpanElement>(null);
  const location = useLocation();
  // Closed by a click anywhere else, Escape, or going to another page.
  useEffect(() => setOpen(false), [location.pathname]);
  useEffect(() => {
    if (!open) return;
    const outside = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", outside);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("mousedown", outside);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);
  const mentions = useQuery({ queryKey: ["mentions"], queryFn: () => api<Mention[]>("/me/mentions"), refetchInterval: 60_000 });
  const unread = (mentions.data ?? []).filter((m) => !m.read).length;
  return (
    <span className="bell" ref={box}>
      <button type="button" className="btn btn-ghost" aria-expanded={open} aria-label={t("notes.mentions", { count: unread })} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">@</span>
        {unread > 0 && <span className="nav-count">{unread}</span>}
      </button>
      {open && (
        <div className="bell-panel" role="dialog" aria-label={t("notes.mentionsTitle")}>
          <strong>{t("notes.mentionsTitle")}</strong>
          {(mentions.data ?? []).length === 0 && <p className="muted small">{t("notes.noMentions")}</p>}
          <ul>
            {(mentions.data ?? []).slice(0, 10).map((m) => (
              <li key={m.note.id} className={m.read ? "" : "unread"}>
                <Link to={link(`/conversations/${m.note.conversationId}`)} onClick={() => setOpen(false)}>
                  {t("notes.mentionedBy", { name: m.note.author?.name || t("notes.someone") })} · {formatRelative(m.note.createdAt, lang)}
                </Link>
                <div className="small ellipsis bell-note">
                  <NoteText text={m.note.content} />
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </span>
  );
}

/** Opening a conversation reads the caller's mentions in it. */
export function useMarkMentionsRead(conversationId: string, notes: Note[] | undefined, myId: string) {
  const client = useQueryClient();
  const mentionsMe = (notes ?? []).some((n) => n.mentions.some((m) => m.id === myId));
  useQuery({
    queryKey: ["mentions", "read", conversationId, notes?.length ?? 0],
    queryFn: async () => {
      const r = await api<{ read: number }>(`/conversations/${conversationId}/mentions/read`, { method: "POST" });
      if (r.read > 0) void client.invalidateQueries({ queryKey: ["mentions"], exact: true });
      return r;
    },
    enabled: mentionsMe,
    staleTime: Infinity,
  });
}
