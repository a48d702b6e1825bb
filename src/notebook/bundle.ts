import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkOptionNames, ParameterError } from '../errors';
import { checkGrid, type Grid } from '../grid/grid';
import { checkOptionalString } from './checks';
import { heatmap } from './heatmap';
import { renderPng } from './png';
import { compactZ, decodeTypedArray, isTypedArraySpec, readNumbers } from './encode';
import type { Figure, Trace } from './types';

/** The four MIME parts of a figure's display_data, as Jupyter stores them (PNG in base64). */
export interface MimeBundle {
  'application/vnd.plotly.v1+json'?: Figure;
  'text/html': string;
  'image/png'?: string;
  'text/plain': string;
}

/** True for `{data: [...], layout: {...}}` objects. */
export function isFigure(x: unknown): x is Figure {
  return (
    typeof x === 'object' && x !== null && Array.isArray((x as Figure).data) && typeof (x as Figure).layout === 'object'
  );
}

/** A figure for anything `show` accepts: a Figure as is, a Grid/Spectrogram as its default heatmap. */
export function asFigure(x: Figure | Grid): Figure {
  if (isFigure(x)) return { ...x, config: x.config ?? {} };
  if (typeof x === 'object' && x !== null && 'rows' in x && 'data' in x) {
    checkGrid(x, 'x');
    return heatmap(x);
  }
  throw new ParameterError(`x must be a Plotly figure {data, layout} or a Grid, got ${x === null ? 'null' : typeof x}`);
}

/** Text of a Plotly label as a reader sees it: tags dropped, the HTML entities figures use decoded. */
export function plainText(s: string): string {
  return s
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The colour range a heatmap trace is drawn with: its own zmin/zmax, or its colour axis' cmin/cmax. */
function shownRange(fig: Figure, layout: Figure['layout'] | undefined, t: Trace): [number, number] | undefined {
  const ca =
    typeof t.coloraxis === 'string'
      ? ((layout?.[t.coloraxis] ?? fig.layout[t.coloraxis]) as Record<string, unknown> | undefined)
      : undefined;
  const lo = ca ? ca.cmin : t.zmin;
  const hi = ca ? ca.cmax : t.zmax;
  return typeof lo === 'number' && typeof hi === 'number' ? [lo, hi] : undefined;
}

/**
 * One-line description of a figure, e.g.
 * `Figure 'Spectrogram': heatmap 129×201, z -80…0 dB [mean-pooled 2×5 for display: 257×1001 → 129×201 cells]`.
 * The z range is the colour bar's (zmin…zmax: the source's range, not the pooled cells').
 */
export function summary(fig: Figure): string {
  const titleHtml = String(fig.layout.title?.text ?? '');
  const title = plainText(titleHtml.split(/<br/i)[0]);
  const parts = fig.data.map((t) => {
    if (t.type === 'heatmap' && (isTypedArraySpec(t.z) || Array.isArray(t.z))) {
      let shape: number[];
      let values: ArrayLike<number>;
      if (isTypedArraySpec(t.z)) ({ shape, values } = decodeTypedArray(t.z));
      else {
        const rows = t.z as (ArrayLike<number | null> | null)[];
        shape = [rows.length, rows[0]?.length ?? 0];
        values = rows.flatMap((r) => Array.from(r ?? [], (v) => (v === null ? NaN : v)));
      }
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < values.length; i++)
        if (Number.isFinite(values[i])) (lo = Math.min(lo, values[i])), (hi = Math.max(hi, values[i]));
      const owner =
        typeof t.coloraxis === 'string' ? (fig.layout[t.coloraxis] as Record<string, unknown> | undefined) : t;
      const unit = plainText((owner?.colorbar as { title?: { text?: string } } | undefined)?.title?.text ?? '');
      const shown = shownRange(fig, undefined, t);
      const range =
        lo > hi ? ', no finite values' : `, z ${round((shown ?? [lo, hi])[0])}…${round((shown ?? [lo, hi])[1])}`;
      return `heatmap ${shape.join('×')}${range}${lo <= hi && unit ? ` ${unit}` : ''}`;
    }
    if (t.type === 'scatter')
      return `line ${t.name ? `'${plainText(String(t.name))}' ` : ''}(${readNumbers(t.y)?.length ?? '?'} points)`;
    return String(t.type);
  });
  const note = /<sub>(.*?)<\/sub>/.exec(titleHtml)?.[1];
  return (
    `Figure${title ? ` '${title}'` : ''}: ${[...new Set(parts)].join('; ')}` +
    `${note ? ` [${plainText(note)}]` : ''}` +
    `${fig.frames ? `, ${fig.frames.length} slider steps` : ''}`
  );
}

function round(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** JSON safe to inline in a <script>: no `</script>`, no `<!--`, no line separators. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A fresh element/display id. */
export function newId(prefix = 'sm'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Heatmaps with more cells than this travel in the HTML part as 16-bit codes (see {@link compactZ}). */
const COMPACT_ABOVE = 4096;

/**
 * The figure with every large f4 heatmap `z` (in data and frames) replaced by its {@link compactZ},
 * finest over the colour range it is drawn with, so the interactive view colours as the PNG does.
 */
function compactFigure(fig: Figure): Figure {
  const traces = (data: Figure['data'], layout?: Figure['layout']): Figure['data'] =>
    data.map((t) =>
      t.type === 'heatmap' && isTypedArraySpec(t.z) && t.z.dtype === 'f4' && t.z.bdata.length * 0.75 > COMPACT_ABOVE * 4
        ? { ...t, z: compactZ(t.z, shownRange(fig, layout, t)) }
        : t,
    );
  return {
    ...fig,
    data: traces(fig.data),
    ...(fig.frames
      ? { frames: fig.frames.map((f) => ({ ...f, data: traces(f.data, f.layout as Figure['layout'] | undefined) })) }
      : {}),
  };
}

/**
 * The `text/html` part: a div holding the static PNG as an `<img>`, and a script that replaces it
 * with the interactive plot once `window.Plotly` exists (loaded by {@link plotlyLoaderHtml}; it
 * waits up to 10 s for it). Without JavaScript, or with scripts blocked (untrusted notebooks,
 * GitHub), the PNG stays. Large heatmaps travel as 16-bit codes that the script expands to float32
 * (see {@link compactZ}), so this copy of the figure costs half of the Plotly JSON part's.
 */
export function figureHtml(fig: Figure, pngBase64: string, id = newId()): string {
  const w = fig.layout.width ?? 760;
  const h = fig.layout.height ?? 380;
  const alt = summary(fig).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return (
    `<div id="${id}" class="specmorph-figure" style="max-width:100%;overflow-x:auto">` +
    `<img class="specmorph-png" alt="${alt}" width="${w}" height="${h}" style="max-width:100%;height:auto" ` +
    `src="data:image/png;base64,${pngBase64}"></div>
<script type="text/javascript">
(function () {
  var fig = ${scriptJson(compactFigure(fig))};
  function expand(data) {
    (data || []).forEach(function (t) {
      var z = t.z;
      if (!z || z.specmorph !== 'u2') return;
      var bin = atob(z.bdata), dims = z.shape.split(','), rows = +dims[0], cols = +dims[1], out = [];
      var p = z.pieces;
      for (var r = 0; r < rows; r++) {
        var row = new Float32Array(cols);
        for (var c = 0; c < cols; c++) {
          var i = 2 * (r * cols + c), code = bin.charCodeAt(i) | (bin.charCodeAt(i + 1) << 8), k = p.length - 1;
          while (k > 0 && p[k][0] > code) k--;
          row[c] = code === 65535 ? NaN : p[k][1] + (code - p[k][0]) * p[k][2];
        }
        out.push(row);
      }
      t.z = out;
    });
  }
  function draw() {
    var P = window.Plotly, host = document.getElementById(${JSON.stringify(id)});
    if (!P || !host) return false;
    expand(fig.data);
    (fig.frames || []).forEach(function (f) { expand(f.data); });
    var div = document.createElement('div');
    div.className = 'specmorph-plotly';
    host.appendChild(div);
    try {
      P.newPlot(div, fig.data, fig.layout, fig.config).then(function (gd) {
        var img = host.querySelector('img.specmorph-png');
        if (img) img.parentNode.removeChild(img);
        if (fig.frames) return P.addFrames(gd, fig.frames);
      }, function () { host.removeChild(div); });
    } catch (e) { host.removeChild(div); }
    return true;
  }
  if (!draw()) { var n = 0, t = setInterval(function () { if (draw() || ++n > 100) clearInterval(t); }, 100); }
})();
</script>`
  );
}

/** The full MIME bundle of a figure (or a Grid, shown as its default heatmap). */
export function mimeBundle(x: Figure | Grid): MimeBundle {
  const fig = asFigure(x);
  const png = renderPng(fig).toString('base64');
  return {
    'application/vnd.plotly.v1+json': fig,
    'text/html': figureHtml(fig, png),
    'image/png': png,
    'text/plain': summary(fig),
  };
}

/**
 * The plotly.js package figures are shown with: the minified official build (~4.6 MB in a saved
 * notebook instead of ~10 MB for the unminified `plotly.js-dist`, which is the same code).
 */
const PLOTLY_PACKAGE = 'plotly.js-dist-min';

let plotlySource: string | undefined;
/** Path of the plotly.js file figures are shown with. */
export function plotlyJsPath(): string {
  return require.resolve(PLOTLY_PACKAGE);
}

/** plotly.js source, read once per process. */
export function plotlyJs(): string {
  if (plotlySource === undefined) plotlySource = readFileSync(plotlyJsPath(), 'utf8');
  return plotlySource;
}

/** Version of the plotly.js that figures are shown with. */
export function plotlyVersion(): string {
  return (JSON.parse(readFileSync(require.resolve(`${PLOTLY_PACKAGE}/package.json`), 'utf8')) as { version: string })
    .version;
}

/**
 * A `<script>` that defines `window.Plotly` from the bundled plotly.js, offline, unless already
 * there. `define`, `module` and `exports` are shadowed so that the classic Notebook's require.js
 * (an AMD `define`) cannot capture the bundle instead of the global.
 */
export function plotlyLoaderHtml(): string {
  const src = plotlyJs().replace(/<\/(script)/gi, '<\\/$1');
  return `<script type="text/javascript">/* plotly.js ${plotlyVersion()} ${PLOTLY_LOADER_MARK} */
if (!window.Plotly) { (function (define, module, exports) {
${src}
}).call(window, undefined, undefined, undefined); }
</script>`;
}

/** Marker of the HTML that loads plotly.js for specmorph figures (inlined or from a file). */
export const PLOTLY_LOADER_MARK = 'embedded by specmorph';

/**
 * Like {@link plotlyLoaderHtml} but loads plotly.js from `src` (a URL relative to the page), so that
 * several saved notebooks in one folder share one copy of the file instead of ~4.6 MB each. AMD
 * `define` (require.js in the classic Notebook) is hidden while the file loads so plotly.js sets
 * `window.Plotly`, and restored after.
 */
export function plotlyFileLoaderHtml(src: string): string {
  return `<script type="text/javascript">/* plotly.js ${plotlyVersion()} ${PLOTLY_LOADER_MARK}, loaded from ${
    src.replace(/\*\//g, '') // a "*/" in src would end this comment
  } */
(function () {
  if (window.Plotly) return;
  var d = window.define, s = document.createElement('script');
  window.define = undefined;
  s.src = ${scriptJson(src)};
  s.onload = s.onerror = function () { window.define = d; };
  document.head.appendChild(s);
})();
</script>`;
}

/**
 * A standalone offline HTML page showing one or more figures interactively (plotly.js inlined
 * once), with each figure's PNG as the fallback when JavaScript is off.
 */
export function toHtml(figs: Figure | Grid | (Figure | Grid)[], opts: { title?: string } = {}): string {
  checkOptionNames(opts, { title: true }, 'toHtml');
  checkOptionalString(opts.title, 'title');
  const list = Array.isArray(figs) ? figs : [figs];
  const body = list.map((f) => mimeBundle(f)['text/html']).join('\n');
  const title = (opts.title ?? 'specmorph figure').replace(/</g, '&lt;');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family:sans-serif">
${plotlyLoaderHtml()}
${body}
</body></html>
`;
}
