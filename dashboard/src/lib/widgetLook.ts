/**
 * A channel's widget look, as the channel form previews it: the same colour rules as the widget itself
 * (widget/chatflow360.js), so that the preview shows what visitors will see.
 */

export const DEFAULT_WIDGET_COLOR = "#2f92ad";
const DARK = "#111418";

/** `#rrggbb`, the only form the API takes. */
export function isHexColor(value: string): boolean {
  return /^#[0-9a-fA-F]{6}$/.test(value.trim());
}

function luminance(hex: string): number {
  return [1, 3, 5]
    .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
}

const ratio = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** The text colour the widget puts on `color`: white when it reaches 4.5:1 (WCAG AA), else near-black, else black. */
export function textOn(color: string): string {
  const hex = isHexColor(color) ? color.trim() : DEFAULT_WIDGET_COLOR;
  const l = luminance(hex);
  return ratio(l, 1) >= 4.5 ? "#fff" : ratio(l, luminance(DARK)) >= 4.5 ? DARK : "#000";
}
