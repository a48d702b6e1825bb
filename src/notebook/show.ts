import { checkOptionNames, type OptionNames } from '../errors';
import type { Grid } from '../grid/grid';
import { checkOptionalBoolean, checkOptionalString } from './checks';
import { mimeBundle, newId, plotlyLoaderHtml, plotlyVersion } from './bundle';
import { inKernel, sendDisplay } from './kernel';
import type { Figure } from './types';

const INJECTED = Symbol.for('specmorph.plotlyInjected');

/** Options of {@link show}. */
export interface ShowOptions {
  /** Display id to attach (for later in-place updates with `update: true`). @default a fresh id */
  displayId?: string;
  /** Replace the output with this display id instead of adding one. @default false */
  update?: boolean;
}

const SHOW_OPTIONS: OptionNames<ShowOptions> = { displayId: true, update: true };

/**
 * Embeds plotly.js (offline, from plotly.js-dist-min) in the notebook as its own small output, once per
 * kernel session; {@link show} calls it. `force` sends it again (e.g. after clearing that output).
 * Returns true when it was sent.
 */
export function injectPlotly(opts: { force?: boolean } = {}): boolean {
  const g = globalThis as Record<symbol, unknown>;
  if (g[INJECTED] && !opts.force) return false;
  const sent = sendDisplay({
    'text/html': plotlyLoaderHtml(),
    'text/plain': `plotly.js ${plotlyVersion()} embedded for specmorph figures (offline)`,
  });
  if (sent) g[INJECTED] = true;
  return sent;
}

/**
 * Shows a figure (or a Grid/Spectrogram as its default heatmap) in the tslab notebook as ONE
 * display_data with four MIME types: `application/vnd.plotly.v1+json` (JupyterLab / VS Code
 * renderers), `text/html` (PNG <img> that turns interactive when plotly.js is loaded), `image/png`
 * and `text/plain`. The first call in a kernel session also embeds plotly.js once.
 * Outside a kernel it sends nothing. Returns nothing, so tslab does not echo a value under the
 * figure; pass your own `displayId` to update the output later with `{displayId, update: true}`.
 * Notes: like plotly.py's offline `init_notebook_mode(connected=False)`, plotly.js is saved in the
 * notebook (about 10 MB, once), so the notebook renders without a network.
 */
export function show(x: Figure | Grid, opts: ShowOptions = {}): void {
  checkOptionNames(opts, SHOW_OPTIONS, 'show');
  checkOptionalString(opts.displayId, 'displayId');
  checkOptionalBoolean(opts.update, 'update');
  if (!inKernel()) return;
  const bundle = mimeBundle(x);
  if (!opts.update) injectPlotly();
  sendDisplay(bundle as unknown as Record<string, unknown>, opts.displayId ?? newId('fig'), opts.update ?? false);
}
