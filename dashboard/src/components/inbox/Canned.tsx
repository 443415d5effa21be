/** The reply box's "/" search: canned replies of the conversation's organisation. */
import { useEffect } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../../lib/api";
import { cannedTextFor } from "../../lib/canned";
import type { components } from "../../api/schema";

export type CannedReply = components["schemas"]["CannedReplyOut"];

export function CannedPicker({
  organizationId,
  query,
  lang,
  onPick,
  onFirst,
}: {
  organizationId: string;
  query: string;
  lang: string;
  onPick: (reply: CannedReply) => void;
  /** The first reply found (what Enter picks), or null. */
  onFirst?: (reply: CannedReply | null) => void;
}) {
  const { t } = useTranslation();
  const found = useQuery({
    queryKey: ["canned", organizationId, query],
    queryFn: () => api<CannedReply[]>(`/organizations/${organizationId}/canned-replies`, { query: { q: query || undefined } }),
    staleTime: 30_000,
  });
  const items = (found.data ?? []).slice(0, 8);
  const first = items[0] ?? null;
  useEffect(() => {
    onFirst?.(first);
  }, [first, onFirst]);
  return (
    <ul className="picker" role="listbox" aria-label={t("canned.title")}>
      {items.length === 0 && <li className="muted small picker-empty">{found.isPending ? t("common.loading") : t("canned.none")}</li>}
      {items.map((r) => (
        <li key={r.id} role="option" aria-selected="false">
          <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={() => onPick(r)}>
            <strong>/{r.shortcut}</strong> <span>{r.title}</span>
            <span className="muted small picker-text">{cannedTextFor(r, lang)}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
