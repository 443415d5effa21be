/** Who is signed in (GET /me), which organisation is selected, the language in the URL. */
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate, useParams } from "react-router-dom";
import { api } from "./api";
import type { Lang, Me } from "./types";
import { isLang } from "../i18n";

interface AppState {
  me: Me;
  orgId: string | null;
  setOrgId: (id: string) => void;
  org: Me["organizations"][number] | null;
  isAdmin: boolean;
}

const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp outside AppProvider");
  return state;
}

export function useLang(): Lang {
  const { lang } = useParams();
  return isLang(lang) ? lang : "en";
}

/** A path under the current language: link("/conversations") → "/es/conversations". */
export function useLink(): (path: string) => string {
  const lang = useLang();
  return (path: string) => `/${lang}${path === "/" ? "" : path}`;
}

const ORG_KEY = "cf360.org";

export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: () => api<Me>("/me"), staleTime: 60_000 });
}

/** The organisation a link names (`?org=`, as emails link to a page of one organisation), else the last one chosen. */
export function initialOrgId(search: string, stored: string | null): string | null {
  return new URLSearchParams(search).get("org") || stored;
}

export function AppProvider({ me, children }: { me: Me; children: ReactNode }) {
  const [orgId, setOrg] = useState<string | null>(() => initialOrgId(window.location.search, localStorage.getItem(ORG_KEY)));
  const valid = me.organizations.find((o) => o.id === orgId) ?? me.organizations[0] ?? null;
  useEffect(() => {
    if (valid && valid.id !== orgId) setOrg(valid.id);
    // Remembered like a choice in the selector, so that the next page stays on it.
    if (valid && valid.id !== localStorage.getItem(ORG_KEY)) localStorage.setItem(ORG_KEY, valid.id);
  }, [valid, orgId]);
  const setOrgId = (id: string) => {
    localStorage.setItem(ORG_KEY, id);
    setOrg(id);
  };
  const isAdmin = me.user.isSuperAdmin || valid?.role === "admin";
  return <AppContext.Provider value={{ me, orgId: valid?.id ?? null, setOrgId, org: valid, isAdmin }}>{children}</AppContext.Provider>;
}

export function useGo() {
  const navigate = useNavigate();
  const link = useLink();
  return (path: string) => navigate(link(path));
}
