/*! ChatFlow360 widget: the launcher, the one script a site embeds.
 * <script src="https://…/widget/chatflow360.js" data-key="PUBLIC_KEY" defer></script>
 * Optional: data-lang="es" (a fixed language), data-color="#2f92ad", data-position="left"; without
 * them the channel's settings apply (its public config), and the language follows the visitor.
 * A logged-in user of the site: data-user-jwt="…" (or ChatFlow360.identify({ jwt }) later; { jwt: null }
 * on logout), a token the business signs with the channel's identity secret (docs/integrations.md).
 *
 * This file is only what every page pays for (under 5 KB gzipped): the button, its unread dot, and
 * the check that the channel wants a chat on this site at all. The chat itself (chatflow360-chat.js:
 * panel, messages, sockets, files, ratings) loads when the visitor opens it, or in idle time when a
 * conversation is already going on. Both are minified by widget/build.mjs (docs/widget-build.md);
 * CHAT_FILE is the chat's built file name, with its content hash, set by that build.
 *
 * Everything lives in a Shadow DOM under <chatflow360-widget>: the page's CSS cannot reach it
 * and its CSS cannot leak. Text from visitors and from the server is only ever set with
 * textContent. The API is the one of docs/widget-api.md, on the script's origin.
 */
/* global CHAT_FILE */
(() => {
  "use strict";
  const TAG = "ChatFlow360: ";
  const script = document.currentScript || document.querySelector('script[data-key][src*="chatflow360"]');
  if (!script) return;
  const attr = (name) => (script.getAttribute("data-" + name) || "").trim();
  const KEY = attr("key").toLowerCase();
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  if (!UUID_RE.test(KEY)) {
    console.error(
      TAG +
        (KEY ? 'data-key "' + KEY + '" is not a public key' : "data-key is missing") +
        ': add data-key="YOUR_PUBLIC_KEY" (see your dashboard, channel settings) to the <script> tag. No chat is shown.',
    );
    return;
  }
  if (document.querySelector('chatflow360-widget[data-key="' + KEY + '"]')) return; // pasted twice

  const ORIGIN = new URL(script.src, location.href).origin;
  // The channel's look and language, fetched once per page (the browser keeps it a minute). Asked at
  // once, before the page is even parsed; unreachable or unreadable: the defaults.
  const configured = fetch(ORIGIN + "/api/channels/" + KEY + "/config", { credentials: "omit" })
    .then((r) => r.json())
    .catch(() => ({}));

  // ---- Language: the launcher's own two labels; the chat brings every other text -----------------------
  const LABELS = { en: ["Open chat", "Close chat"], es: ["Abrir chat", "Cerrar chat"] };
  const pickLang = (tag) => ((tag = (tag || "").slice(0, 2).toLowerCase()), LABELS[tag] ? tag : "");
  // data-lang fixes the language. Otherwise, first found: the channel's fixed language, the visitor's
  // own choice (the switch in the chat's header, kept per public key), the page's <html lang>, the
  // browser's languages (the first English or Spanish one), the channel's default language.
  const fixed = pickLang(attr("lang"));
  if (attr("lang") && !fixed) console.warn(TAG + 'data-lang must be "en" or "es"; following the visitor.');
  const chooseLang = (cfg) =>
    fixed ||
    (cfg.languageFixed && pickLang(cfg.defaultLanguage)) ||
    pickLang(load("lang")) ||
    pickLang(document.documentElement.lang) ||
    (navigator.languages || [navigator.language]).map(pickLang).find(Boolean) ||
    pickLang(cfg.defaultLanguage) ||
    "en";

  // ---- Colour: validated, with a text colour that keeps 4.5:1 on it (WCAG AA) -------------------------
  const hexColor = (c) =>
    /^#([0-9a-f]{3}){1,2}$/i.test((c = (c || "").trim()))
      ? c.length === 4
        ? "#" + [...c.slice(1)].map((x) => x + x).join("")
        : c
      : "";
  if (attr("color") && !hexColor(attr("color")))
    console.warn(TAG + 'data-color must be a hex colour such as "#2f92ad"; using the channel\'s.');
  const luminance = (hex) =>
    [1, 3, 5]
      .map((i) => parseInt(hex.substr(i, 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const DARK = "#111418";
  const ratio = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  // White when it reaches 4.5:1, else near-black, else black (one of white and black always does).
  const textOn = (L) => (ratio(L, 1) >= 4.5 ? "#fff" : ratio(L, luminance(DARK)) >= 4.5 ? DARK : "#000");

  // ---- Storage: per public key, so two widgets on one page never collide -------------------------------
  const memory = {};
  const storage = (kind) => {
    try {
      const s = window[kind];
      s.setItem("cf360_t", "1");
      s.removeItem("cf360_t");
      return s;
    } catch (e) {
      return null; // blocked storage (private mode, sandboxed frames): this page view only
    }
  };
  const local = storage("localStorage");
  const session = storage("sessionStorage");
  const keyOf = (name) => "cf360_" + name + "_" + KEY;
  const load = (name, s = local) => (s ? s.getItem(keyOf(name)) : memory[keyOf(name)]) || null;
  const save = (name, value, s = local) => {
    try {
      if (value == null) s ? s.removeItem(keyOf(name)) : delete memory[keyOf(name)];
      else s ? s.setItem(keyOf(name), value) : (memory[keyOf(name)] = value);
    } catch (e) {
      /* quota: not worth breaking the chat for */
    }
  };

  // ---- The launcher --------------------------------------------------------------------------------------
  const icon = (d, fill) =>
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" ' +
    (fill
      ? 'fill="currentColor"'
      : 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"') +
    '><path d="' +
    d +
    '"/></svg>';
  const ICON_X = icon("M6 6l12 12M18 6 6 18");
  const CSS = `
:host{all:initial!important;display:block!important;font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif!important;color:#1f2328!important;direction:ltr!important}
*{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit}
[hidden]{display:none!important}
button{background:none;border:0;cursor:pointer}
svg{width:20px;height:20px;display:block}
:focus{outline:none}
:focus-visible{outline:2px solid currentColor;outline-offset:2px}
.l{z-index:2147483000;position:fixed;bottom:20px;right:20px;width:58px;height:58px;border-radius:50%;background:var(--c);color:var(--f);display:flex;align-items:center;justify-content:center;box-shadow:0 6px 20px rgba(0,0,0,.25)}
.l:hover{box-shadow:0 8px 28px rgba(0,0,0,.38)}
.l svg{width:28px;height:28px}
.l:focus-visible{outline:3px solid ${DARK};outline-offset:3px;box-shadow:0 0 0 3px #fff}
.l[aria-busy=true]{cursor:progress}
.open .i1,.i2{display:none}.open .i2{display:block}
.dot{position:absolute;top:2px;right:2px;width:14px;height:14px;border-radius:50%;background:#d1242f;border:2px solid #fff}
.left .l{left:20px;right:auto}`;

  const host = document.createElement("chatflow360-widget");
  host.setAttribute("data-key", KEY);
  const root = host.attachShadow({ mode: "open" });
  // Our own constants only, never text from visitors or the server.
  root.innerHTML =
    "<style>" +
    CSS +
    '</style><style class="paint"></style><div class="w"><button class="l" type="button" aria-expanded="false"><span class="i1">' +
    icon("M6 3h12a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3h-7l-5 4v-4a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z", 1) +
    '</span><span class="i2">' +
    ICON_X +
    '</span><span class="dot" hidden></span></button></div>';
  const wrap = root.querySelector(".w");
  const launcher = root.querySelector(".l");

  // The channel's config (its public call), once it has come: colour and corner here, everything else in
  // the chat. Attributes on the script tag win over it.
  const C = {};
  let chat = null; // the chat's handle, once loaded
  let gone = 0;
  let shown = 0;
  let userJwt = attr("user-jwt") || null;
  const configure = (cfg) => {
    Object.assign(C, cfg);
    const color = hexColor(attr("color")) || hexColor(C.color) || "#2f92ad";
    root.querySelector(".paint").textContent =
      ":host{--c:" + color + "!important;--f:" + textOn(luminance(color)) + "!important}";
    wrap.classList.toggle("left", (attr("position") || C.position) === "left");
    if (chat) chat.configure();
    else launcher.setAttribute("aria-label", LABELS[chooseLang(C)][0]);
  };
  // An unknown key or a site the channel does not allow: no chat, and the console says why.
  const refuse = (code) => {
    console.error(
      TAG +
        (code === "channel_not_found"
          ? "no active channel has the public key " + KEY + ". Check data-key"
          : "this channel does not accept messages from " + location.origin + ". Add it to the channel's allowed origins") +
        "; the chat is hidden.",
    );
    gone = 1;
    if (chat) chat.stop();
    host.remove();
  };

  // ---- The chat, loaded once per page (two widgets on a page share it) ---------------------------------------
  const NS = (window.ChatFlow360 = window.ChatFlow360 || {});
  const fetchChat = () =>
    NS._chat ||
    (NS._chat = new Promise((ok, fail) => {
      const s = document.createElement("script");
      s.src = new URL(CHAT_FILE, script.src).href;
      s.async = true;
      s.onload = () => (NS._mount ? ok(NS._mount) : fail());
      s.onerror = fail;
      document.head.append(s);
    }).catch((e) => {
      NS._chat = null; // the next open tries again
      throw e;
    }));
  let booting = null;
  const boot = () =>
    booting ||
    (booting = fetchChat().then(
      (mount) => {
        if (gone) return;
        launcher.removeAttribute("aria-busy");
        chat = mount({ KEY, TAG, UUID_RE, ORIGIN, C, host, root, wrap, launcher, attr, load, save, session, fixed, chooseLang, refuse, icon, ICON_X, jwt: () => userJwt });
      },
      () => {
        booting = null;
        launcher.removeAttribute("aria-busy");
        console.error(TAG + "the chat could not be loaded from " + ORIGIN + "; it is tried again on the next open.");
      },
    ));
  // In the browser's idle time (soon at the latest), so that it never competes with the page's own loading.
  const idle = (f) => (window.requestIdleCallback ? requestIdleCallback(f, { timeout: 2e3 }) : setTimeout(f, 200));
  // A click before the chat is there opens it once loaded (the chat takes the button over then).
  launcher.onclick = () => {
    if (!chat) launcher.setAttribute("aria-busy", "true");
    boot().then(() => chat && chat.open());
  };
  // A pointer over the button or the keyboard on it: the visitor is about to open, start loading now.
  launcher.onpointerenter = launcher.onfocus = () => shown && boot();

  // ---- Start ---------------------------------------------------------------------------------------------
  // The launcher shows once the channel's config has come (so in its colours from the first frame), or
  // after 3 s without it, with the defaults; a config that comes later still applies.
  const start = () => {
    const appear = () => {
      if (shown++ || gone) return;
      document.body.append(host);
      // Still open from the previous page of this visit (not on phones, where it would cover the page):
      // at once. A conversation going on (its unread dot, its socket) or a signed-in user (who may have
      // one on another device): in idle time. Otherwise the chat waits for the visitor.
      if (load("open", session) && innerWidth >= 480) boot();
      else if (load("conv") || userJwt) idle(boot);
    };
    configure({});
    setTimeout(appear, 3e3);
    configured.then((cfg) => {
      const code = cfg.error && cfg.error.code;
      if (code === "channel_not_found" || code === "origin_not_allowed") return refuse(code);
      if (!cfg.error) configure(cfg);
      appear();
    });
  };
  // The page's handle: identify a user who signed in after the widget loaded (or { jwt: null } on logout).
  NS.identify = (o) => {
    userJwt = ((o && o.jwt) || "").trim() || null;
    if (chat) return chat.identify(userJwt);
    if (userJwt && shown) return boot(); // the chat identifies them as it starts
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
