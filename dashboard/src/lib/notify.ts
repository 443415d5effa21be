/** A short beep and a tab-title notice when a conversation needs a person. */
let baseTitle: string | null = null;
let pending = 0;

export function titleWithCount(title: string, count: number): string {
  return count > 0 ? `(${count}) ${title}` : title;
}

export function notifyNeedsHuman(): void {
  if (baseTitle === null) baseTitle = document.title;
  pending += 1;
  document.title = titleWithCount(baseTitle, pending);
  try {
    const Ctx = window.AudioContext;
    if (Ctx) {
      const ctx = new Ctx();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.05;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.2);
      osc.onended = () => void ctx.close();
    }
  } catch {
    /* sound is best effort */
  }
  const clear = () => {
    if (document.visibilityState === "visible" && document.hasFocus()) {
      pending = 0;
      if (baseTitle !== null) document.title = baseTitle;
      window.removeEventListener("focus", clear);
    }
  };
  window.addEventListener("focus", clear);
  window.setTimeout(clear, 5000);
}
