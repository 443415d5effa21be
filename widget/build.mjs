// Builds what visitors download, into widget/dist/ (not in git: `make dev`, `make test` and `make synth`
// run this before anything serves or deploys it; docs/widget-build.md):
//   chatflow360.js               the launcher, the one script sites embed (its address never changes)
//   chatflow360-chat.<hash>.js   the chat, which the launcher loads on first open; the hash of its
//                                content is in its name, so a launcher never meets a chat of another build
//   demo.html                    the laptop's demo page (the CDK does not deploy it)
// Minified by esbuild (pinned in dashboard/package.json): names shortened, comments out. The readable
// sources beside this file are what we edit and review.
//
//   node widget/build.mjs          build, and print each file's size raw / gzip / brotli
//   node widget/build.mjs --json   the same figures as JSON (bench/widget_size.py reads them)
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
// esbuild is the dashboard's (Vite's own, pinned there), so the widget adds no install of its own.
const esbuild = createRequire(join(HERE, "..", "dashboard", "package.json"))("esbuild");
const OUT = join(HERE, "dist");

// Every browser the widget supports runs ES2020 (it uses ?? already).
const minify = (file, define = {}) =>
  esbuild.buildSync({
    entryPoints: [join(HERE, file)],
    write: false,
    minify: true,
    target: "es2020",
    legalComments: "none",
    // Non-ASCII written as escapes ("\xF1"): the scripts run on pages of any encoding, and a CDN may send
    // them without a charset.
    charset: "ascii",
    define,
  }).outputFiles[0].contents;

const chat = minify("chatflow360-chat.js");
const chatFile = "chatflow360-chat." + createHash("sha256").update(chat).digest("hex").slice(0, 10) + ".js";
const launcher = minify("chatflow360.js", { CHAT_FILE: JSON.stringify(chatFile) });

mkdirSync(OUT, { recursive: true });
// Each file replaced in one step (written aside, then renamed): a stack serving this folder while it is
// rebuilt (the browser tests build it as they start) never sends a half-written or missing file.
const put = (name, write) => {
  const aside = join(OUT, `.${name}.${process.pid}`);
  write(aside);
  renameSync(aside, join(OUT, name));
};
put(chatFile, (path) => writeFileSync(path, chat));
put("chatflow360.js", (path) => writeFileSync(path, launcher));
put("demo.html", (path) => copyFileSync(join(HERE, "demo.html"), path));
// A chat of an earlier build would be served (and deployed) for nothing, once no page can still ask for it:
// one an hour old (a page opened on the laptop before the rebuild, another test run's stack, keep theirs).
const HOUR = 3600e3;
for (const name of readdirSync(OUT))
  if (name.startsWith("chatflow360-chat.") && name !== chatFile && statSync(join(OUT, name)).mtimeMs < Date.now() - HOUR)
    rmSync(join(OUT, name));

const sizes = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const figures = { launcher: { file: "chatflow360.js", ...sizes(launcher) }, chat: { file: chatFile, ...sizes(chat) } };
if (process.argv.includes("--json")) console.log(JSON.stringify(figures));
else
  for (const f of Object.values(figures))
    console.log(`widget/dist/${f.file}: ${f.raw} B, ${f.gzip} B gzip, ${f.brotli} B brotli`);
