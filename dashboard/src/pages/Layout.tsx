import { NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../lib/api";
import { saveSession } from "../lib/session";
import { useApp, useLang, useLink } from "../lib/app";
import { useLive } from "../lib/live";
import { LanguageSwitch } from "./LanguageSwitch";
import { AvailabilitySwitch, WaitingBadge } from "../components/inbox/Workspace";
import { MentionsBell } from "../components/inbox/Notes";
import { ThemeSwitch } from "../components/ThemeSwitch";
import { activeEntry, usePageTitle } from "../lib/title";

export function Layout() {
  const { t } = useTranslation();
  const { me, orgId, setOrgId, isAdmin } = useApp();
  const live = useLive();
  const link = useLink();
  const lang = useLang();
  const navigate = useNavigate();
  const client = useQueryClient();
  const superAdmin = me.user.isSuperAdmin;

  const logout = async () => {
    await api("/auth/logout", { method: "POST" }).catch(() => undefined);
    saveSession(null);
    client.clear();
    navigate(`/${lang}/login`, { replace: true });
  };

  const nav: { to: string; label: string; show: boolean; end?: boolean }[] = [
    { to: link("/"), label: t("nav.home"), show: true, end: true },
    { to: link("/conversations"), label: t("nav.conversations"), show: true },
    { to: link("/inbox-settings"), label: t("nav.inboxSettings"), show: true },
    { to: link("/channels"), label: t("nav.channels"), show: true },
    { to: link("/members"), label: t("nav.members"), show: true },
    { to: link("/ai"), label: t("nav.ai"), show: true },
    { to: link("/reports"), label: t("nav.reports"), show: true },
    { to: link("/usage"), label: t("nav.usage"), show: true },
    { to: link("/integrations"), label: t("nav.integrations"), show: isAdmin },
    { to: link("/privacy"), label: t("nav.privacy"), show: isAdmin },
    { to: link("/audit"), label: t("nav.audit"), show: isAdmin },
    { to: link("/organizations"), label: t("nav.organizations"), show: superAdmin },
    { to: link("/users"), label: t("nav.users"), show: superAdmin },
    { to: link("/api-keys"), label: t("nav.apiKeys"), show: superAdmin },
  ];

  const shown = nav.filter((n) => n.show);
  usePageTitle(activeEntry(shown, useLocation().pathname)?.label);

  return (
    <div className="shell">
      <a href="#main" className="skip">
        {t("common.skipToContent")}
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          ChatFlow360
        </div>
        <nav aria-label={t("nav.main")}>
          {shown.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.end} className={({ isActive }) => (isActive ? "nav-link active" : "nav-link")}>
              {n.label}
              {n.to === link("/conversations") && <WaitingBadge />}
            </NavLink>
          ))}
        </nav>
      </aside>
      <div className="main-col">
        <header className="topbar">
          {me.organizations.length > 0 ? (
            <label className="org-select">
              <span className="sr-only">{t("common.organization")}</span>
              <select value={orgId ?? ""} onChange={(e) => setOrgId(e.target.value)} aria-label={t("common.organization")}>
                {me.organizations.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <span className="muted">{t("common.noOrganization")}</span>
          )}
          <span className="spacer" />
          <span className={live ? "live on" : "live"} role="status" title={live ? t("live.onHint") : t("live.offHint")}>
            <span className="dot" aria-hidden="true" />
            {live ? t("live.on") : t("live.off")}
          </span>
          <AvailabilitySwitch />
          <MentionsBell />
          <ThemeSwitch />
          <LanguageSwitch />
          <span className="user" title={me.user.email}>
            {me.user.name || me.user.email}
            <small>{superAdmin ? t("roles.super_admin") : isAdmin ? t("roles.admin") : t("roles.agent")}</small>
          </span>
          <button type="button" className="btn btn-ghost" onClick={() => void logout()}>
            {t("auth.signOut")}
          </button>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
