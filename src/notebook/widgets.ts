import type { Audio } from '../audio/types';
import { assert, assertPositive, assertPositiveInt, checkOptionNames, formatValue, type OptionNames } from '../errors';
import { figureHtml, newId, summary } from './bundle';
import { checkOptionalBoolean, checkOptionalString } from './checks';
import { checkLineOptions, LINE_OPTIONS, trainingCurves, type LineOptions } from './curves';
import { kernelWriter, sendDisplay } from './kernel';
import { escapeHtml } from './heatmap';
import { renderPng } from './png';
import { injectPlotly } from './show';
import type { Figure } from './types';
import { wav16 } from './wav';

/** Options of {@link listen}. */
export interface ListenOptions {
  /** Scale so the peak is at -1 dBFS before encoding (quiet clips become audible). @default false */
  normalise?: boolean;
  /** Caption shown above the player. @default 'sampleRate Hz, duration s' */
  label?: string;
}

const LISTEN_OPTIONS: OptionNames<ListenOptions> = { normalise: true, label: true };

/**
 * Shows an `<audio controls>` player for `audio` in the notebook (nothing outside a kernel), the
 * clip embedded as a 16-bit PCM WAV data URI; see {@link audioHtml} for the HTML itself.
 * Notes: 16-bit PCM keeps a 10 s, 16 kHz mono clip at ~427 KB of base64 in the notebook.
 */
export function listen(audio: Audio, opts: ListenOptions = {}): void {
  checkOptionNames(opts, LISTEN_OPTIONS, 'listen');
  const html = audioHtml(audio, opts);
  sendDisplay({ 'text/html': html, 'text/plain': `Audio(${audioLabel(audio, opts.label)})` });
}

/** The caption of a player: `label` as given, else 'sampleRate Hz, duration s, channels'. */
function audioLabel(a: Audio, label: string | undefined): string {
  if (label !== undefined) return label;
  const n = a.channels.length;
  return `${a.sampleRate} Hz, ${(a.channels[0].length / a.sampleRate).toFixed(2)} s, ${n} channel${n > 1 ? 's' : ''}`;
}

/** The `<audio controls>` element {@link listen} shows, as standalone HTML. */
export function audioHtml(audio: Audio, opts: ListenOptions = {}): string {
  checkOptionNames(opts, LISTEN_OPTIONS, 'audioHtml');
  checkOptionalBoolean(opts.normalise, 'normalise');
  checkOptionalString(opts.label, 'label');
  assert(
    audio && Array.isArray(audio.channels) && audio.channels.length > 0,
    () => 'audio must be {sampleRate, channels: Float32Array[]} with at least one channel',
  );
  assertPositiveInt(audio.sampleRate, 'audio.sampleRate');
  let a = audio;
  if (opts.normalise) {
    let peak = 0;
    for (const c of audio.channels) for (const v of c) peak = Math.max(peak, Math.abs(v));
    const g = peak > 0 ? 10 ** (-1 / 20) / peak : 1;
    a = { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.map((v) => v * g)) };
  }
  const label = audioLabel(a, opts.label);
  const b64 = Buffer.from(wav16(a)).toString('base64');
  return (
    `<div class="specmorph-audio"><div style="font-size:smaller">${escapeHtml(label)}</div>` +
    `<audio controls preload="metadata" src="data:audio/wav;base64,${b64}"></audio></div>`
  );
}

/** Options of {@link progress}. */
export interface ProgressOptions {
  /** Text before the bar. @default '' */
  label?: string;
  /** Width of the text bar in characters. @default 30 */
  width?: number;
  /** Where the text bar goes outside a kernel. @default process.stderr */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /** Least time between two redraws in ms (the last one is always drawn). @default 100 */
  minIntervalMs?: number;
}

/** A progress bar handle. */
export interface Progress {
  /** Sets the count done (0..total) and an optional note, e.g. the current loss. */
  update(done: number, note?: string): void;
  /** Adds `k` (default 1) to the count. */
  tick(k?: number, note?: string): void;
  /** Marks it complete and draws the final state. */
  done(note?: string): void;
  /** The current text line, e.g. `train [######    ] 60% 6/10`. */
  readonly text: string;
}

const PROGRESS_OPTIONS: OptionNames<ProgressOptions> = { label: true, width: true, stream: true, minIntervalMs: true };

/**
 * A progress bar that updates ONE output in place inside a kernel (display_data once, then
 * update_display_data with the same display id), and redraws one terminal line on stderr with `\r`
 * outside a kernel (when the stream is a TTY, or always if a stream is given).
 */
export function progress(total: number, opts: ProgressOptions = {}): Progress {
  assertPositive(total, 'total');
  checkOptionNames(opts, PROGRESS_OPTIONS, 'progress');
  checkOptionalString(opts.label, 'label');
  const width = opts.width ?? 30;
  assertPositiveInt(width, 'width');
  const minInterval = opts.minIntervalMs ?? 100;
  checkInterval(minInterval);
  const stream = opts.stream ?? process.stderr;
  const toTerminal = opts.stream !== undefined || Boolean(process.stderr.isTTY);
  const id = newId('progress');
  let count = 0;
  let last = -Infinity;
  let shown = false;
  let note = '';
  let finished = false;
  const line = (): string => {
    const f = Math.min(1, Math.max(0, count / total));
    const filled = Math.round(f * width);
    return (
      `${opts.label ? `${opts.label} ` : ''}[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ` +
      `${Math.floor(f * 100)}% ${count}/${total}${note ? ` ${note}` : ''}`
    );
  };
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < minInterval) return;
    last = now;
    const text = line();
    const f = Math.min(1, count / total);
    const html =
      '<div class="specmorph-progress" style="font-family:monospace">' +
      `${opts.label ? `${opts.label.replace(/</g, '&lt;')} ` : ''}` +
      `<progress value="${f}" max="1" style="width:20em;vertical-align:middle"></progress> ` +
      `${Math.floor(f * 100)}% ${count}/${total} ${note.replace(/</g, '&lt;')}</div>`;
    if (kernelWriter()) {
      sendDisplay({ 'text/html': html, 'text/plain': text }, id, shown);
      shown = true;
    } else if (toTerminal) {
      stream.write(`\r${text}${finished ? '\n' : ''}`);
    }
  };
  const handle: Progress = {
    update(done: number, n?: string) {
      assert(Number.isFinite(done), () => `done=${formatValue(done)} must be a finite number`);
      count = Math.min(total, Math.max(0, done));
      if (n !== undefined) note = n;
      draw(count >= total);
    },
    tick(k = 1, n?: string) {
      handle.update(count + k, n);
    },
    done(n?: string) {
      if (n !== undefined) note = n;
      count = total;
      finished = true;
      draw(true);
    },
    get text() {
      return line();
    },
  };
  draw(true);
  return handle;
}

/** `minIntervalMs` is a finite number of milliseconds >= 0. */
function checkInterval(ms: unknown): void {
  assert(
    typeof ms === 'number' && Number.isFinite(ms) && ms >= 0,
    () => `minIntervalMs=${formatValue(ms)} must be a finite number >= 0`,
  );
}

const LIVE_CHART_OPTIONS: OptionNames<LineOptions & { minIntervalMs?: number }> = {
  ...LINE_OPTIONS,
  minIntervalMs: true,
};

/** A training chart that redraws in place. */
export interface LiveChart {
  /** Records `metrics` for `epoch` and redraws (in a kernel). */
  update(epoch: number, metrics: Record<string, number>): void;
  /** The current figure (e.g. to `savePng` it). */
  figure(): Figure;
  /** Metric history so far, one record per update. */
  readonly history: Record<string, number>[];
}

/**
 * A live training chart: each `update(epoch, {loss, valLoss, acc...})` redraws one output in place
 * (update_display_data with a display id; full bundle, so the saved notebook keeps the final
 * chart with its PNG). Outside a kernel it only records the history.
 */
export function liveChart(opts: LineOptions & { minIntervalMs?: number } = {}): LiveChart {
  checkOptionNames(opts, LIVE_CHART_OPTIONS, 'liveChart');
  const { minIntervalMs = 0, ...lineOpts } = opts;
  checkLineOptions(lineOpts, 'liveChart');
  checkInterval(minIntervalMs);
  const history: Record<string, number>[] = [];
  const id = newId('chart');
  let shown = false;
  let last = -Infinity;
  const fig = (): Figure => trainingCurves(history, lineOpts);
  return {
    history,
    figure: fig,
    update(epoch: number, metrics: Record<string, number>) {
      assert(Number.isFinite(epoch), () => `epoch=${formatValue(epoch)} must be a finite number`);
      history.push({ epoch, ...metrics });
      if (!kernelWriter()) return;
      const now = Date.now();
      if (shown && now - last < minIntervalMs) return;
      last = now;
      const f = fig();
      const png = renderPng(f).toString('base64');
      if (!shown) injectPlotly();
      sendDisplay(
        {
          'application/vnd.plotly.v1+json': f,
          'text/html': figureHtml(f, png),
          'image/png': png,
          'text/plain': summary(f),
        },
        id,
        shown,
      );
      shown = true;
    },
  };
}
