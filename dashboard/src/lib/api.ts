/** The dashboard API client: JSON in and out, bearer token, the interface's language, one refresh on 401, errors as ApiError. */
import i18n from "../i18n";
import { loadSession, saveSession, sessionFromTokens, type Tokens } from "./session";

export const API_BASE = "/api/dashboard";
/** Set when the session ended by itself, so that the sign-in page can say so. */
export const EXPIRED_FLAG = "cf360.expired";

/** `language` is the message's, when known: our API's Content-Language, English for what answers without one. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public language?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The headers every call sends: the API words its errors in the language the interface shows. */
export function baseHeaders(): Record<string, string> {
  return { "accept-language": i18n.language };
}

async function parseError(res: Response): Promise<ApiError> {
  let code = "http_" + res.status;
  let message = res.statusText || "Request failed";
  // Without Content-Language the answer is not our API's (API Gateway, CloudFront, a proxy): their words are English.
  const language = res.headers.get("content-language") ?? "en";
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string }; detail?: unknown };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
    }
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, code, message, language);
}

let refreshing: Promise<boolean> | null = null;

/** Exchange the refresh token for a new access token; false (and signed out) when that fails. */
export function refreshSession(): Promise<boolean> {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const session = loadSession();
    if (!session?.refreshToken) return false;
    try {
      const res = await fetch(`${API_BASE}/auth/refresh`, {
        method: "POST",
        headers: { ...baseHeaders(), "content-type": "application/json" },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      if (!res.ok) return false;
      const tokens = (await res.json()) as Tokens;
      saveSession(sessionFromTokens(tokens, session.email, session));
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | string[] | number | undefined | null>;
  auth?: boolean;
}

export function buildQuery(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, v));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = "GET", body, query, auth = true } = options;
  const send = () => {
    const headers = baseHeaders();
    if (body !== undefined) headers["content-type"] = "application/json";
    const session = loadSession();
    if (auth && session) headers.authorization = `Bearer ${session.accessToken}`;
    return fetch(`${API_BASE}${path}${buildQuery(query)}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  let res = await send();
  if (res.status === 401 && auth) {
    if (await refreshSession()) res = await send();
    if (res.status === 401) {
      sessionStorage.setItem(EXPIRED_FLAG, "1");
      saveSession(null);
      throw await parseError(res);
    }
  }
  if (!res.ok) throw await parseError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  // A download (text/csv) comes back as its text.
  const json = (res.headers.get("content-type") ?? "application/json").includes("json");
  return (text ? (json ? JSON.parse(text) : text) : undefined) as T;
}
