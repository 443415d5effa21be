/** Canned replies in the reply box: "/" opens the search, the text in the conversation's language is
 * inserted with its variables filled. */

export interface CannedText {
  contentEn?: string | null;
  contentEs?: string | null;
}

export interface CannedVariables {
  visitorName?: string | null;
  agentName?: string | null;
  businessName?: string | null;
}

/** The text in the conversation's language, else the other one. */
export function cannedTextFor(reply: CannedText, lang: string): string {
  const first = lang === "es" ? reply.contentEs : reply.contentEn;
  return first ?? (lang === "es" ? reply.contentEn : reply.contentEs) ?? "";
}

/** {{visitor.name}}, {{agent.name}}, {{business.name}} filled; an unknown one is left out with the
 * space before it ("Hi {{visitor.name}}," becomes "Hi,"), never shown as braces to a visitor. */
export function fillVariables(text: string, vars: CannedVariables): string {
  const values: Record<string, string> = {
    "visitor.name": vars.visitorName?.trim() ?? "",
    "agent.name": vars.agentName?.trim() ?? "",
    "business.name": vars.businessName?.trim() ?? "",
  };
  return text.replace(/ ?\{\{\s*(visitor\.name|agent\.name|business\.name)\s*\}\}/g, (match, name: string) => {
    const value = values[name];
    if (!value) return "";
    return match.startsWith(" ") ? ` ${value}` : value;
  });
}

/** What follows a "/" that starts the reply box's current word, or null when no such "/" is there. */
export function slashQuery(text: string, caret: number): string | null {
  const before = text.slice(0, caret);
  const slash = before.lastIndexOf("/");
  if (slash < 0 || (slash > 0 && !/\s/.test(before[slash - 1]))) return null;
  const query = before.slice(slash + 1);
  return /^[A-Za-z0-9_-]{0,32}$/.test(query) ? query : null;
}

/** The reply box's text with "/query" at the caret replaced by `inserted`; and where the caret goes. */
export function replaceSlash(text: string, caret: number, inserted: string): { text: string; caret: number } {
  const slash = text.slice(0, caret).lastIndexOf("/");
  const next = text.slice(0, slash) + inserted + text.slice(caret);
  return { text: next, caret: slash + inserted.length };
}
