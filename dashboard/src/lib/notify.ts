/** Telling an operator something happened while they look elsewhere: a desktop notification (the
 * Notification API, asked for once, off until they switch it on) and a short beep (on unless they
 * switch it off), each remembered per user in this browser. Notifications only while the tab is
 * hidden: on screen, the inbox itself shows it (and the tab's title counts what waits). */

export interface NotifyPrefs {
  desktop: boolean;
  sound: boolean;
}

const DEFAULTS: NotifyPrefs = { desktop: false, sound: true };
let currentUser = "anonymous";

function key(userId: string): string {
  return `chatflow360.notify.${userId}`;
}

export function setNotifyUser(userId: string): void {
  currentUser = userId;
}

export function loadPrefs(userId: string = currentUser): NotifyPrefs {
  try {
    const raw = localStorage.getItem(key(userId));
    const stored = raw ? (JSON.parse(raw) as Partial<NotifyPrefs>) : {};
    return { desktop: stored.desktop === true, sound: stored.sound !== false };
  } catch {
    return { ...DEFAULTS };
  }
}

export function savePrefs(prefs: NotifyPrefs, userId: string = currentUser): void {
  localStorage.setItem(key(userId), JSON.stringify(prefs));
}

/** Switching desktop notifications on asks the browser's permission, once; refused, they stay off. */
export async function enableDesktop(): Promise<boolean> {
  if (!("Notification" in window)) return false;
  const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
  return permission === "granted";
}

export function titleWithCount(title: string, count: number): string {
  return count > 0 ? `(${count}) ${title}` : title;
}

function beep(): void {
  try {
    const Ctx = window.AudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.05;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.2);
    osc.onended = () => void ctx.close();
  } catch {
    /* sound is best effort */
  }
}

/** Whether a desktop notification should show now: switched on, permitted, and the tab hidden. */
export function shouldNotifyDesktop(prefs: NotifyPrefs, visibility: DocumentVisibilityState, permission: string | undefined): boolean {
  return prefs.desktop && permission === "granted" && visibility === "hidden";
}

export function notify(title: string, body: string, tag: string, onClick?: () => void): void {
  const prefs = loadPrefs();
  if (prefs.sound) beep();
  const permission = "Notification" in window ? Notification.permission : undefined;
  if (!shouldNotifyDesktop(prefs, document.visibilityState, permission)) return;
  try {
    // The body is the visitor's text: a notification shows it as plain text, never markup.
    const n = new Notification(title, { body: body.slice(0, 140), tag });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}

/** Kept for the live socket's "a person is needed" without details. */
export function notifyNeedsHuman(title = "ChatFlow360", body = ""): void {
  notify(title, body, "needs-human");
}
