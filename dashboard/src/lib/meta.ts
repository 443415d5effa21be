/** WhatsApp templates in the reply box: which are offered, and their text with the agent's values. */
import type { components } from "../api/schema";

export type Templates = components["schemas"]["TemplatesOut"];
export type Template = components["schemas"]["TemplateOut"];

const VARIABLE = /\{\{\s*([A-Za-z0-9_]{1,64})\s*\}\}/g;

/** Approved, sendable ones, those in the conversation's language first (Meta's codes: es, es_MX, en_US…). */
export function offeredTemplates(items: Template[], language: string): Template[] {
  const mine = (t: Template) => (t.language.toLowerCase().split("_")[0] === language ? 0 : 1);
  return items.filter((t) => t.offered).sort((a, b) => mine(a) - mine(b) || a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(VARIABLE, (whole, key: string) => (values[key]?.trim() ? values[key].trim() : whole));
}

/** What the customer will read (header, body, footer), a variable left empty shown as {{key}}. */
export function fillTemplate(t: Template, values: Record<string, string>): string {
  return [t.header ? fill(t.header, values) : null, fill(t.body, values), t.footer].filter(Boolean).join("\n\n");
}

/** The keys still to fill in. */
export function missingVariables(t: Template, values: Record<string, string>): string[] {
  return Array.from(new Set(t.variables.map((v) => v.key))).filter((k) => !values[k]?.trim());
}
