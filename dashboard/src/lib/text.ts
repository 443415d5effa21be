/** Lists typed one per line or comma-separated, as the forms take them. */
export function parseList(text: string): string[] {
  const seen = new Set<string>();
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s && !seen.has(s.toLowerCase()) && seen.add(s.toLowerCase()));
}

export function formatList(items: string[] | null | undefined): string {
  return (items ?? []).join("\n");
}
