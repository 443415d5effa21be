/** Keyboard shortcuts of the inbox. Each acts on what is on screen: the element marked with
 * data-shortcut="<key>" is clicked (or focused, for a text box), so a shortcut can only do what a
 * click could do right now. Never while typing in a field; `?` lists them. */
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Modal } from "../ui";

export const SHORTCUTS: { key: string; label: string }[] = [
  { key: "j", label: "next" },
  { key: "k", label: "previous" },
  { key: "r", label: "reply" },
  { key: "n", label: "note" },
  { key: "t", label: "takeOver" },
  { key: "a", label: "assignToMe" },
  { key: "c", label: "close" },
  { key: "?", label: "help" },
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/** The conversation link `step` places from the current one in the list (the first when none is current). */
export function neighbour(links: HTMLAnchorElement[], step: number): HTMLAnchorElement | undefined {
  if (links.length === 0) return undefined;
  const current = links.findIndex((l) => l.getAttribute("aria-current") === "true");
  if (current < 0) return links[0];
  return links[Math.min(links.length - 1, Math.max(0, current + step))];
}

export function InboxShortcuts() {
  const { t } = useTranslation();
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e.target)) return;
      if (e.key === "?") {
        e.preventDefault();
        setHelp(true);
        return;
      }
      if (e.key === "j" || e.key === "k") {
        const links = Array.from(document.querySelectorAll<HTMLAnchorElement>(".conv-list a.conv-row"));
        const next = neighbour(links, e.key === "j" ? 1 : -1);
        if (next) {
          e.preventDefault();
          next.click();
          next.scrollIntoView({ block: "nearest" });
        }
        return;
      }
      const target = document.querySelector<HTMLElement>(`[data-shortcut="${e.key}"]`);
      if (!target) return;
      e.preventDefault();
      if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) target.focus();
      else target.click();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return (
    <Modal open={help} title={t("shortcuts.title")} onClose={() => setHelp(false)}>
      <dl className="shortcut-list">
        {SHORTCUTS.map((s) => (
          <div key={s.key}>
            <dt>
              <kbd>{s.key}</kbd>
            </dt>
            <dd>{t(`shortcuts.${s.label}`)}</dd>
          </div>
        ))}
      </dl>
    </Modal>
  );
}
