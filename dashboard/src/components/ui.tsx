/** The small component kit: buttons, fields, cards, states. Plain CSS in styles.css. */
import { useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import i18n from "../i18n";
import { ApiError } from "../lib/api";
import { nameConfirmed } from "../lib/admin";

export function Button({ variant = "primary", busy, children, ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: "primary" | "secondary" | "danger" | "ghost"; busy?: boolean }) {
  return (
    <button type="button" {...props} className={`btn btn-${variant} ${props.className ?? ""}`} disabled={props.disabled || busy} aria-busy={busy || undefined}>
      {busy && <span className="spinner spinner-sm" aria-hidden="true" />}
      {children}
    </button>
  );
}

export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint && <p className="hint">{hint}</p>}
    </div>
  );
}

export function Card({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ""}`}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <div className="state" role="status">
      <span className="spinner" aria-hidden="true" /> {t("common.loading")}
    </div>
  );
}

/**
 * What went wrong, in the interface's language: the API's own words when it answered in that language, else ours for
 * the code — a gateway's refusal is in English, and an answer may predate a switch of language.
 */
export function errorMessage(error: unknown, fallback: string): string {
  if (!(error instanceof ApiError)) return fallback;
  if (error.language === undefined || error.language === i18n.language) return error.message;
  return i18n.t(`apiErrors.${error.code}`, { defaultValue: i18n.t("apiErrors.other", { status: error.status }) });
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="state state-error" role="alert">
      <strong>{t("common.error")}</strong> {errorMessage(error, t("common.networkError"))}
      {onRetry && (
        <Button variant="secondary" onClick={onRetry}>
          {t("common.retry")}
        </Button>
      )}
    </div>
  );
}

/** What the API said went wrong, as it words it; nothing while there is no error. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error == null) return null;
  return <Notice kind="error">{errorMessage(error, t("common.networkError"))}</Notice>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

/** The parts of a React Query result (plain or infinite) that say what there is to show. */
type QueryOutcome<T> = { isPending: true } | { isPending: false; isError: true; error: unknown } | { isPending: false; isError: false; data: T };

/** A query's answer: the spinner while it loads, the error (with Retry given `onRetry`) when it failed,
 * `empty` when `isEmpty` finds nothing to list, else `children` with the data. */
export function QueryResult<T>({
  query, onRetry, isEmpty, empty, children,
}: {
  query: QueryOutcome<T>; onRetry?: () => void; isEmpty?: (data: T) => boolean; empty?: ReactNode; children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} onRetry={onRetry} />;
  if (isEmpty?.(query.data)) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}

export function Notice({ kind = "info", children }: { kind?: "info" | "success" | "error"; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Badge({ tone = "neutral", children }: { tone?: "neutral" | "green" | "amber" | "red" | "blue" | "violet"; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** An account's standing; `signedInAt` null: invited, it never signed in (an account only: not an organisation). */
export function ActiveBadge({ active, signedInAt }: { active: boolean; signedInAt?: string | null }) {
  const { t } = useTranslation();
  if (!active) return <Badge>{t("common.inactive")}</Badge>;
  if (signedInAt === null) return <Badge tone="amber">{t("common.invited")}</Badge>;
  return <Badge tone="green">{t("common.active")}</Badge>;
}

export function Switch({ checked, onChange, label, id }: { checked: boolean; onChange: (v: boolean) => void; label: string; id?: string }) {
  return (
    <button type="button" role="switch" id={id} aria-checked={checked} aria-label={label} className="switch" onClick={() => onChange(!checked)}>
      <span className="switch-thumb" />
    </button>
  );
}

/** A modal dialog on the native <dialog> element: focus trapped, Escape closes. */
export function Modal({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="modal" onClose={onClose} aria-label={title}>
      {open && (
        <>
          <h2>{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

/** The form of a Modal: its fields, then the API's refusal if any, then Cancel and the submit button.
 * Submitting never reloads the page; `onSubmit` decides whether there is anything to send. */
export function DialogForm({
  onSubmit, onCancel, submitLabel, submitVariant = "primary", busy, disabled, error, children,
}: {
  onSubmit: () => void; onCancel: () => void; submitLabel: string; submitVariant?: "primary" | "danger";
  busy?: boolean; disabled?: boolean; error?: unknown; children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
      <ErrorNotice error={error} />
      <div className="row end">
        <Button variant="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
        <Button type="submit" variant={submitVariant} busy={busy} disabled={disabled}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}

/** Asks before a destructive action; with `typedName`, the confirm button waits until that name is typed.
 * The API's refusal (`error`) is shown in the dialog as the API words it. */
export function ConfirmDialog({
  open, title, message, confirmLabel, onConfirm, onClose, busy, error, typedName,
}: {
  open: boolean; title: string; message: ReactNode; confirmLabel: string; onConfirm: () => void; onClose: () => void;
  busy?: boolean; error?: unknown; typedName?: string;
}) {
  const { t } = useTranslation();
  const [typed, setTyped] = useState("");
  useEffect(() => {
    if (open) setTyped("");
  }, [open]);
  const ready = typedName === undefined || nameConfirmed(typed, typedName);
  return (
    <Modal open={open} title={title} onClose={onClose}>
      <DialogForm
        onSubmit={() => {
          if (ready && !busy) onConfirm();
        }}
        onCancel={onClose}
        submitLabel={confirmLabel}
        submitVariant="danger"
        busy={busy}
        disabled={!ready}
        error={error}
      >
        <p>{message}</p>
        {typedName !== undefined && (
          <Field label={t("common.typeToConfirm", { name: typedName })}>
            {(id) => <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} autoFocus />}
          </Field>
        )}
      </DialogForm>
    </Modal>
  );
}

export function Tabs<T extends string>({ tabs, value, onChange }: { tabs: { id: T; label: string }[]; value: T; onChange: (v: T) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((tab) => (
        <button
          key={tab.id}
          type="button"
          role="tab"
          aria-selected={value === tab.id}
          className={value === tab.id ? "tab active" : "tab"}
          onClick={() => onChange(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}
