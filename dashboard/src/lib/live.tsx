/** The operators' WebSocket: live events into TanStack Query's cache, a "Live" flag, ping, reconnect. */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { loadSession, onSessionChange } from "./session";
import { addDelta, addNote, applyToConversation, needsHumanNow } from "./inbox";
import type { Conversation, LiveEvent, Note, StreamingAnswer } from "./types";
import { notify, notifyNeedsHuman, setNotifyUser } from "./notify";
import i18n from "../i18n";

const PING_MS = 4 * 60_000;
export const POLL_MS = 30_000;

/** Reconnect delays: 1 s, 2 s, 4 s … capped at 30 s. */
export function backoffDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}

export function socketUrl(origin: string, token: string): string {
  const url = new URL("/ws", origin);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", token);
  return url.toString();
}

// The one socket, for what the dashboard says on it: which conversation it has open ("watch": its
// AI answers stream here, its typing frames are the operator's) and that its operator is typing.
let liveSocket: WebSocket | null = null;
let watched: string | null = null;

function say(message: Record<string, unknown>): void {
  if (liveSocket?.readyState === WebSocket.OPEN) liveSocket.send(JSON.stringify(message));
}

/** The conversation on screen (null: none); said again after every reconnect. */
export function watchConversation(conversationId: string | null): void {
  watched = conversationId;
  say({ action: "watch", conversationId });
}

/** The operator is (not) typing in the watched conversation; the server lets one frame through every 2 s. */
export function sayTyping(typing: boolean): void {
  say({ action: "typing", typing });
}

const LiveContext = createContext(false);
export const useLive = () => useContext(LiveContext);

// Each conversation's notification once: a waiting one when it starts waiting, a message to me per message.
const waitingSeen = new Set<string>();
const lastNotified = new Map<string, string>();

export function LiveProvider({ children, userId }: { children: ReactNode; userId?: string }) {
  const client = useQueryClient();
  useEffect(() => {
    if (userId) setNotifyUser(userId);
  }, [userId]);
  const [connected, setConnected] = useState(false);
  const [token, setToken] = useState(() => loadSession()?.accessToken ?? null);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => onSessionChange((s) => setToken((old) => (s ? (old ?? s.accessToken) : null))), []);

  useEffect(() => {
    if (!token) return;
    let socket: WebSocket | null = null;
    let attempt = 0;
    let stopped = false;
    let ping: number | undefined;
    let reconnect: number | undefined;

    const invalidateLists = () => {
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => {
        void client.invalidateQueries({ queryKey: ["conversations"] });
        void client.invalidateQueries({ queryKey: ["stats"] });
      }, 250);
    };

    const connect = () => {
      const current = loadSession();
      if (!current) return;
      socket = new WebSocket(socketUrl(window.location.origin, current.accessToken));
      liveSocket = socket;
      socket.onopen = () => {
        attempt = 0;
        if (watched) say({ action: "watch", conversationId: watched });
        setConnected(true);
        ping = window.setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ action: "ping" })), PING_MS);
        invalidateLists(); // catch up on what happened while disconnected
        void client.invalidateQueries({ queryKey: ["conversation"] });
      };
      socket.onmessage = (msg) => {
        let event: LiveEvent;
        try {
          event = JSON.parse(String(msg.data)) as LiveEvent;
        } catch {
          return;
        }
        if (!event.conversationId) return;
        if (event.type === "typing") {
          client.setQueryData(["typing", event.conversationId], { ...event.data, at: Date.now() });
          return;
        }
        if (event.type === "message.delta") {
          // The AI's answer as it is written, for the thread on screen; its message.created replaces it.
          client.setQueryData<StreamingAnswer | null>(["stream", event.conversationId], (s) => addDelta(s, event.data));
          return;
        }
        if (event.type === "note.created") {
          // A private note: into the conversation's notes only (never a message, never the lists).
          client.setQueryData<Note[]>(["notes", event.conversationId], (n) => (n ? addNote(n, event.data) : n));
          void client.invalidateQueries({ queryKey: ["mentions"] });
          return;
        }
        const key = ["conversation", event.conversationId];
        client.setQueryData<Conversation>(key, (c) => (c ? applyToConversation(c, event) : c));
        // A fetch already under way would overwrite this event with older data: fetch again.
        if (client.isFetching({ queryKey: key }) > 0) void client.invalidateQueries({ queryKey: key });
        // WhatsApp and Messenger: an update may be a message's delivery (sent, read, failed), which the thread shows.
        else if (event.type === "conversation.updated" && event.data.channelType && event.data.channelType !== "website") void client.invalidateQueries({ queryKey: key });
        invalidateLists();
        if (needsHumanNow(event) && !waitingSeen.has(event.conversationId)) {
          waitingSeen.add(event.conversationId);
          notifyNeedsHuman(i18n.t("notify.waitingTitle"), event.type === "conversation.created" || event.type === "conversation.updated" ? (event.data.preview?.content ?? "") : "");
        } else if (
          (event.type === "conversation.updated" || event.type === "conversation.created") &&
          event.data.assignedUser?.id === userId &&
          event.data.lastMessage?.role === "visitor" &&
          event.data.lastMessage.createdAt > (lastNotified.get(event.conversationId) ?? "")
        ) {
          lastNotified.set(event.conversationId, event.data.lastMessage.createdAt);
          notify(i18n.t("notify.messageTitle"), event.data.lastMessage.content, `message-${event.conversationId}`);
        }
      };
      socket.onclose = () => {
        setConnected(false);
        window.clearInterval(ping);
        if (stopped) return;
        reconnect = window.setTimeout(connect, backoffDelay(attempt++));
      };
      socket.onerror = () => socket?.close();
    };
    connect();
    return () => {
      stopped = true;
      window.clearInterval(ping);
      window.clearTimeout(reconnect);
      socket?.close();
      setConnected(false);
    };
  }, [token, client]);

  return <LiveContext.Provider value={connected}>{children}</LiveContext.Provider>;
}
