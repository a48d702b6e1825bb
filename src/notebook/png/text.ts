// Text that is not tied to a trace: the title, annotations and the slider caption.
import { FONT, textWidth } from '../font';
import type { Raster, Rect } from '../raster';
import { toPx, type AxisState } from './axis';
import { AXIS, INK } from './style';

/** The tags plotly.js interprets in a label (svg_text_utils' TAG_STYLES, and `br`); any other `<...>` is text. */
const PLOTLY_TAGS = new Set(['sup', 'sub', 's', 'u', 'b', 'i', 'a', 'span', 'em']);

/** The named entities plotly.js decodes (svg_text_utils' entityToUnicode); others stay as written. */
const PLOTLY_ENTITIES: Readonly<Record<string, string>> = {
  mu: 'μ',
  amp: '&',
  lt: '<',
  gt: '>',
  nbsp: ' ', // a no-break space; the bitmap font draws it as a space
  times: '×',
  plusmn: '±',
  deg: '°',
};

/** `&lt;`, `&#60;`, `&#x3c;`... decoded as plotly.js decodes them; unknown entities (`&quot;`) left as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#\d+|#x[\da-fA-F]+|[a-z]+);/g, (whole, name: string) => {
    if (name[0] !== '#') return Object.hasOwn(PLOTLY_ENTITIES, name) ? PLOTLY_ENTITIES[name] : whole;
    const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Lines of a Plotly label as plotly.js shows them (svg_text_utils `convertToTspans`): newlines are
 * spaces, `<br>` (with attributes or as a closing tag too) breaks the line, the formatting tags
 * plotly.js knows (`<b>`, `<i>`, `<sup>`, `<sub>`, `<span style=...>`, `<a href=...>`, ...) are
 * dropped (the bitmap font has one style), and any other `<...>` is text, so `p<0.05 & q>1` shows
 * whole; entities are decoded in the text between tags, so an escaped `&lt;b&gt;` shows as `<b>`.
 * Lines are trimmed and empty ones dropped.
 */
export function stripTags(s: string): string[] {
  const lines: string[] = [''];
  for (const part of s.replace(/\r\n?|\n/g, ' ').split(/(<[^<>]*>)/)) {
    const tag = /^<(\/?)([^ >]*)(\s+(.*))?>$/i.exec(part)?.[2].toLowerCase();
    if (tag === 'br') lines.push('');
    else if (tag === undefined || !PLOTLY_TAGS.has(tag)) lines[lines.length - 1] += decodeEntities(part);
  }
  return lines.map((line) => line.trim()).filter((line) => line.length > 0);
}

/** A label on one line (legend entries, axis and colour bar titles): its lines joined by spaces. */
export function labelText(s: string): string {
  return stripTags(s).join(' ');
}

/** The figure title centred in the top margin: its first line at double size when it fits. */
export function drawTitle(img: Raster, title: string, W: number, top: number, pinned: number | null = null): void {
  const lines = stripTags(title);
  // Plotly: title.y with yanchor 'top' pins the title's top at that fraction of the figure height.
  let y = pinned === null ? Math.max(4, Math.round(top / 2 - (lines.length === 1 ? 7 : 12))) : Math.round(pinned) + 2;
  lines.forEach((line, i) => {
    const scale = i === 0 && textWidth(line, 2) < W - 20 ? 2 : 1;
    img.text(line, W / 2, y, INK, { scale, align: 'center' });
    y += FONT.lineHeight * scale + 2;
  });
}

/** Layout annotations: in data coordinates (with an arrow from the point) or in paper fractions of the plot. */
export function drawAnnotations(img: Raster, annotations: unknown, plot: Rect, axes: Map<string, AxisState>): void {
  if (!Array.isArray(annotations)) return;
  for (const a of annotations as Record<string, unknown>[]) {
    if (typeof a.text !== 'string' || typeof a.x !== 'number' || typeof a.y !== 'number') continue;
    const xa = typeof a.xref === 'string' && a.xref !== 'paper' ? axes.get(a.xref.replace(/ domain$/, '')) : undefined;
    const ya = typeof a.yref === 'string' && a.yref !== 'paper' ? axes.get(a.yref.replace(/ domain$/, '')) : undefined;
    const px = xa
      ? toPx(xa, a.x) + (typeof a.ax === 'number' && a.showarrow !== false ? a.ax : 0)
      : plot.x0 + a.x * (plot.x1 - plot.x0);
    const py = ya
      ? toPx(ya, a.y) + (typeof a.ay === 'number' && a.showarrow !== false ? a.ay : 0)
      : plot.y1 - a.y * (plot.y1 - plot.y0);
    const align = a.xanchor === 'left' ? 'left' : a.xanchor === 'right' ? 'right' : 'center';
    const valign = a.yanchor === 'top' ? 'top' : a.yanchor === 'middle' ? 'middle' : 'bottom';
    if (xa && ya && a.showarrow !== false) img.line(toPx(xa, a.x), toPx(ya, a.y), px, py, AXIS);
    // Lines stack away from the anchor, as Plotly lays out a multi-line annotation.
    const lines = stripTags(a.text);
    const step = FONT.lineHeight + 2;
    const first =
      valign === 'bottom'
        ? py - 2 - (lines.length - 1) * step
        : valign === 'middle'
          ? py - ((lines.length - 1) * step) / 2
          : py;
    lines.forEach((line, k) => img.text(line, px, first + k * step, INK, { align, valign }));
  }
}

/** A slider figure is drawn at its active step; the caption says which, and that moving it needs Plotly. */
export function drawSliderCaption(img: Raster, sliders: unknown, W: number, H: number): void {
  if (!Array.isArray(sliders) || sliders.length === 0) return;
  const s = sliders[0] as { active?: number; steps?: { label?: string }[]; currentvalue?: { prefix?: string } };
  const steps = s.steps ?? [];
  const active = s.active ?? 0;
  const label = steps[active]?.label ?? String(active);
  const short = `${s.currentvalue?.prefix ?? 'step: '}${label} (${active + 1} of ${steps.length})`;
  const long = `${short}; the slider needs the interactive view`;
  img.text(textWidth(long) <= W - 10 ? long : short, W / 2, H - 8, INK, { align: 'center', valign: 'bottom' });
}
