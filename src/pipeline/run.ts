import { Audio } from '../audio/types';
import { toMono } from '../audio/mono';
import { ParameterError, assert } from '../errors';
import { Grid, createGrid } from '../grid/grid';
import { lfcc } from '../spectral/cepstral';
import { excitationFeatures } from '../spectral/excitation';
import { resample } from '../audio/resample';
import {
  PipelineConfig,
  pipelineFingerprint,
  resolvePipelineConfig,
  DEFAULT_PIPELINE,
  type SideRowsSource,
} from './config';
import { opEntry } from './ops';

/** What one stage did: its name (`op`), its resolved parameters and its output. */
export interface StageRecord {
  /** The stage's `op`. */
  name: string;
  /**
   * Resolved parameters (defaults written out), plus derived values such as `samples` of a crop or
   * `trimmed` bounds.
   */
  params: Record<string, unknown>;
  /** Audio for audio stages, a Spectrogram from the spectral stage on, a Grid after resizing. */
  output: Audio | Grid;
}

/** Result of {@link runPipeline}. */
export interface PipelineResult {
  /** One record per configured stage, in order (empty when `keep` is false). */
  stages: StageRecord[];
  /** The final feature grid (rows = frequency-like axis, cols = time-like axis). */
  output: Grid;
  /** The resolved config that ran. */
  config: PipelineConfig;
  /** Its {@link pipelineFingerprint}. */
  fingerprint: string;
}

/** Options of {@link runPipeline}. */
export interface RunPipelineOptions {
  /**
   * Keep every stage's output in `stages` (for notebooks). Feature extraction turns it off to save
   * memory. @default true
   */
  keep?: boolean;
}

function checkAudio(audio: Audio): void {
  assert(
    audio !== null && typeof audio === 'object' && Array.isArray(audio.channels) && audio.channels.length > 0,
    () => 'audio must be an Audio {sampleRate, channels: Float32Array[]} with channels[0]',
  );
  assert(
    Number.isFinite(audio.sampleRate) && audio.sampleRate > 0,
    () => `audio.sampleRate=${audio.sampleRate} must be a finite number > 0`,
  );
  audio.channels.forEach((ch, i) =>
    assert(ch instanceof Float32Array, () => `audio.channels[${i}] must be a Float32Array`),
  );
  assert(audio.channels[0].length > 0, () => 'audio has no samples (audio.channels[0].length=0)');
}

/**
 * Runs a feature pipeline on one clip and keeps every intermediate with its parameters.
 *
 * Input: Audio (any rate, any channel count). Output: `{stages: [{name, params, output}], output}` where
 * `output` is the final Grid that a model sees (rows x cols, 150 x 401 with DEFAULT_PIPELINE: 80 mel, 60 LFCC and 10 excitation rows).
 * The config is validated first (ParameterError naming the JSON path).
 *
 * Notes: when the audio still has several channels at the spectral stage, their mean is analysed
 * (librosa loads mono by default); add `{op: 'mono'}` to say so explicitly.
 */
export function runPipeline(
  audio: Audio,
  config: PipelineConfig = DEFAULT_PIPELINE,
  opts: RunPipelineOptions = {},
): PipelineResult {
  const resolved = resolvePipelineConfig(config);
  checkAudio(audio);
  const keep = opts.keep ?? true;
  const stages: StageRecord[] = [];
  let current: Audio | Grid = audio;
  // The clip as it entered a crop that lengthened it by repeating it, carried through the audio
  // stages after the crop, for side rows with source 'clip'.
  const wantsClip = resolved.lfcc?.source === 'clip' || resolved.excitation?.source === 'clip';
  let uncut: Audio | null = null;
  let analysed: Analysed | null = null;
  let clip: Analysed | null = null;
  resolved.stages.forEach((s, i) => {
    const { op, ...params } = s;
    const entry = opEntry(op);
    let extra: Record<string, unknown> | undefined;
    try {
      // resolvePipelineConfig put the audio stages first, then the spectral stage, then the grid stages.
      if (entry.kind === 'audio') {
        const before = current as Audio;
        ({ out: current, extra } = entry.run(before, params));
        if (uncut) uncut = entry.run(uncut, params).out;
        if (wantsClip && op === 'crop' && repeatsClip(before, current, params)) uncut = before;
      } else if (entry.kind === 'spectral') {
        const a = current as Audio;
        const x = monoOf(a);
        const spec = entry.run(x, a.sampleRate, params);
        if (resolved.excitation || resolved.lfcc) {
          analysed = { x, sampleRate: a.sampleRate, times: spec.times };
          if (uncut) clip = clipFrames(monoOf(uncut), uncut.sampleRate, spec.times);
        }
        uncut = null;
        current = spec;
      } else current = entry.run(current as Grid, params);
    } catch (e) {
      if (e instanceof ParameterError) throw new ParameterError(`stages[${i}] (${op}): ${e.message}`);
      throw e;
    }
    if (keep) stages.push({ name: op, params: extra ? { ...params, ...extra } : params, output: current });
  });
  let output = current as unknown as Grid;
  if (analysed) {
    // One resampling per signal and analysis rate, shared by the LFCC and the excitation rows.
    const spectral = resampler(analysed);
    const clipped = clip ? resampler(clip) : null;
    const source = (s: SideRowsSource | undefined) => (s === 'clip' && clipped ? clipped : spectral);
    const append = (name: string, params: object, rows: Grid): void => {
      assert(rows.cols === output.cols, () => `${name} has ${rows.cols} frames but the grid ${output.cols} columns`);
      const data = new Float32Array((output.rows + rows.rows) * output.cols);
      data.set(output.data);
      data.set(rows.data, output.data.length);
      output = createGrid(output.rows + rows.rows, output.cols, data);
      if (keep) stages.push({ name, params: { ...params }, output });
    };
    if (resolved.lfcc) {
      const { at, sampleRate, times } = source(resolved.lfcc.source);
      const rate = resolved.lfcc.sampleRate ?? sampleRate;
      append('lfcc', resolved.lfcc, lfccRows(at(rate), rate, times));
    }
    if (resolved.excitation) {
      const { sampleRate: rate0, source: _source, ...frameOpts } = resolved.excitation;
      const { at, sampleRate, times } = source(resolved.excitation.source);
      const rate = rate0 ?? sampleRate;
      append(
        'excitation',
        resolved.excitation,
        excitationFeatures(at(rate), { sampleRate: rate, times, ...frameOpts }),
      );
    }
  }
  return { stages, output, config: resolved, fingerprint: pipelineFingerprint(resolved) };
}

/** A signal the side rows are computed on, and the time (s) in it of each grid column. */
interface Analysed {
  x: Float32Array;
  sampleRate: number;
  times: Float64Array;
}

const monoOf = (a: Audio): Float32Array => (a.channels.length > 1 ? toMono(a).channels[0] : a.channels[0]);

/** Whether a crop stage lengthened `before` by repeating it (what `fixLength` does with pad 'repeat'). */
function repeatsClip(before: Audio, after: Audio, params: Record<string, unknown>): boolean {
  const n = before.channels[0].length;
  return params.pad === 'repeat' && n > 0 && n < after.channels[0].length;
}

/** The clip itself, each column's time taken modulo its length (where the repeated copy shows it). */
function clipFrames(x: Float32Array, sampleRate: number, times: Float64Array): Analysed {
  const seconds = x.length / sampleRate;
  const at = Float64Array.from(times, (t) => t - Math.floor(t / seconds) * seconds);
  return { x, sampleRate, times: at };
}

/** `a` with `at(rate)`: its signal resampled to `rate`, computed once per rate. */
function resampler(a: Analysed): Analysed & { at: (rate: number) => Float32Array } {
  const signals = new Map<number, Float32Array>([[a.sampleRate, a.x]]);
  const at = (rate: number): Float32Array => {
    if (!signals.has(rate)) signals.set(rate, resample(a.x, a.sampleRate, rate));
    return signals.get(rate) as Float32Array;
  };
  return { ...a, at };
}

/**
 * The ASVspoof 2019 LFCC rows (60) of `x` at `sampleRate`, one column per time in `times`: the
 * centred LFCC frame whose centre is nearest (the same hop as a 10 ms spectral stage gives the same
 * frames; a zero-padded half window at the ends, as the spectral stage's).
 */
function lfccRows(x: Float32Array, sampleRate: number, times: Float64Array): Grid {
  const c = lfcc(x, { sampleRate, preset: 'asvspoof2019', center: true, padMode: 'constant' });
  const hop = c.times.length > 1 ? c.times[1] - c.times[0] : 1;
  const out = createGrid(c.rows, times.length);
  for (let j = 0; j < times.length; j++) {
    const k = Math.min(c.cols - 1, Math.max(0, Math.round((times[j] - c.times[0]) / hop)));
    for (let r = 0; r < c.rows; r++) out.data[r * times.length + j] = c.data[r * c.cols + k];
  }
  return out;
}
