import { Audio } from '../audio/types';
import { toMono } from '../audio/mono';
import { resample } from '../audio/resample';
import { ParameterError, assert } from '../errors';
import { Grid, createGrid } from '../grid/grid';
import { excitationFeatures } from '../spectral/excitation';
import { fixLength, lpcResidual, normaliseLoudness, preEmphasis, trimSilence } from './audioPrep';
import { PipelineConfig, StageConfig, pipelineFingerprint, resolvePipelineConfig, stageKind, DEFAULT_PIPELINE } from './config';
import { runGridStage, runSpectralStage } from './stages';
import { assertMemory } from '../memory';

/** What one stage did: its name (`op`), its resolved parameters and its output. */
export interface StageRecord {
  /** The stage's `op`. */
  name: string;
  /** Resolved parameters (defaults written out), plus derived values such as `samples` of a crop or `trimmed` bounds. */
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
  /** Keep every stage's output in `stages` (for notebooks). Feature extraction turns it off to save memory. @default true */
  keep?: boolean;
}

function checkAudio(audio: Audio): void {
  assert(audio !== null && typeof audio === 'object' && Array.isArray(audio.channels) && audio.channels.length > 0, () => 'audio must be an Audio {sampleRate, channels: Float32Array[]} with channels[0]');
  assert(Number.isFinite(audio.sampleRate) && audio.sampleRate > 0, () => `audio.sampleRate=${audio.sampleRate} must be a finite number > 0`);
  audio.channels.forEach((ch, i) => assert(ch instanceof Float32Array, () => `audio.channels[${i}] must be a Float32Array`));
  assert(audio.channels[0].length > 0, () => 'audio has no samples (audio.channels[0].length=0)');
}

function mapChannels(a: Audio, f: (x: Float32Array) => Float32Array, sampleRate = a.sampleRate): Audio {
  return { sampleRate, channels: a.channels.map(f) };
}

function runAudioStage(a: Audio, s: StageConfig & Record<string, unknown>): { out: Audio; extra?: Record<string, unknown> } {
  switch (s.op) {
    case 'mono':
      return { out: toMono(a) };
    case 'resample': {
      const to = s.sampleRate as number;
      assert(Number.isInteger(a.sampleRate), () => `audio.sampleRate=${a.sampleRate} must be an integer to resample`);
      return { out: mapChannels(a, (x) => resample(x, a.sampleRate, to), to), extra: { fromRate: a.sampleRate } };
    }
    case 'trimSilence': {
      // Bounds come from the channel mean, so every channel is cut at the same samples.
      const mix = a.channels.length > 1 ? toMono(a).channels[0] : a.channels[0];
      const { start, end } = trimSilence(mix, s as { topDb: number; frameLength: number; hopLength: number });
      if (end <= start) return { out: a, extra: { start: 0, end: mix.length } };
      return { out: mapChannels(a, (x) => x.slice(start, end)), extra: { start, end } };
    }
    case 'normaliseLoudness':
      return { out: mapChannels(a, (x) => normaliseLoudness(x, s as { targetDb: number; method: 'rms' | 'peak' })) };
    case 'preEmphasis':
      return { out: mapChannels(a, (x) => preEmphasis(x, s.coef as number)) };
    case 'lpcResidual':
      return { out: mapChannels(a, (x) => lpcResidual(x, s as { order: number; frameLength: number })) };
    case 'crop': {
      const samples = Math.max(1, Math.round((s.seconds as number) * a.sampleRate));
      assertMemory(samples * 4 * a.channels.length, () => `seconds=${s.seconds} (${samples} samples at ${a.sampleRate} Hz)`);
      return { out: mapChannels(a, (x) => fixLength(x, samples, s as { position: 'start' | 'centre'; pad: 'repeat' | 'zeros' })), extra: { samples } };
    }
    default:
      throw new ParameterError(`op=${JSON.stringify(s.op)} is not an audio stage`);
  }
}

/**
 * Runs a feature pipeline on one clip and keeps every intermediate with its parameters.
 *
 * Input: Audio (any rate, any channel count). Output: `{stages: [{name, params, output}], output}` where
 * `output` is the final Grid that a model sees (rows x cols, e.g. 128 x 128 with the default config).
 * The config is validated first (ParameterError naming the JSON path).
 *
 * Notes: when the audio still has several channels at the spectral stage, their mean is analysed
 * (librosa loads mono by default); add `{op: 'mono'}` to say so explicitly.
 */
export function runPipeline(audio: Audio, config: PipelineConfig = DEFAULT_PIPELINE, opts: RunPipelineOptions = {}): PipelineResult {
  const resolved = resolvePipelineConfig(config);
  checkAudio(audio);
  const keep = opts.keep ?? true;
  const stages: StageRecord[] = [];
  let current: Audio | Grid = audio;
  let analysed: { x: Float32Array; sampleRate: number; times: Float64Array } | null = null;
  resolved.stages.forEach((stage, i) => {
    const s = stage as StageConfig & Record<string, unknown>;
    const { op, ...params } = s;
    const kind = stageKind(op);
    let extra: Record<string, unknown> | undefined;
    try {
      if (kind === 'audio') ({ out: current, extra } = runAudioStage(current as Audio, s));
      else if (kind === 'spectral') {
        const a = current as Audio;
        const x = a.channels.length > 1 ? toMono(a).channels[0] : a.channels[0];
        const spec = runSpectralStage(x, a.sampleRate, s);
        if (resolved.excitation) analysed = { x, sampleRate: a.sampleRate, times: spec.times };
        current = spec;
      } else current = runGridStage(current as Grid, s);
    } catch (e) {
      if (e instanceof ParameterError) throw new ParameterError(`stages[${i}] (${op}): ${e.message}`);
      throw e;
    }
    if (keep) stages.push({ name: op, params: extra ? { ...params, ...extra } : params, output: current });
  });
  let output = current as unknown as Grid;
  if (resolved.excitation && analysed) {
    const { x, sampleRate, times } = analysed as { x: Float32Array; sampleRate: number; times: Float64Array };
    const rows = excitationFeatures(x, { sampleRate, times, ...resolved.excitation });
    assert(rows.cols === output.cols, () => `excitation has ${rows.cols} frames but the grid ${output.cols} columns`);
    const data = new Float32Array((output.rows + rows.rows) * output.cols);
    data.set(output.data);
    data.set(rows.data, output.data.length);
    output = createGrid(output.rows + rows.rows, output.cols, data);
    if (keep) stages.push({ name: 'excitation', params: { ...resolved.excitation }, output });
  }
  return { stages, output, config: resolved, fingerprint: pipelineFingerprint(resolved) };
}
