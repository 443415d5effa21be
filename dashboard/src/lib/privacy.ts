/** The data lifecycle screens' rules: the audit log's filters and the retention choices, and a JSON download. */
import { downloadText } from "./download";

/** Every action the API records, by area; the filter offers an area (all its actions) or one action. */
export const AUDIT_ACTIONS = {
  auth: ["auth.signed_in", "auth.signed_out"],
  invitation: ["invitation.created", "invitation.resent", "invitation.revoked"],
  member: ["member.role_changed", "member.removed"],
  user: ["user.activated"],
  conversation: ["conversation.taken_over", "conversation.released", "conversation.transcript_sent"],
  channel: ["channel.business_hours_changed", "channel.satisfaction_changed"],
  visitor: ["visitor.exported", "visitor.erased", "visitor.erased_own"],
  retention: ["retention.changed", "retention.ran"],
  organization: ["organization.time_zone_changed"],
} as const;
export type AuditArea = keyof typeof AUDIT_ACTIONS;
export const AUDIT_AREAS = Object.keys(AUDIT_ACTIONS) as AuditArea[];

export interface AuditFilters {
  action: string;
  actor: string;
  from: string;
  to: string;
}
export const noAuditFilters: AuditFilters = { action: "", actor: "", from: "", to: "" };

/** The query of GET …/audit for these filters: empty ones left out, a reversed range put right. */
export function auditQuery(filters: AuditFilters, before?: number): Record<string, string | number | undefined> {
  let { from, to } = filters;
  if (from && to && from > to) [from, to] = [to, from];
  return { action: filters.action || undefined, actor: filters.actor.trim() || undefined, from: from || undefined, to: to || undefined, before };
}

/** The translation key of an action; one the screen does not know yet is shown as the API names it. */
export function auditActionKey(action: string): string | null {
  const area = action.split(".")[0] as AuditArea;
  return (AUDIT_ACTIONS[area] as readonly string[] | undefined)?.includes(action) ? `audit.actions.${action.replace(".", "_")}` : null;
}

export const RETENTION_PRESETS = [30, 90, 365] as const;
export type RetentionChoice = "off" | "30" | "90" | "365" | "custom";

export function retentionChoice(days: number | null): RetentionChoice {
  if (days === null) return "off";
  return (RETENTION_PRESETS as readonly number[]).includes(days) ? (String(days) as RetentionChoice) : "custom";
}

export const MAX_RETENTION_DAYS = 36500;

/** The days to send for a choice (null: keep); undefined when a custom number is not a whole 1–36,500. */
export function retentionDays(choice: RetentionChoice, custom: string): number | null | undefined {
  if (choice === "off") return null;
  if (choice !== "custom") return Number(choice);
  const n = Number(custom.trim());
  return Number.isInteger(n) && n >= 1 && n <= MAX_RETENTION_DAYS ? n : undefined;
}

/** A file name safe on every system: the parts joined, anything odd replaced. */
export function exportFileName(...parts: string[]): string {
  return `${parts.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, "-")).join("-")}.json`;
}

/** Saves `data` as a pretty-printed JSON file through the browser. */
export function downloadJson(fileName: string, data: unknown): void {
  downloadText(fileName, JSON.stringify(data, null, 2), "application/json");
}
