import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { useApp, useLang, useLink } from "../lib/app";
import { POLL_MS, sayTyping, useLive, watchConversation } from "../lib/live";
import { activeFilterCount, filtersFromSearch, filtersToQuery, filtersToSearch, type InboxFilters } from "../lib/filters";
import { formatDateTime, formatRelative } from "../lib/format";
import { TYPING_FADE_MS, applyToConversation, attachmentCaption, describeMedia, lastSeenAgentMessage, mentionedIds, mergeThread, minutesSince, uniqueTitles, whoAnswers } from "../lib/inbox";
import type { Channel, Conversation, ConversationPage, ConversationSummary, KnowledgeSourceRef, Message, Note, StreamingAnswer, TypingState } from "../lib/types";
import { Badge, Button, Empty, ErrorNotice, ErrorState, Loading, QueryResult, errorMessage } from "../components/ui";
import { AssignControl, ViewTabs } from "../components/inbox/Workspace";
import { ConversationLabels, LabelChip, useLabels } from "../components/inbox/Labels";
import { CannedPicker, type CannedReply } from "../components/inbox/Canned";
import { InboxShortcuts } from "../components/inbox/Shortcuts";
import { VisitorPanel } from "../components/inbox/VisitorPanel";
import { cannedTextFor, fillVariables, replaceSlash, slashQuery } from "../lib/canned";
import { MAX_NOTE_CHARS, MentionPicker, NoteItem, mentionQuery, useAddNote, useMarkMentionsRead, useNotes } from "../components/inbox/Notes";
import { ChannelBadge, ContactLine, DeliveryState, TemplateComposer, WindowNotice, contactTitle, personMayWrite } from "../components/inbox/Meta";
import { AttachButton, AttachmentView, UploadList, useUploads } from "../components/inbox/Attachments";
import { ConversationTools, InboxExport, RatingBadge } from "../components/inbox/Satisfaction";

/** A verified user's other conversations, from any of their devices (they are one visitor). */
function EarlierConversations({ visitorId, current }: { visitorId: string; current: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const link = useLink();
  const list = useQuery({
    queryKey: ["conversations", "visitor", visitorId],
    queryFn: () => api<ConversationPage>(`/conversations?visitorId=${encodeURIComponent(visitorId)}&limit=10`),
  });
  const others = (list.data?.items ?? []).filter((o) => o.id !== current);
  if (others.length === 0) return null;
  return (
    <p className="muted small">
      {t("inbox.earlier")}{" "}
      {others.map((o, i) => (
        <span key={o.id}>
          {i > 0 && " · "}
          <Link to={link(`/conversations/${o.id}`)}>{formatDateTime(o.createdAt, lang)}</Link>
        </span>
      ))}
    </p>
  );
}

export function StatusBadge({ c }: { c: Pick<ConversationSummary, "status" | "responderMode" | "needsHuman" | "assignedUser"> }) {
  const { t } = useTranslation();
  const who = whoAnswers(c);
  return (
    <span className="badges">
      {c.status === "closed" && <Badge tone="neutral">{t("status.closed")}</Badge>}
      {c.status !== "closed" &&
        (who.kind === "ai" ? (
          <Badge tone="violet">{t("workspace.who.ai")}</Badge>
        ) : who.kind === "waiting" ? (
          <Badge tone="red">{t("workspace.who.waiting")}</Badge>
        ) : who.kind === "agent" ? (
          <Badge tone="blue">{t("workspace.who.agent", { name: who.name })}</Badge>
        ) : (
          <Badge tone="blue">{t("workspace.who.person")}</Badge>
        ))}
    </span>
  );
}

// Long enough not to search for every letter, short enough to feel instant.
const SEARCH_PAUSE_MS = 350;

function Filters({ filters, onChange }: { filters: InboxFilters; onChange: (f: InboxFilters) => void }) {
  const { t } = useTranslation();
  const { me } = useApp();
  const [q, setQ] = useState(filters.q ?? "");
  // What this box last searched for: the address coming back with it must not overwrite letters typed
  // since; any other change of the address (back, a cleared filter, a link) is shown.
  const searched = useRef(filters.q);
  useEffect(() => {
    if (filters.q !== searched.current) setQ(filters.q ?? "");
    searched.current = filters.q;
  }, [filters.q]);
  // Search as you type: once the typing pauses, with the filters as they are then (not as they were
  // when the typing began); Enter still searches at once.
  const latest = useRef({ filters, onChange });
  latest.current = { filters, onChange };
  const search = (typed: string | undefined) => {
    searched.current = typed;
    latest.current.onChange({ ...latest.current.filters, q: typed });
  };
  useEffect(() => {
    const typed = q.trim() || undefined;
    if (typed === latest.current.filters.q) return;
    const timer = setTimeout(() => search(typed), SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [q]);
  const channels = useQuery({
    queryKey: ["channels", filters.organizationId],
    queryFn: () => api<Channel[]>(`/organizations/${filters.organizationId}/channels`),
    enabled: Boolean(filters.organizationId),
  });
  const status = filters.status.length === 1 ? filters.status[0] : "";
  const labels = useLabels(filters.organizationId ?? me.organizations[0]?.id);
  return (
    <form
      className="filters"
      role="search"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        search(q.trim() || undefined);
      }}
    >
      <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t("inbox.searchPlaceholder")} aria-label={t("inbox.search")} className="grow" />
      <select aria-label={t("common.organization")} value={filters.organizationId ?? ""} onChange={(e) => onChange({ ...filters, organizationId: e.target.value || undefined, channelId: undefined })}>
        <option value="">{t("inbox.allOrganizations")}</option>
        {me.organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      <select aria-label={t("inbox.channel")} value={filters.channelId ?? ""} disabled={!filters.organizationId} onChange={(e) => onChange({ ...filters, channelId: e.target.value || undefined })}>
        <option value="">{t("inbox.allChannels")}</option>
        {channels.data?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </select>
      <select aria-label={t("metaInbox.channelType")} value={filters.channelType ?? ""} onChange={(e) => onChange({ ...filters, channelType: (e.target.value || undefined) as InboxFilters["channelType"] })}>
        <option value="">{t("metaInbox.anyChannelType")}</option>
        <option value="website">{t("metaInbox.channel.website")}</option>
        <option value="whatsapp">{t("metaInbox.channel.whatsapp")}</option>
        <option value="messenger">{t("metaInbox.channel.messenger")}</option>
      </select>
      <select aria-label={t("inbox.status")} value={status} onChange={(e) => onChange({ ...filters, status: e.target.value ? [e.target.value as InboxFilters["status"][number]] : [] })}>
        <option value="">{t("inbox.anyStatus")}</option>
        <option value="open">{t("status.open")}</option>
        <option value="pending">{t("status.pending")}</option>
        <option value="closed">{t("status.closed")}</option>
      </select>
      <select aria-label={t("inbox.responder")} value={filters.responderMode ?? ""} onChange={(e) => onChange({ ...filters, responderMode: (e.target.value || undefined) as InboxFilters["responderMode"] })}>
        <option value="">{t("inbox.anyResponder")}</option>
        <option value="ai">{t("mode.ai")}</option>
        <option value="human">{t("mode.human")}</option>
      </select>
      <select aria-label={t("inbox.language")} value={filters.language ?? ""} onChange={(e) => onChange({ ...filters, language: (e.target.value || undefined) as InboxFilters["language"] })}>
        <option value="">{t("inbox.anyLanguage")}</option>
        <option value="en">{t("languages.en")}</option>
        <option value="es">{t("languages.es")}</option>
      </select>
      <select aria-label={t("labels.filter")} value={filters.labelId ?? ""} onChange={(e) => onChange({ ...filters, labelId: e.target.value || undefined })}>
        <option value="">{t("labels.any")}</option>
        {labels.data?.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
      {activeFilterCount(filters) > 0 && (
        <Button variant="ghost" onClick={() => onChange({ view: filters.view, status: [] })}>
          {t("inbox.clearFilters")}
        </Button>
      )}
    </form>
  );
}

export function ConversationRow({ c, active, to }: { c: ConversationSummary; active?: boolean; to: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const shown = c.preview ?? c.lastMessage;
  const waited = c.needsHuman && c.handedOffAt ? minutesSince(c.handedOffAt) : null;
  // WhatsApp and Messenger media are stored described ("[audio]"): the list says it in the agent's words.
  const preview = shown && (c.channelType === "website" ? shown.content : describeMedia(shown.content, (kind) => t(`attachments.kind.${kind}`)));
  return (
    <Link to={to} className={`conv-row ${active ? "active" : ""} ${c.needsHuman ? "urgent" : ""}`} aria-current={active ? "true" : undefined}>
      <div className="conv-row-top">
        <strong>{contactTitle(c) ?? t("inbox.visitor", { id: c.visitorId.slice(0, 6) })}</strong>
        <time dateTime={c.lastMessageAt} title={formatDateTime(c.lastMessageAt, lang)}>
          {formatRelative(c.lastMessageAt, lang)}
        </time>
      </div>
      <p className="conv-preview">{shown ? `${t(`roles.msg.${shown.role}`)}: ${preview}` : t("inbox.noMessages")}</p>
      {c.needsHuman && (c.handoffReason || c.handoffSummary) && (
        <p className="conv-handoff small">
          {c.handoffReason && <strong>{t(`workspace.reason.${c.handoffReason}`)}</strong>}
          {c.handoffReason && c.handoffSummary && " · "}
          {c.handoffSummary}
        </p>
      )}
      {c.labels && c.labels.length > 0 && (
        <div className="conv-labels">
          {c.labels.map((l) => (
            <LabelChip key={l.id} label={l} />
          ))}
        </div>
      )}
      <div className="conv-row-bottom">
        <ChannelBadge type={c.channelType} />
        <StatusBadge c={c} />
        <RatingBadge rating={c.rating} />
        {waited !== null && <span className="waited small">{t("workspace.waited", { count: waited })}</span>}
        <span className="muted small">
          {c.assignedUser ? t("workspace.heldBy", { name: c.assignedUser.name }) : c.status !== "closed" ? t("workspace.unassigned") : ""}
          {" · "}
          {c.channelName} · {c.language.toUpperCase()}
        </span>
      </div>
    </Link>
  );
}

/** Under an AI answer: the knowledge it was given, titles first, each excerpt on expand (and as a tooltip). */
export function Sources({ sources }: { sources: KnowledgeSourceRef[] }) {
  const { t } = useTranslation();
  return (
    <details className="msg-sources">
      <summary>
        {t("inbox.sources")}: {uniqueTitles(sources).join(" · ")}
      </summary>
      <ul>
        {sources.map((s) => (
          <li key={s.id} title={s.excerpt}>
            <strong>{s.title}</strong>
            {/* A web page's or a website page's URL is its source. */}
            {s.sourceUrl && (
              <a className="msg-source-url" href={s.sourceUrl} target="_blank" rel="noopener noreferrer nofollow">{s.sourceUrl}</a>
            )}
            <p className="msg-source-excerpt">{s.excerpt}</p>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Thread({ messages, notes, seenId, visitorTyping, streaming }: { messages: Message[]; notes: Note[]; seenId?: string | null; visitorTyping?: boolean; streaming?: StreamingAnswer | null }) {
  const { t } = useTranslation();
  const lang = useLang();
  const end = useRef<HTMLDivElement>(null);
  // The AI's answer as it is written, until its message arrives (then the message takes its place).
  const growing = streaming && streaming.text && !messages.some((m) => m.id === streaming.messageId) ? streaming : null;
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
    // (and when the last message's WhatsApp or Messenger delivery shows up or changes under it)
  }, [messages.length, notes.length, visitorTyping, growing?.text.length, messages[messages.length - 1]?.delivery?.status]);
  return (
    <div className="thread" role="log" aria-live="polite" aria-label={t("inbox.thread")}>
      {messages.length === 0 && <Empty>{t("inbox.noMessages")}</Empty>}
      {mergeThread(messages, notes).map((entry) => {
        if (entry.kind === "note") return <NoteItem key={entry.item.id} note={entry.item} />;
        const m = entry.item;
        const caption = m.attachment && attachmentCaption(m.content, m.attachment.name);
        return (
        <div key={m.id} className={`msg msg-${m.role}`}>
          {m.role !== "system" && (
            <div className="msg-meta">
              {m.role === "agent" && m.author ? m.author.name : t(`roles.msg.${m.role}`)} · <time dateTime={m.createdAt}>{formatDateTime(m.createdAt, lang)}</time>
            </div>
          )}
          <div className="msg-body">
            {m.attachment ? (
              <>
                <AttachmentView a={m.attachment} />
                {caption && <p className="msg-caption">{caption}</p>}
              </>
            ) : (
              m.content
            )}
          </div>
          {m.role === "ai" && m.knowledgeSources && m.knowledgeSources.length > 0 && <Sources sources={m.knowledgeSources} />}
          {m.template && <span className="msg-template muted small">{t("metaInbox.sentAsTemplate", { name: m.template })}</span>}
          <DeliveryState m={m} />
          {m.id === seenId && <span className="seen small">{t("presence.seen")}</span>}
        </div>
        );
      })}
      {growing && (
        <div className="msg msg-ai streaming" aria-busy="true">
          <div className="msg-meta">{t("roles.msg.ai")}</div>
          <div className="msg-body">{growing.text}</div>
        </div>
      )}
      {visitorTyping && (
        <p className="typing small" role="status">
          {t("presence.visitorTyping")}
        </p>
      )}
      <div ref={end} />
    </div>
  );
}

function Detail({ id }: { id: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const live = useLive();
  const client = useQueryClient();
  const { me } = useApp();
  const [text, setText] = useState("");
  const [mode, setMode] = useState<"reply" | "note">("reply");
  const [noteText, setNoteText] = useState("");
  const [picked, setPicked] = useState<{ id: string; name: string }[]>([]);
  const [caret, setCaret] = useState(0);
  const [replyCaret, setReplyCaret] = useState(0);
  const firstCanned = useRef<CannedReply | null>(null);
  const notes = useNotes(id);
  // The conversation on screen: its typing frames are ours, its AI answers stream to us.
  useEffect(() => {
    watchConversation(id);
    return () => watchConversation(null);
  }, [id]);
  const typingState = useQuery<(TypingState & { at: number }) | null>({ queryKey: ["typing", id], queryFn: () => null, enabled: false, initialData: null });
  const streaming = useQuery<StreamingAnswer | null>({ queryKey: ["stream", id], queryFn: () => null, enabled: false, initialData: null });
  const [now, setNow] = useState(Date.now());
  const visitorTyping = Boolean(typingState.data && typingState.data.role === "visitor" && typingState.data.typing && now - typingState.data.at < TYPING_FADE_MS);
  useEffect(() => {
    if (!typingState.data) return;
    setNow(Date.now());
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    const stop = window.setTimeout(() => window.clearInterval(tick), TYPING_FADE_MS + 1000);
    return () => {
      window.clearInterval(tick);
      window.clearTimeout(stop);
    };
  }, [typingState.data]);
  const typingSent = useRef(0);
  const typingIdle = useRef<number | undefined>(undefined);
  const typed = () => {
    if (Date.now() - typingSent.current > 2000) {
      typingSent.current = Date.now();
      sayTyping(true);
    }
    window.clearTimeout(typingIdle.current);
    typingIdle.current = window.setTimeout(() => {
      typingSent.current = 0;
      sayTyping(false);
    }, 3000);
  };
  const addNote = useAddNote(id);
  useMarkMentionsRead(id, notes.data, me.user.id);
  const conv = useQuery({
    queryKey: ["conversation", id],
    queryFn: () => api<Conversation>(`/conversations/${id}`),
    refetchInterval: live ? false : POLL_MS,
  });
  const messageCount = conv.data?.messages.length ?? 0;
  useEffect(() => {
    // Read while on screen: the visitor sees "seen" (the server ignores a read with nothing new).
    if (messageCount > 0 && document.visibilityState === "visible") void api(`/conversations/${id}/read`, { method: "POST" }).catch(() => undefined);
  }, [id, messageCount]);
  const refresh = (c: Conversation) => {
    client.setQueryData(["conversation", id], c);
    void client.invalidateQueries({ queryKey: ["conversations"] });
  };
  const action = useMutation({
    mutationFn: (name: "takeover" | "release" | "close" | "reopen") => api<Conversation>(`/conversations/${id}/${name}`, { method: "POST" }),
    onSuccess: refresh,
  });
  const send = useMutation({
    mutationFn: (content: string) => api<Message>(`/conversations/${id}/messages`, { method: "POST", body: { content } }),
    onSuccess: (m) => {
      setText("");
      // The answer is the message: add it (a refetch could race the visitor's next live message).
      client.setQueryData<Conversation>(["conversation", id], (c) =>
        c ? applyToConversation(c, { type: "message.created", organizationId: c.organizationId, conversationId: id, data: { ...m } }) : c,
      );
      void client.invalidateQueries({ queryKey: ["conversations"] });
    },
  });
  // One of our messages the server just took (a template): into the thread at once, as a reply is.
  const addSent = (m: Message) => {
    client.setQueryData<Conversation>(["conversation", id], (x) =>
      x ? applyToConversation(x, { type: "message.created", organizationId: x.organizationId, conversationId: id, data: { ...m } }) : x,
    );
    void client.invalidateQueries({ queryKey: ["conversation", id] });
    void client.invalidateQueries({ queryKey: ["conversations"] });
  };
  // The agent's files: each one, once checked, is a message of theirs in the thread (as a reply is).
  const uploads = useUploads(id, addSent);
  if (conv.isPending) return <Loading />;
  if (conv.isError) return <ErrorState error={conv.error} onRetry={() => void conv.refetch()} />;
  const c = conv.data;
  const closed = c.status === "closed";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) send.mutate(text.trim());
  };
  // A logged-in user of the business's site, vouched for by its signature (docs/integrations.md).
  const identity = (c.visitorMetadata ?? {})["identity"] as { verified?: boolean; userId?: string; name?: string; email?: string } | undefined;
  const verified = identity?.verified === true;
  const visitorName = verified ? identity?.name : undefined;
  const pickCanned = (r: CannedReply) => {
    const filled = fillVariables(cannedTextFor(r, c.language), {
      visitorName,
      agentName: me.user.name,
      businessName: me.organizations.find((o) => o.id === c.organizationId)?.name,
    });
    const next = replaceSlash(text, replyCaret, filled);
    setText(next.text);
    setReplyCaret(next.caret);
    firstCanned.current = null;
  };
  return (
    <div className="detail">
      <header className="detail-head">
        <div>
          <h2>
            {verified ? identity?.name || identity?.email || identity?.userId : (contactTitle(c) ?? t("inbox.visitor", { id: c.visitorId.slice(0, 6) }))}
            {verified && (
              <>
                {" "}
                <Badge tone="green">{t("inbox.verified")}</Badge>
              </>
            )}
          </h2>
          {verified && identity?.email && <p className="muted small">{identity.email}</p>}
          {verified && <EarlierConversations visitorId={c.visitorId} current={c.id} />}
          <ContactLine c={c} />
          <p className="muted small">
            <ChannelBadge type={c.channelType} /> {c.channelName} · {t(`languages.${c.language}`)} · {t("inbox.started", { when: formatDateTime(c.createdAt, lang) })}
          </p>
          <ConversationLabels conversationId={c.id} organizationId={c.organizationId} labels={c.labels ?? []} />
          <RatingBadge rating={c.rating} withComment />
        </div>
        <div className="detail-head-side">
          <StatusBadge c={c} />
          <VisitorPanel conversationId={c.id} />
        </div>
      </header>
      {/* One row for everything an agent does to the conversation, so the messages keep the height. */}
      <div className="detail-actions">
        <AssignControl c={c} onChange={refresh} />
        {!closed && c.responderMode === "ai" && (
          <Button data-shortcut="t" onClick={() => action.mutate("takeover")} busy={action.isPending && action.variables === "takeover"}>
            {t("inbox.takeOver")}
          </Button>
        )}
        {!closed && c.responderMode === "human" && (
          <Button variant="secondary" onClick={() => action.mutate("release")} busy={action.isPending && action.variables === "release"}>
            {t("inbox.release")}
          </Button>
        )}
        {!closed ? (
          <Button data-shortcut="c" variant="secondary" onClick={() => action.mutate("close")} busy={action.isPending && action.variables === "close"}>
            {t("inbox.close")}
          </Button>
        ) : (
          <Button variant="secondary" onClick={() => action.mutate("reopen")} busy={action.isPending && action.variables === "reopen"}>
            {t("inbox.reopen")}
          </Button>
        )}
        <details className="more-menu">
          <summary className="btn btn-ghost">{t("inbox.more")}</summary>
          <ConversationTools conversationId={c.id} />
        </details>
      </div>
      <ErrorNotice error={action.error} />
      <Thread messages={c.messages} notes={notes.data ?? []} seenId={lastSeenAgentMessage(c.messages, c.visitorReadAt)} visitorTyping={visitorTyping} streaming={streaming.data} />
      <div className="composer-tabs" role="tablist" aria-label={t("notes.composer")}>
        <button type="button" role="tab" aria-selected={mode === "reply"} className={mode === "reply" ? "tab active" : "tab"} onClick={() => setMode("reply")} disabled={closed} data-shortcut={mode === "note" && !closed ? "r" : undefined}>
          {t("notes.reply")}
        </button>
        <button type="button" role="tab" aria-selected={mode === "note"} className={mode === "note" ? "tab active" : "tab"} onClick={() => setMode("note")} data-shortcut={mode === "reply" ? "n" : undefined}>
          {t("notes.privateNote")}
        </button>
      </div>
      {mode === "note" ? (
        <form
          className="reply reply-note"
          onSubmit={(e) => {
            e.preventDefault();
            const content = noteText.trim();
            if (!content) return;
            addNote.mutate(
              { content, mentions: mentionedIds(content, picked) },
              {
                onSuccess: () => {
                  setNoteText("");
                  setPicked([]);
                },
              },
            );
          }}
        >
          <textarea
            value={noteText}
            onChange={(e) => {
              setNoteText(e.target.value);
              setCaret(e.target.selectionStart ?? e.target.value.length);
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
            placeholder={t("notes.placeholder")}
            aria-label={t("notes.privateNote")}
            data-shortcut="n"
            rows={2}
            maxLength={MAX_NOTE_CHARS}
          />
          {mentionQuery(noteText, caret) !== null && (
            <MentionPicker
              organizationId={c.organizationId}
              query={mentionQuery(noteText, caret) ?? ""}
              onPick={(m) => {
                const before = noteText.slice(0, caret);
                const at = before.lastIndexOf("@");
                const next = `${noteText.slice(0, at)}@${m.name} ${noteText.slice(caret)}`;
                setNoteText(next);
                setCaret(at + m.name.length + 2);
                setPicked((p) => [...p.filter((x) => x.id !== m.id), m]);
              }}
            />
          )}
          <div className="reply-bar">
            {addNote.isError && <span className="error-text">{errorMessage(addNote.error, t("common.networkError"))}</span>}
            <span className="muted small">{t("notes.hint")}</span>
            <Button type="submit" busy={addNote.isPending} disabled={!noteText.trim()}>
              {t("notes.add")}
            </Button>
          </div>
        </form>
      ) : closed ? (
        <p className="muted reply-closed">{t("inbox.closedHint")}</p>
      ) : !personMayWrite(c) ? (
        <div className="reply reply-window-closed">
          <WindowNotice c={c} />
          {c.replyWindow?.channel === "whatsapp" && <TemplateComposer c={c} onSent={addSent} />}
        </div>
      ) : (
        <>
        <WindowNotice c={c} />
        {c.replyWindow?.channel === "whatsapp" && (
          <details className="template-details">
            <summary>{t("metaInbox.templates.more")}</summary>
            <TemplateComposer c={c} onSent={addSent} />
          </details>
        )}
        <form className="reply" onSubmit={submit} {...uploads.handlers}>
          {slashQuery(text, replyCaret) !== null && (
            <CannedPicker
              organizationId={c.organizationId}
              query={slashQuery(text, replyCaret) ?? ""}
              lang={c.language}
              onPick={pickCanned}
              onFirst={(r) => {
                firstCanned.current = r;
              }}
            />
          )}
          <textarea
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setReplyCaret(e.target.selectionStart ?? e.target.value.length);
              typed();
            }}
            onSelect={(e) => setReplyCaret(e.currentTarget.selectionStart ?? 0)}
            placeholder={c.responderMode === "ai" ? t("inbox.replyPlaceholderAi") : t("inbox.replyPlaceholder")}
            aria-label={t("inbox.reply")}
            data-shortcut="r"
            rows={2}
            maxLength={5000}
            onKeyDown={(e) => {
              if (e.key !== "Enter" || e.shiftKey) return;
              if (slashQuery(text, replyCaret) !== null) {
                // Enter picks the first canned reply found, never sends "/code" to the visitor.
                e.preventDefault();
                if (firstCanned.current) pickCanned(firstCanned.current);
                return;
              }
              submit(e);
            }}
          />
          <UploadList uploads={uploads.uploads} onDismiss={uploads.dismiss} />
          <div className="reply-bar">
            <AttachButton onFiles={uploads.add} />
            {send.isError && <span className="error-text">{errorMessage(send.error, t("common.networkError"))}</span>}
            <span className="muted small">{t("inbox.enterToSend")}</span>
            <Button type="submit" busy={send.isPending} disabled={!text.trim()}>
              {t("inbox.send")}
            </Button>
          </div>
        </form>
        </>
      )}
    </div>
  );
}

export function InboxPage() {
  const { t } = useTranslation();
  const { conversationId } = useParams();
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const live = useLive();
  const link = useLink();
  const navigate = useNavigate();
  const list = useInfiniteQuery({
    queryKey: ["conversations", filtersToSearch(filters).toString()],
    queryFn: ({ pageParam }) => api<ConversationPage>("/conversations", { query: filtersToQuery(filters, pageParam) }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: live ? false : POLL_MS,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const qs = search.toString() ? `?${search.toString()}` : "";
  return (
    <div className={`inbox ${conversationId ? "has-detail" : ""}`}>
      <InboxShortcuts />
      <section className="inbox-list" aria-label={t("inbox.title")}>
        <div className="page-head">
          <h1>{t("inbox.title")}</h1>
        </div>
        <ViewTabs value={filters.view ?? "all"} organizationId={filters.organizationId} onChange={(view) => setSearch(filtersToSearch({ ...filters, view }))} />
        <Filters filters={filters} onChange={(f) => setSearch(filtersToSearch(f))} />
        <InboxExport filters={filters} />
        <QueryResult query={list} onRetry={() => void list.refetch()} isEmpty={() => items.length === 0} empty={activeFilterCount(filters) ? t("inbox.emptyFiltered") : t("inbox.empty")}>
          {() => (
            <div className="conv-list">
              {items.map((c) => (
                <ConversationRow key={c.id} c={c} active={c.id === conversationId} to={link(`/conversations/${c.id}`) + qs} />
              ))}
              {list.hasNextPage && (
                <Button variant="secondary" onClick={() => void list.fetchNextPage()} busy={list.isFetchingNextPage}>
                  {t("inbox.loadMore")}
                </Button>
              )}
            </div>
          )}
        </QueryResult>
      </section>
      <section className="inbox-detail" aria-label={t("inbox.detail")}>
        {conversationId ? (
          <>
            <Button variant="ghost" className="back-btn" onClick={() => navigate(link("/conversations") + qs)}>
              ← {t("inbox.backToList")}
            </Button>
            <Detail id={conversationId} key={conversationId} />
          </>
        ) : (
          <Empty>{t("inbox.pick")}</Empty>
        )}
      </section>
    </div>
  );
}
