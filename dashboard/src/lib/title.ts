import { useEffect } from "react";

const PRODUCT = "ChatFlow360";

/** "Reports · ChatFlow360" for a page, keeping the "(3) " the waiting count puts first (WaitingBadge). */
export function pageTitle(current: string, page: string | null): string {
  const waiting = /^\(\d+\) /.exec(current)?.[0] ?? "";
  return waiting + (page ? `${page} · ${PRODUCT}` : PRODUCT);
}

/** The tab says which page it is: with several tabs open, an agent finds the inbox at a glance.
 * `undefined` leaves the title to a page that names itself (the 404 page, the invitation). */
export function usePageTitle(page: string | null | undefined): void {
  useEffect(() => {
    if (page !== undefined) document.title = pageTitle(document.title, page);
  }, [page]);
}

/** The navigation entry a path is under: the longest `to` that is the path or a folder above it. */
export function activeEntry<T extends { to: string; end?: boolean }>(entries: T[], path: string): T | undefined {
  const bare = path.replace(/\/+$/, "");
  return entries
    .filter((e) => {
      const to = e.to.replace(/\/+$/, "");
      return bare === to || (!e.end && bare.startsWith(`${to}/`));
    })
    .sort((a, b) => b.to.length - a.to.length)[0];
}
