// One of every figure type specmorph draws, built from a real clip of the bundled corpus where a
// figure shows audio, and from stated synthetic numbers where it shows results (scores, an
// ablation): the visual tests render these in Chromium, and scripts/gallery.ts publishes them.
import { join } from 'node:path';
import { loadAudio } from '../../src/audio';
import type { Grid, Spectrogram } from '../../src/grid/grid';
import { footprint, opening, erode, dilate, closing } from '../../src/morphology';
import { compareStages, type Stage } from '../../src/notebook/compare';
import { detFigure, lineFigure, rocFigure, trainingCurves } from '../../src/notebook/curves';
import { difference, heatmap } from '../../src/notebook/heatmap';
import { sliderFigure } from '../../src/notebook/slider';
import { resultsTable } from '../../src/notebook/table';
import type { Figure } from '../../src/notebook/types';
import { runPipeline } from '../../src/pipeline';
import { ablationFigure, pairedFigure, perAttackRows } from '../../src/report/figures';
import { resolvePipelineConfig } from '../../src/pipeline/config';
import { ablationTableFigure } from '../../src/report/html';
import { powerToDb, spectrogram } from '../../src/spectral';
import { Random } from '../../src/random';
import { syntheticAblation } from './syntheticAblation';

export const CORPUS_CLIP = join(__dirname, '..', '..', 'datasets', 'corpus', 'bonafide');

export interface CatalogEntry {
  caption: string;
  figure: Figure;
}

/** Saliency maps of one input: real ones (gallery, from a trained model) or stand-ins (tests). */
export interface SaliencyMaps {
  input: Grid;
  gradientTimesInput: Grid;
  gradCam: Grid;
  note: string;
}

/** Signed and non-negative maps with the shapes and value ranges of real saliency, for tests. */
export function standInSaliency(input: Grid): SaliencyMaps {
  const rng = new Random(5);
  const g = input.data.map((v) => (v - 0.5) * 0.02 * (rng.next() - 0.3));
  const cam = Float32Array.from(
    input.data,
    (_, i) => Math.max(0, Math.sin((i % input.cols) / 9) * Math.cos(Math.floor(i / input.cols) / 13)) * 0.4,
  );
  return {
    input,
    gradientTimesInput: { rows: input.rows, cols: input.cols, data: g },
    gradCam: { rows: input.rows, cols: input.cols, data: cam },
    note: 'stand-in maps',
  };
}

/**
 * A pipeline whose stages differ in shape and unit (power and dB at 129×201 in s/Hz, then a 64×64
 * resize and a [0, 1] min-max), to show compareStages with mixed panels.
 */
const MIXED_PIPELINE = resolvePipelineConfig({
  stages: [
    { op: 'mono' },
    { op: 'resample', sampleRate: 8000 },
    { op: 'crop', seconds: 2 },
    { op: 'stft', nFft: 256, hopLength: 80, winLength: 200 },
    { op: 'db' },
    { op: 'resize', rows: 64, cols: 64 },
    { op: 'normalise', method: 'minmax' },
  ],
});

/** The first bona fide clip of the corpus (sorted by path), its 2 s dB spectrogram and pipeline stages. */
export async function corpusExample(): Promise<{
  path: string;
  db: Spectrogram;
  waveform: Float32Array;
  sampleRate: number;
  stages: Stage[];
}> {
  const { readdirSync } = await import('node:fs');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : /\.(wav|flac)$/.test(e.name) ? [join(d, e.name)] : []))
      .sort();
  const path = walk(CORPUS_CLIP)[0];
  const audio = await loadAudio(path, { mono: true });
  const x = audio.channels[0];
  const db = powerToDb(spectrogram(x, { sampleRate: audio.sampleRate, nFft: 256, hopLength: 80, winLength: 200 }), {
    ref: 'max',
  });
  const run = runPipeline(audio, MIXED_PIPELINE);
  const stages = run.stages.filter((s) => 'rows' in s.output).map((s) => ({ name: s.name, grid: s.output as Grid }));
  return { path, db, waveform: x, sampleRate: audio.sampleRate, stages };
}

/** Every figure type, keyed by a short name. */
export async function figureCatalog(
  saliency?: (input: Grid) => Promise<SaliencyMaps>,
): Promise<Record<string, CatalogEntry>> {
  const ex = await corpusExample();
  const fp = footprint.rect(3, 3);
  const rng = new Random(11);
  const bona = Array.from({ length: 200 }, () => 1.2 + rng.normal());
  const spoof = Array.from({ length: 400 }, () => -0.8 + 1.3 * rng.normal());
  const ablation = syntheticAblation();
  const input = ex.stages[ex.stages.length - 1].grid;
  const maps = saliency ? await saliency(input) : standInSaliency(input);
  const t = Float64Array.from(ex.waveform, (_, i) => i / ex.sampleRate);
  return {
    waveform: {
      caption: 'lineFigure: a waveform; hover names time and amplitude.',
      figure: lineFigure([{ name: 'waveform', x: t, y: ex.waveform }], {
        title: 'Waveform',
        xTitle: 'time (s)',
        yTitle: 'amplitude (full scale = 1)',
        height: 280,
      }),
    },
    heatmap: {
      caption: `heatmap: dB spectrogram of a 2 s corpus clip, ${ex.db.rows}×${ex.db.cols}, every cell sent.`,
      figure: heatmap(ex.db, { title: 'Power spectrogram in dB (0 dB = loudest bin)' }),
    },
    stages: {
      caption:
        'compareStages of the feature pipeline: power and dB (129×201, s/Hz) share axes; ' +
        'the 64×64 resized and normalised grids have their own; each panel its own colour bar.',
      figure: compareStages(ex.stages, { columns: 2, title: 'Pipeline stages' }),
    },
    morphology: {
      caption:
        'compareStages of one dB spectrogram and four operators: ' +
        'same shape and unit, so linked axes and one colour scale.',
      figure: compareStages(
        {
          original: ex.db,
          erosion: erode(ex.db, fp),
          dilation: dilate(ex.db, fp),
          opening: opening(ex.db, fp),
          closing: closing(ex.db, fp),
        },
        { columns: 3, title: 'Grey-level morphology, footprint rect 3×3' },
      ),
    },
    difference: {
      caption: 'difference: a signed map on the diverging scale, symmetric about 0 (white = no change).',
      figure: difference(opening(ex.db, footprint.line(7, 'time')), ex.db, {
        title: 'opening (line 7 along time) − original (dB)',
      }),
    },
    saliency: {
      caption:
        `Saliency (${maps.note}): input on its [0, 1] scale, gradient × input on a diverging scale centred on 0, ` +
        `Grad-CAM on its own scale from 0.`,
      figure: compareStages(
        [
          { name: 'input', grid: maps.input },
          { name: 'gradient × input', grid: maps.gradientTimesInput, colorScale: 'diverging', unit: 'score' },
          { name: 'Grad-CAM', grid: maps.gradCam, colorScale: 'magma', zmin: 0, unit: 'score' },
        ],
        { columns: 3, title: 'Where the model looks' },
      ),
    },
    slider: {
      caption: 'sliderFigure: opening with growing squares; every step embedded.',
      figure: sliderFigure(
        [1, 3, 5, 7],
        (k) =>
          heatmap(opening(ex.db, footprint.rect(k, k)), {
            title: `opening, rect ${k}×${k}`,
            zmin: -80,
            zmax: 0,
            maxCells: 8192,
          }),
        { label: 'footprint size', active: 1 },
      ),
    },
    training: {
      caption: 'trainingCurves (the live chart): whole epochs on the x axis.',
      figure: trainingCurves({
        loss: [0.69, 0.55, 0.41],
        valLoss: [0.68, 0.6, 0.52],
        accuracy: [0.55, 0.72, 0.81],
        valAccuracy: [0.52, 0.66, 0.74],
      }),
    },
    roc: {
      caption: 'rocFigure of synthetic scores (bona fide N(1.2, 1), spoof N(−0.8, 1.3)).',
      figure: rocFigure(bona, spoof, { title: 'ROC (synthetic scores)' }),
    },
    det: {
      caption: 'detFigure of the same synthetic scores, probit axes.',
      figure: detFigure(bona, spoof, { title: 'DET (synthetic scores)' }),
    },
    ablation: {
      caption:
        'ablationFigure of a synthetic 16-arm, 3-seed result: y on the data range, no zero line on the first arm.',
      figure: ablationFigure(ablation),
    },
    paired: {
      caption: 'pairedFigure of the same synthetic result: 0 marked once, by the dashed line.',
      figure: pairedFigure(ablation),
    },
    ablationTable: {
      caption: 'The ablation table: all 16 arms, sized to its content.',
      figure: ablationTableFigure(ablation),
    },
    perAttackTable: {
      caption: 'Per-attack table: every attack name in full.',
      figure: resultsTable(perAttackRows(ablation), { title: 'Per-attack EER (%) by arm' }),
    },
  };
}
