import { lazy, Suspense, useEffect, useState, type ComponentType } from "react";
import { Navigate, Outlet, Route, Routes, useLocation, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { isLang, storedLang } from "./i18n";
import { loadSession, onSessionChange, refreshDelay } from "./lib/session";
import { refreshSession } from "./lib/api";
import { AppProvider, useMe } from "./lib/app";
import { LiveProvider } from "./lib/live";
import { ErrorState, Loading } from "./components/ui";
import { Layout } from "./pages/Layout";
import { NotFoundPage } from "./pages/NotFound";

// Each page is a chunk of its own, fetched the first time it is visited: the first page a browser opens
// loads the app's shell and that page, not all of them (the budget in scripts/bundle-budget.mjs).
function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  const Page = lazy(async () => {
    const module = (await load()) as Record<K, ComponentType> | undefined;
    // None: the chunk is gone since this tab loaded the app, which is loading afresh (main.tsx).
    if (!module) await new Promise(() => {});
    return { default: module![name] as ComponentType };
  });
  return function LazyPage() {
    return (
      <Suspense fallback={<Loading />}>
        <Page />
      </Suspense>
    );
  };
}

const LoginPage = page(() => import("./pages/Login"), "LoginPage");
const ForgotPasswordPage = page(() => import("./pages/Login"), "ForgotPasswordPage");
const HomePage = page(() => import("./pages/Home"), "HomePage");
const InboxPage = page(() => import("./pages/Inbox"), "InboxPage");
const InboxSettingsPage = page(() => import("./pages/InboxSettings"), "InboxSettingsPage");
const OrganizationsPage = page(() => import("./pages/Admin"), "OrganizationsPage");
const UsersPage = page(() => import("./pages/Admin"), "UsersPage");
const MembersPage = page(() => import("./pages/Members"), "MembersPage");
const InvitationPage = page(() => import("./pages/Invitation"), "InvitationPage");
const ChannelsPage = page(() => import("./pages/Channels"), "ChannelsPage");
const ChannelSettingsPage = page(() => import("./pages/ChannelSettings"), "ChannelSettingsPage");
const WidgetPreviewPage = page(() => import("./pages/WidgetPreview"), "WidgetPreviewPage");
const AISettingsPage = page(() => import("./pages/AISettings"), "AISettingsPage");
const ApiKeysPage = page(() => import("./pages/ApiKeys"), "ApiKeysPage");
const UsagePage = page(() => import("./pages/Usage"), "UsagePage");
const ReportsPage = page(() => import("./pages/Reports"), "ReportsPage");
const IntegrationsPage = page(() => import("./pages/Integrations"), "IntegrationsPage");
const PrivacyPage = page(() => import("./pages/Privacy"), "PrivacyPage");
const AuditLogPage = page(() => import("./pages/AuditLog"), "AuditLogPage");

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
          <Route path="channels/:channelId/try" element={<WidgetPreviewPage />} />
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
