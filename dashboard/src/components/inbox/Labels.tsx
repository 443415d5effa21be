/** Labels: chips on cards and in the thread's header, put on and taken off there; the inbox's filter. */
import { useTranslation } from "react-i18next";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../lib/api";
import type { components } from "../../api/schema";
import { ErrorNotice } from "../ui";

type Schemas = components["schemas"];
export type Label = Schemas["LabelOut"];

export function useLabels(organizationId: string | null | undefined) {
  return useQuery({
    queryKey: ["labels", organizationId],
    queryFn: () => api<Label[]>(`/organizations/${organizationId}/labels`),
    enabled: Boolean(organizationId),
    staleTime: 60_000,
  });
}

/** Dark text on light colours, white on dark ones (relative luminance). */
export function chipTextColor(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b) > 0.45 ? "#111827" : "#ffffff";
}

export function LabelChip({ label, onRemove }: { label: { name: string; color: string }; onRemove?: () => void }) {
  const { t } = useTranslation();
  return (
    <span className="label-chip" style={{ background: label.color, color: chipTextColor(label.color) }}>
      {label.name}
      {onRemove && (
        <button type="button" aria-label={t("labels.remove", { name: label.name })} onClick={onRemove}>
          ×
        </button>
      )}
    </span>
  );
}

/** The conversation's labels, each removable, and a menu to add another of its organisation's. */
export function ConversationLabels({ conversationId, organizationId, labels }: { conversationId: string; organizationId: string; labels: Label[] }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const all = useLabels(organizationId);
  const change = useMutation({
    mutationFn: ({ id, on }: { id: string; on: boolean }) => api<Label[]>(`/conversations/${conversationId}/labels/${id}`, { method: on ? "PUT" : "DELETE" }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["conversation", conversationId] });
      void client.invalidateQueries({ queryKey: ["conversations"] });
    },
  });
  const free = (all.data ?? []).filter((l) => !labels.some((x) => x.id === l.id));
  return (
    <div className="conv-labels">
      {labels.map((l) => (
        <LabelChip key={l.id} label={l} onRemove={() => change.mutate({ id: l.id, on: false })} />
      ))}
      {free.length > 0 && (
        <select aria-label={t("labels.add")} value="" onChange={(e) => e.target.value && change.mutate({ id: e.target.value, on: true })} disabled={change.isPending}>
          <option value="">{t("labels.addOption")}</option>
          {free.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      )}
      <ErrorNotice error={change.error} />
    </div>
  );
}
