import { useEffect, useState } from "react";
import { Navigate, Outlet, Route, Routes, useLocation, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { isLang, storedLang } from "./i18n";
import { loadSession, onSessionChange, refreshDelay } from "./lib/session";
import { refreshSession } from "./lib/api";
import { AppProvider, useMe } from "./lib/app";
import { LiveProvider } from "./lib/live";
import { ErrorState, Loading } from "./components/ui";
import { Layout } from "./pages/Layout";
import { ForgotPasswordPage, LoginPage } from "./pages/Login";
import { HomePage } from "./pages/Home";
import { InboxPage } from "./pages/Inbox";
import { InboxSettingsPage } from "./pages/InboxSettings";
import { OrganizationsPage, UsersPage } from "./pages/Admin";
import { MembersPage } from "./pages/Members";
import { InvitationPage } from "./pages/Invitation";
import { ChannelsPage } from "./pages/Channels";
import { ChannelSettingsPage } from "./pages/ChannelSettings";
import { AISettingsPage } from "./pages/AISettings";
import { ApiKeysPage } from "./pages/ApiKeys";
import { UsagePage } from "./pages/Usage";
import { ReportsPage } from "./pages/Reports";
import { IntegrationsPage } from "./pages/Integrations";
import { PrivacyPage } from "./pages/Privacy";
import { AuditLogPage } from "./pages/AuditLog";
import { NotFoundPage } from "./pages/NotFound";

function useSession() {
  const [session, setSession] = useState(loadSession);
  useEffect(() => onSessionChange(setSession), []);
  // Refresh the access token a minute before it expires.
  useEffect(() => {
    if (!session) return;
    const timer = window.setTimeout(() => void refreshSession(), refreshDelay(session));
    return () => window.clearTimeout(timer);
  }, [session]);
  return session;
}

/** /:lang/… — the language of the URL drives i18next and <html lang>. */
function LangRoute() {
  const { lang } = useParams();
  const { i18n } = useTranslation();
  useEffect(() => {
    if (isLang(lang)) {
      if (i18n.language !== lang) void i18n.changeLanguage(lang);
      document.documentElement.lang = lang;
    }
  }, [lang, i18n]);
  if (!isLang(lang)) return <NotFoundPage />;
  if (i18n.language !== lang) void i18n.changeLanguage(lang);
  return <Outlet />;
}

function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  const { lang } = useParams();
  if (!session) {
    const next = location.pathname + location.search + location.hash;
    return <Navigate to={`/${lang}/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <SignedIn />;
}

function SignedIn() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  return (
    <AppProvider me={me.data}>
      <LiveProvider userId={me.data.user.id}>
        <Layout />
      </LiveProvider>
    </AppProvider>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/" element={<Navigate to={`/${storedLang()}`} replace />} />
      <Route path="/:lang" element={<LangRoute />}>
        <Route path="login" element={<LoginPage />} />
        <Route path="forgot-password" element={<ForgotPasswordPage />} />
        <Route element={<RequireAuth />}>
          <Route index element={<HomePage />} />
          <Route path="conversations" element={<InboxPage />} />
          <Route path="conversations/:conversationId" element={<InboxPage />} />
          <Route path="inbox-settings" element={<InboxSettingsPage />} />
          <Route path="organizations" element={<OrganizationsPage />} />
          <Route path="users" element={<UsersPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="invitation" element={<InvitationPage />} />
          <Route path="channels" element={<ChannelsPage />} />
          <Route path="channels/:channelId/settings" element={<ChannelSettingsPage />} />
          <Route path="ai" element={<AISettingsPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="reports" element={<ReportsPage />} />
          <Route path="usage" element={<UsagePage />} />
          <Route path="integrations" element={<IntegrationsPage />} />
          <Route path="privacy" element={<PrivacyPage />} />
          <Route path="audit" element={<AuditLogPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>
    </Routes>
  );
}
