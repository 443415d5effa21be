/*! ChatFlow360 widget: the chat, loaded by the launcher (chatflow360.js) when the visitor opens it, or
 * in idle time when a conversation is going on. Never embedded by itself: it registers its `mount`,
 * which the launcher calls with what it already has (the key, the config, the shadow root and its
 * button, storage); the panel, messages, the socket, files, ratings are all here. Minified by
 * widget/build.mjs (docs/widget-build.md).
 *
 * Text from visitors and from the server is only ever set with textContent (an avatar is an <img>
 * whose address and alt text are set as properties).
 */
(() => {
  "use strict";
  // One call per widget on the page (two widgets with different keys share this script).
  const mount = (ctx) => {
    const { KEY, TAG, UUID_RE, ORIGIN, C, host, root, wrap, launcher, load, save, session, fixed, chooseLang, icon, ICON_X } =
      ctx;
    const API = ORIGIN + "/api/chat";
    const WS = ORIGIN.replace(/^http/, "ws") + "/ws"; // the WebSocket API beside the REST API
    const MAX = 2000;
    const IDLE_MS = 2 * 3600e3; // a conversation idle this long is closed and forgotten
    const POLL_OPEN_MS = 5e3;
    const POLL_CLOSED_MS = 30e3;
    const PING_MS = 4 * 60e3; // API Gateway closes a socket idle for 10 minutes
    const BACKOFF_MAX_MS = 60e3;

    // ---- Language ----------------------------------------------------------------------------------
    const TEXTS = {
      en: {
        open: "Open chat",
        close: "Close chat",
        title: "Chat with us",
        sub: "Our AI assistant answers in seconds",
        human: "A person from our team will answer here",
        hi: "Hi there! 👋",
        start: "How can we help you today? Write your question below to start a conversation.",
        ph: "Write a message…",
        msg: "Message",
        send: "Send",
        ai: "AI assistant",
        agent: "Team",
        you: "You",
        typing: "Typing…",
        end: "End conversation",
        ask: "End this conversation?",
        del: "Delete",
        seen: "Seen",
        writing: "{n} is typing…",
        delAsk: "Delete this conversation and its messages for good?",
        deleted: "Your conversation and its messages were deleted.",
        yes: "Yes",
        no: "No",
        fail: "Not sent.",
        retry: "Retry",
        slow: "You're sending messages a little too fast. Please wait {s} seconds, then try again.",
        ended: "This conversation has ended. Write again any time to start a new one.",
        big: "Expand",
        small: "Shrink",
        log: "Messages",
        chars: "characters",
        online: "our team is online",
        code: "ES", // the switch names the other language, in that language
        lng: "Cambiar a español",
        person: "Talk to a person",
        nobody: "Nobody from our team is available right now. Leave your email and we'll write back.",
        email: "Your email",
        leave: "Send",
        saved: "Thanks! Our team will write to you by email.",
        bad: "Please enter a valid email address.",
        who: "While you wait: leave your name and email, so that our team can reach you if you leave.",
        name: "Your name",
        thanks: "Thanks! Our team can see your details.",
        att: "Attach a file",
        away: "we're away · back {w}",
        off: "Our team is away right now. Leave a message and your email, and we'll write back.",
        message: "Your message",
        rate: "How was this conversation?",
        star: "{n} of 5",
        up: "Good",
        down: "Bad",
        note: "Anything to add? (optional)",
        rated: "Thanks for your feedback!",
        copy: "Email me a copy",
        copied: "A copy is on its way to {e}.",
      },
      es: {
        open: "Abrir chat",
        close: "Cerrar chat",
        title: "Chatea con nosotros",
        sub: "Nuestro asistente de IA responde en segundos",
        human: "Una persona de nuestro equipo te responderá aquí",
        hi: "¡Hola! 👋",
        start: "¿En qué podemos ayudarte hoy? Escribe tu pregunta abajo para empezar una conversación.",
        ph: "Escribe un mensaje…",
        msg: "Mensaje",
        send: "Enviar",
        ai: "Asistente de IA",
        agent: "Equipo",
        you: "Tú",
        typing: "Escribiendo…",
        end: "Finalizar conversación",
        ask: "¿Finalizar esta conversación?",
        del: "Eliminar",
        seen: "Visto",
        writing: "{n} está escribiendo…",
        delAsk: "¿Eliminar esta conversación y sus mensajes para siempre?",
        deleted: "Tu conversación y sus mensajes se eliminaron.",
        yes: "Sí",
        no: "No",
        fail: "No enviado.",
        retry: "Reintentar",
        slow: "Estás enviando mensajes demasiado rápido. Espera {s} segundos y vuelve a intentarlo.",
        ended: "Esta conversación ha terminado. Escríbenos cuando quieras para empezar una nueva.",
        big: "Ampliar",
        small: "Reducir",
        log: "Mensajes",
        chars: "caracteres",
        online: "nuestro equipo está en línea",
        code: "EN",
        lng: "Switch to English",
        person: "Hablar con una persona",
        nobody: "Ahora no hay nadie de nuestro equipo disponible. Déjanos tu email y te escribiremos.",
        email: "Tu email",
        leave: "Enviar",
        saved: "¡Gracias! Nuestro equipo te escribirá por email.",
        bad: "Escribe un email válido.",
        who: "Mientras esperas: déjanos tu nombre y tu email, para que nuestro equipo pueda contactarte si te vas.",
        name: "Tu nombre",
        thanks: "¡Gracias! Nuestro equipo ya ve tus datos.",
        att: "Adjuntar un archivo",
        away: "no estamos · volvemos {w}",
        off: "Nuestro equipo no está disponible ahora. Déjanos un mensaje y tu email, y te responderemos.",
        message: "Tu mensaje",
        rate: "¿Qué tal fue esta conversación?",
        star: "{n} de 5",
        up: "Bien",
        down: "Mal",
        note: "¿Algo que añadir? (opcional)",
        rated: "¡Gracias por tu opinión!",
        copy: "Enviarme una copia",
        copied: "Te enviamos una copia a {e}.",
      },
    };

    const uuid = () => {
      if (crypto.randomUUID) return crypto.randomUUID(); // secure contexts only
      const b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 15) | 64;
      b[8] = (b[8] & 63) | 128;
      const h = [...b].map((x) => (x + 256).toString(16).slice(1)).join("");
      return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
    };
    let visitorId = load("visitor");
    if (!UUID_RE.test(visitorId || "")) save("visitor", (visitorId = uuid()));
    // This browser's own visitor id; an identified user is the server's visitor for them instead (the
    // same on every browser), kept in memory only, so that a logout leaves nothing behind.
    const anonymousId = visitorId;
    let userJwt = ctx.jwt();
    let lang = chooseLang(C);
    let t = TEXTS[lang];

    // ---- State ----------------------------------------------------------------------------------------
    const S = {
      conv: load("conv"), // the open conversation's id, or null
      mode: "ai", // responderMode: "ai" or "human"
      open: false,
      last: null, // id of the newest message from the server, for ?after=
      seen: new Set(), // ids of the messages shown
      mine: [], // texts sent from this page, to recognise them when a poll brings them back
      queue: Promise.resolve(), // sends go one after another, each with the conversation id of the one before
      until: 0, // rate limited until (ms since epoch)
      restored: false,
      timer: 0,
      polling: false,
      ws: null, // the live socket of the conversation, while one is open or opening
      tries: 0, // reconnections since the socket last stayed up
      retry: 0,
      ping: 0,
      streams: new Map(), // messageId -> {row, next}: an answer arriving in pieces (message.delta)
      asked: false, // this conversation's "Talk to a person" was answered "nobody is available"
    };
    const touch = () => save("conv_ts", String(Date.now()));
    const stale = () => {
      const ts = +load("conv_ts");
      return ts > 0 && Date.now() - ts > IDLE_MS;
    };

    // ---- The API ---------------------------------------------------------------------------------------
    const api = async (method, path, body, keepalive) => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 45e3);
      try {
        const res = await fetch(API + path, {
          method,
          headers: body ? { "Content-Type": "application/json" } : {},
          body: body ? JSON.stringify(body) : undefined,
          credentials: "omit",
          keepalive: !!keepalive,
          signal: abort.signal,
        });
        const data = await res.json().catch(() => ({}));
        return {
          ok: res.ok,
          status: res.status,
          data,
          code: data.error && data.error.code,
          wait: parseInt(res.headers.get("Retry-After"), 10),
        };
      } catch (e) {
        return { ok: false, status: 0, data: {} }; // offline, timed out, refused
      } finally {
        clearTimeout(timer);
      }
    };
    const query = (after) =>
      "?publicKey=" + KEY + "&visitorId=" + visitorId + (after ? "&after=" + encodeURIComponent(after) : "");
    const closeRemote = (id) => api("PATCH", "/" + id, { visitorId }, true); // fire and forget
    // An unknown key or a site the channel does not allow, told by a POST: the launcher hides it all.
    const refuse = (code) => ctx.refuse(code);
    const stop = () => {
      S.gone = 1;
      clearTimeout(S.timer);
      drop();
    };

    // ---- DOM (icons drawn by the launcher's `icon`) ------------------------------------------------------
    const ICON_BIG = icon("M14 4h6v6M10 20H4v-6M20 4l-7 7M4 20l7-7");
    const ICON_SMALL = icon("M4 14h6v6M20 10h-6V4M14 10l7-7M10 14l-7 7");

    // Beside the launcher's own CSS (chatflow360.js: :host, the reset, the button and its dot).
    const CSS = `
textarea{background:none;border:0}
.s,.p{z-index:2147483000}
.s:focus-visible{outline:3px solid #111418;outline-offset:3px;box-shadow:0 0 0 3px #fff}
.p{position:fixed;bottom:92px;right:20px;width:380px;height:520px;max-height:calc(100% - 112px);display:flex;flex-direction:column;background:#fff;border-radius:16px;box-shadow:0 12px 48px rgba(0,0,0,.24);overflow:hidden;animation:cf-in .2s ease-out}
.left .p{left:20px;right:auto}
.p.big{top:0;bottom:0;right:0;width:420px;height:auto;max-height:none;border-radius:0}
.left .p.big{left:0}
.open.wide .l{display:none}
@keyframes cf-in{from{opacity:0;transform:translateY(14px)}}
.h{display:flex;align-items:center;gap:4px;padding:14px 10px 14px 18px;background:var(--c);color:var(--f)}
.h div{flex:1;min-width:0}
.av{flex:none;display:flex;align-items:center;justify-content:center;width:36px;height:36px;margin-right:8px;border-radius:50%;overflow:hidden;background:rgba(127,127,127,.25);font-weight:700;font-size:14px}
.av img{width:100%;height:100%;object-fit:cover}
.meta .av{display:inline-flex;width:20px;height:20px;margin:-2px 5px 0 0;vertical-align:middle;font-size:9.5px;background:#d8dee4;color:#424a53}
.h h2{font-size:16px;font-weight:700;line-height:1.3}
.h p{font-size:12.5px}
.hb{width:36px;height:36px;border-radius:10px;display:flex;align-items:center;justify-content:center;flex:none}
.hb:hover{background:rgba(127,127,127,.22)}
.lg{font-size:12.5px;font-weight:700;letter-spacing:.5px}
.bd{flex:1;overflow-y:auto;padding:16px;background:#f6f7f9;overscroll-behavior:contain}
.wl{padding:24px 4px 12px}
.wl strong{display:block;font-size:22px;font-weight:700;margin-bottom:6px}
.wl p{color:#424a53;font-size:15px}
.log{display:flex;flex-direction:column;gap:12px}
.m{display:flex;flex-direction:column;align-items:flex-start;max-width:86%}
.b{padding:9px 13px;border-radius:16px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e1e4e8;border-bottom-left-radius:5px}
.visitor{align-self:flex-end;align-items:flex-end}
.visitor .b{background:var(--c);color:var(--f);border-color:transparent;border-radius:16px 16px 5px}
.agent .b{box-shadow:inset 3px 0 0 var(--c)}
.system{align-self:center;align-items:center;max-width:94%;text-align:center}
.system .b{background:#fff4d6;border-color:#f0dca0;color:#4d3b00;border-radius:10px;font-size:13px}
.meta{font-size:11.5px;color:#57606a;margin:3px 5px 0}
.meta b{font-weight:600;color:#424a53}
.sending .b{opacity:.8}
.failed .b{border:2px dashed #cf222e}
.failed .meta{color:#b3261e}
.meta button{text-decoration:underline;font-weight:700;margin-left:6px;color:#1f2328}
.ty{display:flex;gap:4px;width:max-content;margin-top:12px;padding:13px 14px;background:#fff;border:1px solid #e1e4e8;border-radius:16px 16px 16px 5px}
.ty i{width:7px;height:7px;border-radius:50%;background:#6e7781;animation:cf-b 1.2s infinite}
.ty i:nth-child(2){animation-delay:.2s}.ty i:nth-child(3){animation-delay:.4s}
@keyframes cf-b{0%,60%,100%{opacity:.3;transform:none}30%{opacity:1;transform:translateY(-3px)}}
.f{display:flex;align-items:flex-end;gap:8px;padding:10px 12px 6px;border-top:1px solid #e1e4e8;background:#fff}
textarea{flex:1;resize:none;min-height:42px;max-height:132px;padding:10px 12px;border:1px solid #8c959f;border-radius:12px;line-height:1.45;background:#fff}
textarea::placeholder{color:#6e7781}
textarea:focus-visible{outline:none;border-color:#1f2328;box-shadow:0 0 0 1px #1f2328}
.s,.at{width:42px;height:42px;border-radius:12px;background:var(--c);color:var(--f);display:flex;align-items:center;justify-content:center;flex:none}
.at{background:none;color:#424a53;width:30px}
.b img{display:block;max-width:100%;max-height:220px}
.drop{outline:3px dashed var(--c)}
.s:disabled{opacity:.4;cursor:default}
.ft{display:flex;align-items:center;justify-content:space-between;gap:8px;min-height:30px;padding:0 14px 8px;background:#fff;font-size:12.5px;color:#57606a}
.ft button{text-decoration:underline}
.ft .dl{color:#b3261e}
.meta .seen{margin-left:6px;font-weight:600}
.ft .per{margin-right:auto}
.em{display:flex;flex-direction:row;gap:6px;align-self:stretch;max-width:100%;flex-wrap:wrap}
.em input{flex:1 1 140px;min-width:0;padding:8px 10px;border:1px solid #8c959f;border-radius:10px;background:#fff;font:inherit}
.em button{padding:8px 14px;border-radius:10px;background:var(--c);color:var(--f);font-weight:600}
.em p{flex-basis:100%;color:#b3261e;font-size:12.5px}
.em textarea{flex-basis:100%}
.em .q{color:inherit;font-weight:600;font-size:14px}
.rt [aria-pressed]{background:none;color:#6e7781;font-size:22px;line-height:1;padding:2px 4px}
.rt [aria-pressed=true]{color:#9a6700;background:#fff4d6}
.em button:disabled{opacity:.5;cursor:default}
.cpy{align-self:center;text-decoration:underline;font-size:12.5px}
.ft .y,.ft .n{text-decoration:none;padding:3px 12px;border-radius:999px;border:1px solid #8c959f;margin-left:6px;font-weight:600;color:#1f2328}
.ft .y{background:#b3261e;border-color:#b3261e;color:#fff}
.cn{margin-left:auto;font-variant-numeric:tabular-nums}
.cn.max{color:#b3261e;font-weight:700}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:479px){.p,.p.big{inset:0;width:auto;height:auto;max-height:none;border-radius:0}.big-t{display:none}.open .l{display:none}textarea{font-size:16px}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}`;

    const style = document.createElement("style");
    style.textContent = CSS;
    root.querySelector("style").after(style);
    // The panel, before the launcher (the focus order). Our own constants only, never text from visitors or
    // the server. Texts are filled in by setLang(): data-t is an element's text, data-l its aria-label.
    wrap.insertAdjacentHTML(
      "afterbegin",
      '<div class="p" id="p" role="dialog" aria-labelledby="tt" hidden><div class="h"><span class="av" hidden></span><div><h2 id="tt"></h2><p class="sub"></p></div><button class="hb lg" type="button" data-t="code" data-l="lng" hidden></button><button class="hb big-t" type="button">' +
      ICON_BIG +
      '</button><button class="hb x" type="button" data-l="close">' +
      ICON_X +
      '</button></div><div class="bd"><div class="wl"><strong data-t="hi"></strong><p></p></div><div class="log" role="log" aria-live="polite" data-l="log"></div><div class="ty" role="status" hidden><i></i><i></i><i></i><span class="sr" data-t="typing"></span></div></div><form class="f"><textarea rows="1" maxlength="' +
      MAX +
      '" data-l="msg" aria-describedby="cn"></textarea><button class="at" type="button" data-l="att" hidden>' +
      icon("M20 11l-8 8a5 5 0 0 1-7-7l8-8a3 3 0 0 1 5 5l-8 8a1 1 0 0 1-3-3l7-7") +
      '</button><input type="file" hidden multiple accept="image/*,.pdf,.txt"><button class="s" type="submit" data-l="send" disabled>' +
      icon("M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z", 1) +
      '</button></form><div class="ft"><button class="per" type="button" data-t="person" hidden></button><button class="cp" type="button" data-t="copy" hidden></button><button class="end" type="button" data-t="end" hidden></button><button class="dl" type="button" data-t="del" hidden></button><div class="cf" role="group" aria-labelledby="q" hidden><span id="q"></span><button class="y" type="button" data-t="yes"></button><button class="n" type="button" data-t="no"></button></div><span class="cn" id="cn" hidden></span></div></div>',
    );
    launcher.setAttribute("aria-controls", "p");
    const $ = (sel) => root.querySelector(sel);
    const panel = $(".p");
    const dot = $(".dot");
    const sub = $(".sub");
    const bigToggle = $(".big-t");
    const body = $(".bd");
    const welcome = $(".wl");
    const log = $(".log");
    const typing = $(".ty");
    const form = $(".f");
    const input = $("textarea");
    const sendButton = $(".s");
    const attachButton = $(".at");
    const fileInput = $("[type=file]");
    const endButton = $(".end");
    const deleteButton = $(".dl");
    const personButton = $(".per");
    const copyButton = $(".cp");
    const confirmBox = $(".cf");
    const counter = $(".cn");
    const title = $("h2");
    const greeting = $(".wl p");
    const langButton = $(".lg");
    const avatar = $(".av");

    // The channel's config (C, the launcher's, which paints the colour and the corner): its name, avatar,
    // greeting, languages, and whether a person could answer now. Called again when a config comes late.
    const configure = () => {
      langButton.hidden = !!(fixed || C.languageFixed);
      face(avatar, C.avatarUrl, C.businessName);
      setLang(chooseLang(C));
      if (host.isConnected) offline();
    };
    // Every text of the widget in `code`'s language, at once (the visitor's switch calls this too).
    function setLang(code) {
      lang = code;
      t = TEXTS[lang];
      wrap.lang = lang;
      for (const e of root.querySelectorAll("[data-t]")) e.textContent = t[e.dataset.t];
      for (const e of root.querySelectorAll("[data-l]")) e.setAttribute("aria-label", t[e.dataset.l]);
      input.placeholder = t.ph;
      langButton.lang = t.code.toLowerCase();
      langButton.title = t.lng;
      title.textContent = C.businessName || t.title;
      greeting.textContent = (C.welcome && C.welcome[lang]) || t.start;
      launcher.setAttribute("aria-label", S.open ? t.close : t.open);
      bigToggle.setAttribute("aria-label", panel.classList.contains("big") ? t.small : t.big);
      setMode(S.mode);
      if (host.isConnected) onInput(); // the counter's label
    }

    const el = (tag, cls, text) => {
      const e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    };
    const tx = (tag, cls, key) => {
      const e = el(tag, cls, t[key]);
      e.dataset.t = key; // setLang() rewrites it in the other language
      return e;
    };
    const clock = (iso) => {
      const d = iso ? new Date(iso) : new Date();
      const options = { hour: "numeric", minute: "2-digit" };
      if (d.toDateString() !== new Date().toDateString()) Object.assign(options, { month: "short", day: "numeric" });
      const time = el("time", "", d.toLocaleString(lang, options));
      time.dateTime = d.toISOString();
      return time;
    };
    // When the team is back (the channel's business hours), in the visitor's own clock: "Mon 9:00 AM".
    const clockAt = (iso) => new Date(iso).toLocaleString(lang, { weekday: "short", hour: "numeric", minute: "2-digit" });
    const away = () => C.businessHours && !C.businessHours.open;
    const scrollDown = () => (body.scrollTop = body.scrollHeight);
    const refresh = () => {
      welcome.hidden = log.childElementCount > 0;
      endButton.hidden = deleteButton.hidden = !S.conv || !confirmBox.hidden;
      // Asking for a person needs a conversation to hand over, with the AI still answering it.
      personButton.hidden = !S.conv || S.mode !== "ai" || S.asked || !confirmBox.hidden;
      copyButton.hidden = !S.conv || load("mail") !== S.conv || !confirmBox.hidden;
      sendButton.disabled = !input.value.trim();
      attachButton.hidden = !S.conv; // a file goes into a conversation: the first message starts one
    };

    // A face: the picture when there is one (an <img> whose address and alt text are set as properties),
    // else the name's initials in a circle (also when the picture fails to load); nothing without either.
    const face = (box, url, name) => {
      name = (name || "").trim();
      const initials = name
        .split(/\s+/)
        .slice(0, 2)
        .map((w) => [...w][0] || "")
        .join("")
        .toUpperCase();
      box.replaceChildren(initials);
      if (/^https?:\/\//i.test(url || "")) box.replaceChildren(Object.assign(el("img"), { src: url, alt: name, onerror: () => box.replaceChildren(initials) }));
      box.hidden = !box.firstChild || !(initials || box.firstChild.src);
      return box;
    };

    // One message in the list: the text as text (line breaks kept by CSS), then who (an agent with their
    // first name and face) and when.
    const show = (role, content, createdAt, a, who, whoAvatar) => {
      const row = el("div", "m " + role);
      if (role === "visitor") {
        const who = el("span", "sr", ": ");
        who.prepend(tx("span", "", "you"));
        row.append(who);
      }
      const bubble = el("div", "b", content);
      if (a) {
        // A file: its thumbnail (images) or name and size, linking to it (short-lived URLs from the server).
        const link = el("a", "", a.thumbnailUrl ? "" : a.name + " · " + Math.ceil(a.size / 1024) + " KB");
        if (/^https?:/.test(a.url)) link.href = a.url;
        link.target = "_blank";
        if (a.thumbnailUrl) link.append(Object.assign(el("img"), { src: a.thumbnailUrl, alt: a.name, onload: scrollDown }));
        bubble.replaceChildren(link);
      }
      row.append(bubble);
      if (role !== "system") {
        const meta = el("div", "meta");
        // an agent by their first name when the server gives it, else "Team"
        if (role === "agent" && who) meta.append(face(el("span", "av"), whoAvatar, who));
        if (role !== "visitor") meta.append(who ? el("b", "", who) : tx("b", "", role === "agent" ? "agent" : "ai"), " · ");
        meta.append(clock(createdAt));
        row.append(meta);
      }
      log.append(row);
      refresh();
      scrollDown();
      return row;
    };
    const notice = (text) => show("system", text);

    // Every message the server tells us about comes through here, whichever way it came (the POST's
    // answer, the history, a poll, the socket's `message.created`), so nothing shows twice.
    const receive = (messages, live) => {
      for (const m of messages || []) {
        if (S.seen.has(m.id)) continue;
        S.seen.add(m.id);
        S.last = m.id;
        const mine = m.role === "visitor" ? S.mine.indexOf(m.content) : -1;
        if (mine >= 0) {
          S.mine.splice(mine, 1); // sent from this page and already shown
          continue;
        }
        const streamed = S.streams.get(m.id);
        if (streamed) {
          // The answer shown as it grew becomes the stored one, in place: never a second copy.
          S.streams.delete(m.id);
          const row = show(m.role, m.content, m.createdAt);
          streamed.row.replaceWith(row);
          scrollDown();
          continue;
        }
        show(m.role, m.content, m.createdAt, m.attachment, m.authorName, m.authorAvatarUrl);
        if (live) {
          touch();
          if (!S.open && m.role !== "visitor") dot.hidden = false;
        }
      }
    };
    // A piece of an answer the AI is still writing: shown at once, in order (a piece out of order is
    // skipped; the whole answer replaces the pieces when it comes, by its id, which the first piece gave).
    const grow = (d) => {
      if (!d.messageId || typeof d.delta !== "string" || S.seen.has(d.messageId)) return;
      let s = S.streams.get(d.messageId);
      if (!s) {
        if (d.index !== 0) return;
        s = { row: show("ai", ""), next: 0 };
        s.row.classList.add("streaming");
        S.streams.set(d.messageId, s);
        typing.hidden = true;
      }
      if (d.index !== s.next) return;
      s.next++;
      s.row.querySelector(".b").textContent += d.delta;
      scrollDown();
    };
    const setMode = (mode) => {
      S.mode = mode === "human" ? "human" : "ai";
      setTimeout(offerDetails, 0); // after the handoff notice; or once the socket is up (below)
      const h = C.businessHours;
      const back = h && !h.open && h.nextOpenAt && clockAt(h.nextOpenAt);
      const gone = back ? " · " + t.away.replace("{w}", back) : "";
      // The offline form shows instead of the chat: the AI's promise would say what is not there.
      sub.textContent = S.mode === "human" ? t.human + gone : S.offForm && !S.conv ? gone.slice(3) : t.sub + (C.humanAvailable ? " · " + t.online : gone);
      if (host.isConnected) refresh();
      schedule();
    };
    const setConversation = (id) => {
      if (id === S.conv) return;
      S.conv = id;
      save("conv", id);
      drop();
      S.tries = 0; // another socket: its backoff starts afresh
      connect();
      refresh();
    };
    // A conversation the visitor's message has just started: the server bound the open socket to it as
    // it began (its first answer streams there), so the socket stays.
    const adopt = (id) => {
      if (!live()) return setConversation(id);
      if (id === S.conv) return;
      S.conv = id;
      save("conv", id);
      refresh();
      profile();
    };
    // Forget the conversation: the next message starts a new one. Unless `keep`, back to the welcome screen.
    const forget = (keep) => {
      drop();
      setTimeout(connect, 0); // a socket for the next conversation, while the panel is open
      S.conv = S.last = null;
      S.seen.clear();
      S.streams.clear();
      S.asked = false;
      S.mine = [];
      save("conv", null);
      save("conv_ts", null);
      if (!keep) log.textContent = "";
      setMode("ai");
      refresh();
    };

    // ---- Live updates -------------------------------------------------------------------------------------
    // A WebSocket for the open conversation feeds receive()/setMode() as things happen; with none yet it
    // opens with the panel, so that the first answer streams too (the server binds it to the
    // conversation the first message starts, and its frames name it). While it is
    // down, polling takes over: every 5 s while the panel is open and a person is in charge (30 s while
    // it is closed, to light the unread dot).
    const sync = async (full) => {
      const id = S.conv;
      if (!id) return;
      const r = await api("GET", "/" + id + query(full ? null : S.last));
      if (id !== S.conv) return; // forgotten or replaced meanwhile
      if (r.status === 404 || (r.ok && r.data.status === "closed")) {
        if (full) return forget();
        ended();
        return;
      }
      if (!r.ok) return;
      S.restored = true;
      receive(r.data.messages, !full);
      setMode(r.data.responderMode);
    };
    const ended = () => {
      const id = S.conv;
      forget(true);
      notice(t.ended);
      survey(id);
    };
    const live = () => S.ws && S.ws.readyState === 1;
    function schedule(delay) {
      clearTimeout(S.timer);
      if (S.conv && S.mode === "human" && !live())
        S.timer = setTimeout(poll, delay ?? (S.open ? POLL_OPEN_MS : POLL_CLOSED_MS));
    }
    const poll = async () => {
      if (!document.hidden && !S.polling && Date.now() >= S.until) {
        S.polling = true;
        await sync();
        S.polling = false;
      }
      schedule();
    };
    function connect() {
      clearTimeout(S.retry);
      if (S.ws || S.gone || !(S.conv || S.open) || !window.WebSocket) return;
      let ws,
        up = 0;
      try {
        ws = S.ws = new WebSocket(WS + query() + (S.conv ? "&conversationId=" + S.conv : "") + "&lang=" + lang);
      } catch (e) {
        return; // refused by the browser (an insecure ws: from an https: page, say): polling it is
      }
      ws.onopen = () => {
        up = Date.now();
        S.ping = setInterval(() => ws.send('{"action":"ping"}'), PING_MS);
        schedule(); // no polling while the socket is up
        sync(); // whatever came while it was down
        profile();
        read();
        offerDetails();
      };
      ws.onmessage = (e) => {
        let ev;
        try {
          ev = JSON.parse(e.data);
        } catch (x) {
          return;
        }
        const d = ev.data || {};
        // The one the first message started (never one that just ended: the visitor's own, told back).
        if (!S.conv && ev.conversationId && d.status !== "closed") adopt(ev.conversationId);
        if (ev.conversationId !== S.conv) return;
        if (ev.type === "message.delta") grow(d);
        else if (ev.type === "message.created") (receive([d], true), d.role === "agent" && agentTyping({}), read());
        else if (ev.type === "typing") agentTyping(d);
        else if (ev.type === "conversation.read") d.side === "agent" && seen(d.readAt);
        else if (ev.type === "conversation.updated") d.status === "closed" ? ended() : setMode(d.responderMode);
      };
      ws.onclose = () => {
        if (S.ws !== ws) return; // dropped on purpose
        S.ws = null;
        clearInterval(S.ping);
        if (!up) sync(); // refused: the conversation may be gone (a 404 forgets it, and stops this)
        if (up && Date.now() - up > 30e3) S.tries = 0; // it stayed up: start the backoff afresh
        schedule();
        // Exponential backoff with full jitter, so that a restart is not met by every widget at once.
        S.retry = setTimeout(connect, Math.random() * Math.min(BACKOFF_MAX_MS, 1e3 * 2 ** S.tries++));
      };
    }
    const say = (o) => live() && S.ws.send(JSON.stringify(o));
    // For the agent's visitor panel: the visitor's clock and the page they are on (never their IP).
    const profile = () =>
      S.conv && say({ action: "profile", timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, page: location.href });
    // The agent has read up to `at`: "Seen" under the visitor's last message by then.
    const seen = (at) => {
      let last;
      for (const row of log.querySelectorAll(".m.visitor")) {
        const time = row.querySelector("time");
        if (time && time.dateTime <= at) last = row;
      }
      if (!last) return;
      const mark = S.seenMark || (S.seenMark = tx("span", "seen", "seen"));
      last.querySelector(".meta").append(mark);
    };
    // What the visitor has on screen is read, once per newest message, while the panel is open and the tab seen.
    const read = () => {
      const newest = S.last;
      if (!S.open || document.hidden || !newest || S.readSent === newest) return;
      if (say({ action: "read" }) !== false) S.readSent = newest;
    };
    // "<name> is typing…" while an agent types, gone 6 s after their last frame, or with their message.
    const agentTyping = (d) => {
      clearTimeout(S.agentTimer);
      const on = d.role === "agent" && d.typing;
      S.agentTyping = on ? t.writing.replace("{n}", d.name || t.agent) : "";
      typing.hidden = !on;
      typing.querySelector(".sr").textContent = on ? S.agentTyping : t.typing;
      typing.title = S.agentTyping;
      if (on) S.agentTimer = setTimeout(() => agentTyping({}), 6e3);
    };
    // Only whether the visitor types, never what: on at the first key, off after 3 s without one.
    const typed = (on) => {
      clearTimeout(S.typeTimer);
      if (on) S.typeTimer = setTimeout(() => typed(false), 3e3);
      if (on === !!S.typingSent) return;
      S.typingSent = on;
      say({ action: "typing", typing: on });
    };
    function drop() {
      const ws = S.ws;
      S.ws = null;
      clearInterval(S.ping);
      clearTimeout(S.retry);
      if (ws) ws.close();
    }
    document.addEventListener("visibilitychange", () => document.hidden || (schedule(0), connect(), read()));

    // ---- Sending ------------------------------------------------------------------------------------------
    const mark = (msg, state) => {
      msg.row.classList.toggle("sending", state === "sending");
      msg.row.classList.toggle("failed", state === "failed");
      const meta = msg.row.querySelector(".meta");
      meta.textContent = "";
      if (state !== "failed") return meta.append(clock(msg.at));
      meta.append(tx("span", "", "fail"));
      const retry = tx("button", "", "retry");
      retry.type = "button";
      retry.onclick = () => {
        deliver(msg);
        input.focus();
      };
      meta.append(retry);
    };
    // ---- Identity ------------------------------------------------------------------------------------------
    const anonymous = (code) => {
      if (userJwt && code)
        console.warn(TAG + "the identity token was refused (" + code + "); chatting as an anonymous visitor instead.");
      userJwt = null;
      if (visitorId !== anonymousId) {
        visitorId = anonymousId;
        forget();
      }
    };
    const becomes = (id) => {
      if (!UUID_RE.test(id || "") || id === visitorId) return;
      visitorId = id;
      forget(); // the conversation of the anonymous visitor is not theirs
    };
    const identify = async (jwt) => {
      userJwt = (jwt || "").trim() || null;
      if (!userJwt) return anonymous();
      const r = await api("POST", "/identify", { publicKey: KEY, userJwt });
      if (!r.ok) return r.status === 400 || r.status === 401 ? anonymous(r.code || "invalid_identity") : undefined;
      becomes(r.data.visitorId);
      if (r.data.conversationId) setConversation(r.data.conversationId); // their open conversation, from any device
    };

    const post = async (msg) => {
      if (S.until > Date.now()) await new Promise((ok) => setTimeout(ok, S.until - Date.now()));
      typing.hidden = S.mode !== "ai";
      scrollDown();
      const sentTo = S.conv;
      // identify() may refuse the token while this POST is in flight: retry on what this POST sent
      const sentJwt = userJwt;
      const r = await api("POST", "", {
        publicKey: KEY,
        visitorId,
        message: msg.text,
        conversationId: sentTo || undefined,
        lang,
        pageUrl: location.href,
        clientMessageId: msg.id, // the same on every retry: the server stores the message once
        userJwt: sentJwt || undefined,
      });
      typing.hidden = true;
      if (r.ok) {
        if (r.data.visitorId && r.data.visitorId !== visitorId) visitorId = r.data.visitorId;
        mark(msg, "sent");
        if (r.data.conversationId !== sentTo) adopt(r.data.conversationId); // a new one: the socket follows it
        touch();
        if (r.data.reply) receive([r.data.reply], true);
        setMode(r.data.responderMode);
        return;
      }
      if (r.code === "channel_not_found" || r.code === "origin_not_allowed") return refuse(r.code);
      if (r.code === "invalid_identity" && sentJwt) {
        anonymous(r.code); // falls back to this browser's anonymous visitor, and says so in the console
        return post(msg);
      }
      if (r.code === "identity_required") {
        console.error(TAG + "this channel only accepts signed-in users of the site: give the widget data-user-jwt.");
        return mark(msg, "failed");
      }
      if (r.code === "conversation_not_found" && sentTo && sentTo === S.conv) {
        forget(true); // gone on the server: start a new conversation with the same message
        return post(msg);
      }
      if (r.status === 429) {
        const seconds = Math.min(r.wait > 0 ? r.wait : 10, 600);
        S.until = Date.now() + seconds * 1e3;
        mark(msg, "failed");
        notice(t.slow.replace("{s}", seconds));
        return;
      }
      mark(msg, "failed");
    };
    const deliver = (msg) => {
      mark(msg, "sending");
      S.queue = S.queue.then(() => post(msg)).catch(() => mark(msg, "failed")); // never jam the queue
    };
    const send = () => {
      const text = input.value.trim();
      if (!text) return;
      if (S.conv && stale()) {
        // idle too long in an open tab: that conversation is over
        closeRemote(S.conv);
        forget();
      }
      input.value = "";
      onInput();
      const msg = { id: uuid(), text, at: new Date().toISOString() };
      S.mine.push(text);
      msg.row = show("visitor", text, msg.at);
      touch();
      deliver(msg);
    };

    // ---- Attachments: a presigned POST straight to storage, with progress; then the server checks it ----------
    const attach = async (f) => {
      const id = S.conv;
      if (!id) return;
      const row = show("visitor", f.name);
      const meta = row.querySelector(".meta");
      row.classList.add("sending");
      // The server's refusal is worded in the visitor's language (too large, a type we do not take, …).
      const fail = (r) => (row.classList.replace("sending", "failed"), (meta.textContent = (r && r.data.error || t).message || t.fail));
      const ask = { publicKey: KEY, visitorId, lang };
      let r = await api("POST", "/" + id + "/attachments", { ...ask, name: f.name, contentType: f.type || "-", size: f.size });
      if (!r.ok) return fail(r);
      const form = new FormData();
      for (const k in r.data.fields) form.append(k, r.data.fields[k]);
      form.append("file", f);
      const x = new XMLHttpRequest();
      x.upload.onprogress = (e) => (meta.textContent = Math.round((e.loaded / e.total) * 100) + "%");
      await new Promise((done) => ((x.onloadend = done), x.open("POST", r.data.url), x.send(form)));
      if (x.status > 299 || !x.status) return fail();
      r = await api("POST", "/" + id + "/attachments/" + r.data.attachmentId, ask);
      if (!r.ok) return fail(r);
      const m = r.data.message;
      if (S.seen.has(m.id)) return row.remove(); // the socket was faster
      S.seen.add(m.id);
      row.replaceWith(show(m.role, m.content, m.createdAt, m.attachment));
      touch();
    };
    const attachAll = (files) => [...(files || [])].forEach(attach);
    attachButton.onclick = () => fileInput.click();
    fileInput.onchange = () => (attachAll(fileInput.files), (fileInput.value = ""));
    input.onpaste = (e) => e.clipboardData.files.length && (e.preventDefault(), attachAll(e.clipboardData.files));
    // Dropped anywhere on the open panel; outlined while a file is over it.
    panel.ondragover = (e) => S.conv && (e.preventDefault(), panel.classList.add("drop"));
    panel.ondragleave = panel.ondrop = (e) => {
      panel.classList.remove("drop");
      if (e.type === "drop") (e.preventDefault(), attachAll(e.dataTransfer.files));
    };

    // ---- "Talk to a person" ------------------------------------------------------------------------------
    // Where the channel hands off, the conversation passes to a person (the notice comes back as a
    // message). Where it does not, nobody will come: the visitor may leave an email for the team.
    const askForPerson = async (email) => {
      const id = S.conv;
      if (!id) return;
      const r = await api("POST", "/" + id + "/handoff", email ? { visitorId, email } : { visitorId });
      if (id !== S.conv) return;
      if (r.ok) {
        if (r.data.reply) receive([r.data.reply], true);
        setMode(r.data.responderMode);
        if (r.data.emailSaved) notice(t.saved);
        else if (!r.data.available && !email) offerEmail();
        return r;
      }
      if (r.status === 404 || r.code === "conversation_closed") ended();
      else if (r.status === 429) notice(t.slow.replace("{s}", Math.min(r.wait > 0 ? r.wait : 10, 600)));
      return r;
    };
    // A small form in the log: `fields` ("name", "email"), then `submit` with their values; false from it
    // (or a bad email) keeps the form, with the widget's own message rather than the browser's bubble.
    const detailsForm = (fields, submit) => {
      const box = el("form", "m em");
      box.noValidate = true;
      const inputs = fields.map((kind) => {
        const field = el(kind === "message" ? "textarea" : "input");
        if (kind !== "message") field.type = kind === "email" ? "email" : "text";
        field.required = kind === "email" && fields.length === 1;
        field.maxLength = kind === "email" ? 254 : kind === "message" ? MAX : 100;
        field.autocomplete = kind;
        field.placeholder = t[kind];
        field.setAttribute("aria-label", t[kind]);
        return field;
      });
      const go = el("button", "", t.leave);
      go.type = "submit";
      const error = el("p", "", "");
      error.hidden = true;
      error.setAttribute("role", "alert");
      box.append(...inputs, go, error);
      const email = inputs[fields.indexOf("email")];
      const fail = () => ((error.textContent = t.bad), (error.hidden = false), email.focus());
      box.onsubmit = async (e) => {
        e.preventDefault();
        const values = inputs.map((field) => field.value.trim());
        if (!values.some(Boolean) || (email.value && !email.checkValidity())) return fail();
        go.disabled = true;
        const done = await submit(...values);
        go.disabled = false;
        if (done === false) fail();
        else box.remove();
      };
      log.append(box);
      refresh();
      scrollDown();
      inputs[0].focus();
    };
    const offerEmail = () => {
      S.asked = true;
      notice(t.nobody);
      detailsForm(["email"], leaveEmail);
    };
    // The visitor's address for the team (kept on the conversation): also where a copy of the chat may go.
    const leaveEmail = async (value) => {
      const id = S.conv;
      const r = await askForPerson(value);
      if (r && r.ok) (save("mail", id), refresh()); // the copy button shows once there is an address
      return r && r.ok ? true : r && r.status === 400 ? false : undefined;
    };
    // Once a person is to answer, the visitor may leave a name and email for the agents' visitor panel.
    // Outside business hours the handoff's notice (the server's) asks for an email instead: it reaches the team.
    const offerDetails = () => {
      if (S.mode !== "human" || load("offered") === S.conv || !(live() || away())) return; // once per conversation
      save("offered", S.conv);
      if (away()) return detailsForm(["email"], leaveEmail);
      notice(t.who);
      detailsForm(["name", "email"], (name, email) => {
        say({ action: "profile", name, email });
        if (email) save("mail", S.conv);
        notice(t.thanks);
      });
    };
    copyButton.onclick = () => copy(S.conv);
    const copy = async (id) => {
      const r = await api("POST", "/" + id + "/transcript", { visitorId, lang });
      notice(r.ok ? t.copied.replace("{e}", r.data.sentTo) : (r.data.error || t).message || t.fail);
    };

    // ---- Outside business hours, the channel's offline form instead of the chat ----------------------------------
    const offline = () => {
      if (S.conv || !away() || C.businessHours.offlineMode !== "form" || S.offForm) return;
      S.offForm = form.hidden = true;
      setMode(S.mode);
      notice(t.off);
      detailsForm(["email", "message"], async (email, message) => {
        if (!email || !message) return false;
        const r = await api("POST", "/offline", { publicKey: KEY, visitorId, email, message, lang, pageUrl: location.href, clientMessageId: uuid() });
        if (!r.ok) return r.status === 400 ? false : (notice((r.data.error || t).message || t.fail), undefined);
        form.hidden = false;
        S.mine.push(message);
        show("visitor", message);
        setConversation(r.data.conversationId);
        save("mail", S.conv);
        receive([r.data.reply], true);
        setMode("human");
      });
    };

    // ---- Satisfaction: once a conversation ends, a rating (1-5 or thumbs, the channel's choice) and a comment ------
    const survey = (id) => {
      const cfg = C.satisfaction;
      if (!cfg || !cfg.enabled || !id || load("rated") === id || S.surveyed === id) return;
      S.surveyed = id; // once, however the end was heard of (the visitor's own, the socket, a poll)
      const box = el("form", "m em rt");
      let value = 0;
      const pick = cfg.scale === "thumbs" ? [[5, "👍", t.up], [1, "👎", t.down]] : [1, 2, 3, 4, 5].map((n) => [n, "★", t.star.replace("{n}", n)]);
      const buttons = pick.map(([n, face, label]) => {
        const b = el("button", "", face);
        b.type = "button";
        b.setAttribute("aria-label", label);
        b.setAttribute("aria-pressed", "false");
        b.onclick = () => {
          value = n;
          for (const o of buttons) o.setAttribute("aria-pressed", String(cfg.scale === "thumbs" ? o === b : +o.dataset.n <= n));
          go.disabled = false;
        };
        b.dataset.n = n;
        return b;
      });
      const comment = el("textarea");
      comment.maxLength = 1000;
      comment.placeholder = t.note;
      comment.setAttribute("aria-label", t.note);
      const go = el("button", "", t.send);
      go.disabled = true;
      box.append(el("p", "q", t.rate), ...buttons, comment, go);
      box.onsubmit = async (e) => {
        e.preventDefault();
        go.disabled = true;
        const r = await api("POST", "/" + id + "/rating", { visitorId, rating: value, comment: comment.value.trim() || undefined });
        if (!r.ok && r.status !== 409) return (go.disabled = false), notice((r.data.error || t).message || t.fail);
        save("rated", id);
        box.remove();
        notice(t.rated);
      };
      log.append(box);
      if (load("mail") === id) {
        const c = tx("button", "cpy", "copy");
        c.type = "button";
        c.onclick = () => (c.remove(), copy(id));
        log.append(c);
      }
      welcome.hidden = true;
      scrollDown();
    };
    personButton.onclick = () => askForPerson();

    // ---- Opening, closing, the composer ------------------------------------------------------------------------
    const toggle = (open, moveFocus) => {
      S.open = open;
      wrap.classList.toggle("open", open);
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", open);
      launcher.setAttribute("aria-label", open ? t.close : t.open);
      save("open", open ? "1" : null, session);
      if (open) {
        dot.hidden = true;
        if (S.conv && !S.restored) sync(true);
        connect();
        scrollDown();
        read();
        if (moveFocus) input.focus();
      } else if (moveFocus) launcher.focus();
      schedule(open ? 0 : undefined);
    };
    const setBig = (big) => {
      panel.classList.toggle("big", big);
      wrap.classList.toggle("wide", big);
      bigToggle.innerHTML = big ? ICON_SMALL : ICON_BIG; // our own constant
      bigToggle.setAttribute("aria-label", big ? t.small : t.big);
      scrollDown();
    };
    const onInput = () => {
      const n = input.value.length;
      typed(n > 0);
      counter.hidden = n < MAX - 200;
      counter.textContent = n + " / " + MAX;
      counter.setAttribute("aria-label", n + " / " + MAX + " " + t.chars);
      counter.classList.toggle("max", n >= MAX);
      input.style.height = "auto";
      input.style.height = Math.min(input.scrollHeight + 2, 132) + "px";
      refresh();
    };
    // The footer asks before ending ("end") or deleting ("del") the conversation; false: asks nothing.
    const showConfirm = (what) => {
      S.asking = what;
      if (what) $("#q").textContent = t[what === "del" ? "delAsk" : "ask"];
      confirmBox.hidden = !what;
      refresh();
      (what ? $(".n") : S.conv ? endButton : input).focus();
    };

    launcher.onclick = () => toggle(!S.open, true);
    $(".x").onclick = () => toggle(false, true);
    bigToggle.onclick = () => setBig(!panel.classList.contains("big"));
    langButton.onclick = () => {
      save("lang", t.code.toLowerCase()); // the visitor's choice, kept for this channel
      setLang(t.code.toLowerCase());
    };
    form.onsubmit = (e) => {
      e.preventDefault();
      send();
      input.focus();
    };
    input.oninput = onInput;
    input.onkeydown = (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault(); // Enter sends; Shift+Enter is a new line
        send();
      }
    };
    endButton.onclick = () => showConfirm("end");
    deleteButton.onclick = () => showConfirm("del");
    $(".n").onclick = () => showConfirm(false);
    $(".y").onclick = async () => {
      const id = S.conv;
      const erase = S.asking === "del";
      showConfirm(false);
      if (!id) return;
      if (!erase) {
        if (!(C.satisfaction && C.satisfaction.enabled)) return forget(), closeRemote(id);
        forget(true);
        notice(t.ended);
        await closeRemote(id); // rated once it has ended on the server
        return survey(id);
      }
      // Deleted on the server first: a visitor is told their messages are gone only once they are.
      const r = await api("DELETE", "/" + id, { visitorId });
      if (!r.ok && r.status !== 404) return notice(t.fail);
      forget();
      notice(t.deleted);
    };
    root.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || !S.open) return;
      e.stopPropagation();
      if (!confirmBox.hidden) showConfirm(false);
      else toggle(false, true);
    });

    // ---- Start: what the launcher had done before the chat came -------------------------------------------
    const start = () => {
      const resume = () => {
        if (S.conv && stale()) {
          closeRemote(S.conv); // the server's cleanup would close it too; this is sooner
          forget();
        } else if (S.conv) {
          sync(true);
          connect();
        }
      };
      if (userJwt) identify(userJwt).then(resume, resume);
      else resume();
      refresh();
      offline();
      // Still open from the previous page of this visit (not on phones, where it would cover the page).
      if (load("open", session) && innerWidth >= 480) toggle(true, false);
    };
    configure();
    start();
    // What the launcher may ask of the chat from now on.
    return { configure, identify, stop, open: () => toggle(true, true) };
  };
  (window.ChatFlow360 = window.ChatFlow360 || {})._mount = mount;
})();
