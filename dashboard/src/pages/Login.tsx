import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { useQueryClient } from "@tanstack/react-query";
import { EXPIRED_FLAG, api } from "../lib/api";
import { saveSession, sessionFromTokens, type Tokens } from "../lib/session";
import { useLang } from "../lib/app";
import { chosenLang } from "../i18n";
import type { Challenge, Me } from "../lib/types";
import { Button, Field, Notice, errorMessage } from "../components/ui";
import { LanguageSwitch } from "./LanguageSwitch";
import { usePageTitle } from "../lib/title";

type LoginAnswer = Tokens | Challenge;

function AuthShell({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  usePageTitle(title);
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-top">
          <span className="brand">
            <span className="brand-mark" aria-hidden="true" />
            ChatFlow360
          </span>
          <LanguageSwitch persist={false} />
        </div>
        <h1>{title}</h1>
        {children}
        <p className="auth-foot">{t("auth.tagline")}</p>
      </div>
    </main>
  );
}

export function LoginPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [params] = useSearchParams();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [expired] = useState(() => sessionStorage.getItem(EXPIRED_FLAG) !== null);
  useEffect(() => {
    sessionStorage.removeItem(EXPIRED_FLAG);
  }, []);

  /** Signed in: go where the operator was going, in the browser's chosen language or else the profile's. */
  const done = async (tokens: Tokens) => {
    client.clear();
    saveSession(sessionFromTokens(tokens, email.trim().toLowerCase()));
    let target = lang;
    try {
      const me = await api<Me>("/me");
      client.setQueryData(["me"], me);
      target = chosenLang() ?? me.user.preferredLanguage;
    } catch {
      /* the shell will show the error */
    }
    const next = params.get("next");
    const path = next && next.startsWith("/") && !next.includes("/login") ? next : `/${lang}`;
    navigate(path.replace(/^\/(en|es)(?=\/|$|\?)/, `/${target}`), { replace: true });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const answer = await api<LoginAnswer>("/auth/login", { method: "POST", body: { email, password }, auth: false });
      if ("challenge" in answer) {
        if (answer.challenge !== "NEW_PASSWORD_REQUIRED") throw new Error(answer.challenge);
        setChallenge(answer.session);
      } else await done(answer);
    } catch (err) {
      setError(errorMessage(err, t("common.networkError")));
    } finally {
      setBusy(false);
    }
  };

  const submitNew = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (newPassword !== confirm) return setError(t("auth.passwordsDiffer"));
    setBusy(true);
    try {
      await done(await api<Tokens>("/auth/new-password", { method: "POST", body: { email, session: challenge, newPassword }, auth: false }));
    } catch (err) {
      setError(errorMessage(err, t("common.networkError")));
    } finally {
      setBusy(false);
    }
  };

  if (challenge) {
    return (
      <AuthShell title={t("auth.newPasswordTitle")}>
        <p className="muted">{t("auth.newPasswordIntro")}</p>
        <form onSubmit={submitNew} className="stack">
          <Field label={t("auth.newPassword")} hint={t("auth.passwordRules")}>
            {(id) => <input id={id} type="password" autoComplete="new-password" required minLength={8} value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoFocus />}
          </Field>
          <Field label={t("auth.confirmPassword")}>
            {(id) => <input id={id} type="password" autoComplete="new-password" required minLength={8} value={confirm} onChange={(e) => setConfirm(e.target.value)} />}
          </Field>
          {error && <Notice kind="error">{error}</Notice>}
          <Button type="submit" busy={busy}>
            {t("auth.setPassword")}
          </Button>
        </form>
      </AuthShell>
    );
  }

  return (
    <AuthShell title={t("auth.signInTitle")}>
      {expired && <Notice>{t("auth.expired")}</Notice>}
      <form onSubmit={submit} className="stack">
        <Field label={t("auth.email")}>
          {(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}
        </Field>
        <Field label={t("auth.password")}>
          {(id) => <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        {error && <Notice kind="error">{error}</Notice>}
        <Button type="submit" busy={busy}>
          {t("auth.signIn")}
        </Button>
        <Link to={`/${lang}/forgot-password`} className="link">
          {t("auth.forgot")}
        </Link>
      </form>
    </AuthShell>
  );
}

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async (e: FormEvent, action: () => Promise<void>) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err, t("common.networkError")));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthShell title={t("auth.forgotTitle")}>
      {done ? (
        <>
          <Notice kind="success">{t("auth.resetDone")}</Notice>
          <Link to={`/${lang}/login`} className="link">
            {t("auth.backToSignIn")}
          </Link>
        </>
      ) : !sent ? (
        <form className="stack" onSubmit={(e) => run(e, async () => {
          await api("/auth/forgot-password", { method: "POST", body: { email }, auth: false });
          setSent(true);
        })}>
          <p className="muted">{t("auth.forgotIntro")}</p>
          <Field label={t("auth.email")}>
            {(id) => <input id={id} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />}
          </Field>
          {error && <Notice kind="error">{error}</Notice>}
          <Button type="submit" busy={busy}>
            {t("auth.sendCode")}
          </Button>
          <Link to={`/${lang}/login`} className="link">
            {t("auth.backToSignIn")}
          </Link>
        </form>
      ) : (
        <form className="stack" onSubmit={(e) => run(e, async () => {
          await api("/auth/confirm-forgot-password", { method: "POST", body: { email, code: code.trim(), newPassword: password }, auth: false });
          setDone(true);
        })}>
          <Notice>{t("auth.codeSent", { email })}</Notice>
          <Field label={t("auth.code")}>
            {(id) => <input id={id} inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} autoFocus />}
          </Field>
          <Field label={t("auth.newPassword")} hint={t("auth.passwordRules")}>
            {(id) => <input id={id} type="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          {error && <Notice kind="error">{error}</Notice>}
          <Button type="submit" busy={busy}>
            {t("auth.setPassword")}
          </Button>
          <Link to={`/${lang}/login`} className="link">
            {t("auth.backToSignIn")}
          </Link>
        </form>
      )}
    </AuthShell>
  );
}
