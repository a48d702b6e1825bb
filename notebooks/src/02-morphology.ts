// %% [markdown]
// # 2. Grey-level morphology on spectrograms
//
// Mathematical morphology probes an image with a small shape, the **footprint** (structuring
// element). On a grey-level image such as a dB spectrogram:
//
// * **erosion** replaces each pixel by the *minimum* under the footprint: dark areas grow, thin bright
//   details vanish;
// * **dilation** takes the *maximum*: bright areas grow;
// * **opening** = erosion then dilation: removes bright details *smaller than the footprint* and keeps
//   the rest in place;
// * **closing** = dilation then erosion: fills dark gaps smaller than the footprint;
// * **top-hats** keep what opening/closing removed: white top-hat = image − opening (small bright
//   peaks), black top-hat = closing − image (small dark gaps).
//
// The footprint's shape decides *which* structures count as small: a horizontal line (along time)
// keeps horizontal stripes like harmonics, a vertical line (along frequency) keeps vertical ones like
// onsets and clicks.

// %%
import * as sm from 'specmorph';
import * as path from 'node:path';
// The bundled corpus unless `npm start` / the tests point elsewhere.
const DATA = process.env.SPECMORPH_DATA ?? path.resolve('../datasets/corpus');
// SPECMORPH_QUICK=1 (the CI test) shrinks the training so the notebook runs in seconds.
const QUICK = process.env.SPECMORPH_QUICK === '1';
const ds = await sm.scanFolderDataset(DATA);
const meta = sm.readCorpusMeta(DATA);
const rel = (p: string) => path.relative(DATA, p);
console.log(`${ds.items.length} clips in ${path.relative(process.cwd(), DATA) || '.'}${QUICK ? ' (quick mode)' : ''}`);

// %%
const clip = ds.items.find((it) => it.label === 'bonafide' && it.path.includes('en-allison')) ?? ds.items.find((it) => it.label === 'bonafide')!;
const audio = await sm.loadAudio(clip.path, { mono: true });
const stftOpts = { nFft: 256, hopLength: 80, winLength: 200 };
const db = sm.powerToDb(sm.spectrogram(audio.channels[0], { sampleRate: audio.sampleRate, ...stftOpts }), { ref: 'max' });
console.log(rel(clip.path), `${db.rows}×${db.cols} dB spectrogram`);

// %% [markdown]
// ## Footprints
//
// Each cell is one STFT bin (31.25 Hz) by one frame (10 ms); the red dot is the anchor (centre).

// %%
const fps = {
  'rect 3×3': sm.footprint.rect(3, 3),
  'line 5 along time': sm.footprint.line(5, 'time'),
  'line 5 along frequency': sm.footprint.line(5, 'frequency'),
  'disk r=2': sm.footprint.disk(2),
};
for (const [name, fp] of Object.entries(fps)) sm.show(sm.footprintFigure(fp, { title: name }));

// %% [markdown]
// ## Every operator with the same footprint (rect 3×3)
//
// Zoom into one panel: the axes are linked, so all panels follow.

// %%
const fp = sm.footprint.rect(3, 3);
sm.show(sm.compareStages({
  original: db,
  erosion: sm.erode(db, fp),
  dilation: sm.dilate(db, fp),
  opening: sm.opening(db, fp),
  closing: sm.closing(db, fp),
}, { columns: 3, title: 'Grey-level morphology, footprint rect 3×3' }));
// The gradient (dilation − erosion) is a difference in dB, so it gets its own colour scale: edges of harmonics and onsets.
sm.show(sm.heatmap(sm.morphologicalGradient(db, fp), { title: 'Morphological gradient, rect 3×3 (dB range under the footprint)', colorScale: 'magma', unit: 'dB' }));

// %% [markdown]
// ## The footprint shape matters
//
// Opening with a line along time keeps horizontal structure (harmonics survive, short vertical
// clicks go); with a line along frequency it keeps vertical structure (onsets survive, harmonics
// thinner than 5 bins go).

// %%
sm.show(sm.compareStages(Object.fromEntries([['original', db], ...Object.entries(fps).map(([n, f]) => [`opening, ${n}`, sm.opening(db, f)])]), { columns: 3, title: 'Opening with different footprints' }));

// %% [markdown]
// ## Slider over footprint sizes
//
// Drag the slider: the larger the square, the more detail the opening removes. (All steps are saved
// in the notebook, so the slider works without a running kernel.)

// %%
const sizes = [1, 3, 5, 7, 9, 11];
sm.show(sm.sliderFigure(sizes, (k) => sm.heatmap(sm.opening(db, sm.footprint.rect(k, k)), { title: `opening, rect ${k}×${k}`, zmin: -80, zmax: 0, maxCells: 8192 }), { label: 'footprint size' , active: 2 }));

// %% [markdown]
// ## Top-hats: what opening and closing removed
//
// The white top-hat isolates bright details narrower than the footprint (harmonic peaks, with a
// vertical line footprint); the black top-hat isolates narrow dark gaps between them.

// %%
const vline = sm.footprint.line(5, 'frequency');
sm.show(sm.compareStages({ 'white top-hat (line 5 freq)': sm.whiteTopHat(db, vline), 'black top-hat (line 5 freq)': sm.blackTopHat(db, vline) }, { title: 'Top-hats: detail removed by opening / closing (dB above / below)', colorScale: 'magma' }));

// %% [markdown]
// ## Reconstruction
//
// A plain opening also shrinks the big structures it keeps. **Opening by reconstruction** erodes,
// then grows the result back inside the original by repeated geodesic dilation: whatever survived the
// erosion comes back with its exact shape, whatever did not is gone.

// %%
const big = sm.footprint.rect(5, 5);
sm.show(sm.compareStages({ original: db, 'opening 5×5': sm.opening(db, big), 'opening by reconstruction 5×5': sm.openingByReconstruction(db, big) }, { columns: 3, title: 'Opening vs opening by reconstruction' }));

// %% [markdown]
// ## Listen to a morphed spectrogram
//
// A spectrogram has no phase, so we cannot invert it exactly. **Griffin-Lim** finds a signal whose
// STFT magnitude matches a given one by alternating projections (32 iterations, seeded random start).
// We convert dB back to magnitude (`10^(dB/20)`, the square root of power), reconstruct the original
// and the opened spectrogram, and listen: the opening (rect 3×3, then line 7 along time) smooths
// away fine detail, which sounds dull and buzzy.

// %%
const toMagnitude = (g: sm.Spectrogram): sm.Spectrogram => ({ ...g, data: g.data.map((v) => 10 ** (v / 20)), unit: 'amplitude' });
const gl = (g: sm.Spectrogram) => ({ sampleRate: audio.sampleRate, channels: [sm.griffinLim(toMagnitude(g), { ...stftOpts, nIter: 32, seed: 0 })] });
const opened = sm.opening(sm.opening(db, sm.footprint.rect(3, 3)), sm.footprint.line(7, 'time'));
sm.listen(audio, { label: 'original recording' });
sm.listen(gl(db), { label: 'Griffin-Lim of the original dB spectrogram', normalise: true });
sm.listen(gl(opened), { label: 'Griffin-Lim of the opened spectrogram', normalise: true });
sm.show(sm.difference(opened, db, { title: 'opened − original (dB)' }));
