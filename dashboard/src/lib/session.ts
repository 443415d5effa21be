/** The signed-in session: Cognito tokens kept in localStorage, refreshed before they expire. */
import type { Tokens } from "./types";

export type { Tokens };

export interface Session {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number;
  email: string;
}

const KEY = "cf360.session";
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return typeof s.accessToken === "string" ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  listeners.forEach((l) => l(session));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function sessionFromTokens(tokens: Tokens, email: string, previous?: Session | null, now = Date.now()): Session {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? previous?.refreshToken ?? null,
    expiresAt: now + tokens.expiresIn * 1000,
    email,
  };
}

/** Milliseconds until the token should be refreshed: a minute before expiry (never negative). */
export function refreshDelay(session: Session, now = Date.now()): number {
  return Math.max(0, session.expiresAt - now - 60_000);
}
