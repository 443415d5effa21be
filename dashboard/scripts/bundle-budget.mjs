// The dashboard's bundle-size budget, run after `vite build` (npm run build): the JavaScript a browser
// fetches before the first page it opens can paint, gzipped, must stay within BUDGET, whichever page that
// is. A page's first load is the entry chunk with everything it imports statically (the app's shell),
// plus that page's own chunk (App.tsx's lazy pages) with its static imports. What a page itself loads
// lazily afterwards (the home page's chart) is listed, not counted. Exits 1 above the budget.
//
//   node scripts/bundle-budget.mjs [dist] [--json]
// Reads <dist>/.vite/manifest.json (vite.config.ts: build.manifest). docs/widget-build.md.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET = 120 * 1024;

/** Every chunk `key` loads before it runs: itself and its static imports, recursively. */
const closure = (manifest, key, into = new Set()) => {
  if (into.has(key)) return into;
  into.add(key);
  for (const next of manifest[key].imports || []) closure(manifest, next, into);
  return into;
};

/** The figures of a build: each page's first load, gzipped, and what loads later. */
export function measure(dist) {
  const manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8"));
  const sizes = new Map();
  const gz = (key) => {
    if (!sizes.has(key)) sizes.set(key, gzipSync(readFileSync(join(dist, manifest[key].file)), { level: 9 }).length);
    return sizes.get(key);
  };
  const sum = (keys) => [...keys].reduce((total, key) => total + gz(key), 0);
  const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
  const shell = closure(manifest, entry);
  // Two pages of one module (Login's two forms) are one chunk: listed once.
  const lazy = [...new Set(manifest[entry].dynamicImports || [])];
  // The page's language (src/i18n: one chunk each) comes before it can paint: the larger one is counted.
  const language = Math.max(0, ...lazy.filter((key) => key.endsWith(".json")).map((key) => gz(key)));
  const pages = lazy.filter((key) => (manifest[key].src || key).startsWith("src/pages/")).map((key) => {
    const first = closure(manifest, key, new Set(shell));
    return { page: manifest[key].src || key, gzip: sum(first) + language };
  });
  const firstLoads = new Set([...shell, ...lazy.filter((k) => manifest[k].src?.startsWith("src/pages/") || k.endsWith(".json")).flatMap((key) => [...closure(manifest, key)])]);
  const later = Object.keys(manifest)
    .filter((key) => manifest[key].file.endsWith(".js") && !firstLoads.has(key))
    .map((key) => ({ chunk: manifest[key].src || key, gzip: gz(key) }));
  const worst = pages.reduce((a, b) => (b.gzip > a.gzip ? b : a), { page: entry, gzip: sum(shell) + language });
  return { budget: BUDGET, shell: sum(shell), language, pages, later, worst };
}

const kb = (bytes) => (bytes / 1024).toFixed(1) + " KB";

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const dist = args.find((a) => !a.startsWith("--")) || join(fileURLToPath(new URL("..", import.meta.url)), "dist");
  const figures = measure(dist);
  if (args.includes("--json")) console.log(JSON.stringify(figures));
  else {
    console.log(
      `First page JS, gzipped (budget ${kb(BUDGET)}): the shell ${kb(figures.shell)} and its language ` +
        `${kb(figures.language)}, then with each page:`,
    );
    for (const p of [...figures.pages].sort((a, b) => b.gzip - a.gzip)) console.log(`  ${kb(p.gzip).padStart(9)}  ${p.page}`);
    for (const l of figures.later) console.log(`  later: ${kb(l.gzip)}  ${l.chunk}`);
  }
  if (figures.worst.gzip > BUDGET) {
    console.error(
      `Over the budget: the first load of ${figures.worst.page} is ${kb(figures.worst.gzip)} of JavaScript gzipped, ` +
        `above ${kb(BUDGET)}. Load what it does not need to paint lazily (React.lazy, import()).`,
    );
    process.exit(1);
  }
}
