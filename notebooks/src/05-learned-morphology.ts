// %% [markdown]
// # 5. Learned morphology: let the detector choose its structuring elements
//
// Notebook 4 asks which *fixed* operator and footprint helps, one arm at a time. Here we ask the
// detector instead: a **morphology layer** with trainable structuring elements sits in front of the
// CNN, and gradient descent shapes them together with the convolutions (morphological neural
// networks: Mondal et al. 2019, Franchi et al. 2020).

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

// %% [markdown]
// ## Morphology with a structuring *function*
//
// Grey-level dilation and erosion with a structuring function `w` (Soille's non-flat operators):
//
// - dilation `(f ⊕ w)(p) = max over b of f(p − b) + w(b)`
// - erosion `(f ⊖ w)(p) = min over b of f(p + b) − w(b)`
//
// A flat footprint is the special case `w = 0` on the footprint and `−∞` off it (the layer stores a
// large negative number there). The maximum is differentiable almost everywhere: its gradient goes to
// the offset that won, so `w` can be learned like a convolution kernel. `sm.morphLayer` keeps one such
// function per channel, initialised from a footprint. Frozen at a flat 3×3 rectangle it is exactly
// `sm.erode` with `border: 'ignore'`:

// %%
const info = await sm.initBackend();
console.log(sm.formatBackendInfo(info));
const clip = ds.items.find((it) => it.label === 'bonafide')!;
const db = sm.runPipeline(await sm.loadAudio(clip.path), sm.ABLATION_PIPELINE).output as sm.Grid;
const frozenErode = sm.morphLayer({ operation: 'erode', init: { shape: 'rect', rows: 3, cols: 3 }, trainable: false });
const [byLayer] = sm.applyMorphLayer(frozenErode, db);
const byMorphology = sm.erode(db, sm.footprint.rect(3, 3), { border: 'ignore' });
console.log(`max |layer − sm.erode| = ${Math.max(...byLayer.data.map((v, i) => Math.abs(v - byMorphology.data[i])))}`);
sm.show(sm.compareStages({ input: db, 'sm.erode rect 3×3': byMorphology, 'frozen morph layer': byLayer }, { columns: 3, title: `${rel(clip.path)}: erosion two ways` }));

// %% [markdown]
// ## Data and features
//
// The same held-out split (speakers and sentences disjoint) and the same features (dB spectrograms,
// 129 bins × 201 frames) as notebook 3.

// %%
const split = sm.heldOutSplit({ ...ds, items: sm.withMetaSpeakers(ds) });
const { cacheDir } = sm.ablationCacheDirs();
const bar = sm.progress(split.train.length + split.test.length, { label: 'features' });
const feats = await sm.computeFeatures([...split.train, ...split.test].map((it) => it.path), sm.ABLATION_PIPELINE, { cacheDir, onProgress: (d) => bar.update(d) });
bar.done(`${feats.rows}×${feats.cols}, ${feats.cacheHits} from cache`);
const trainX = feats.features.slice(0, split.train.length);
const testX = feats.features.slice(split.train.length);
const trainY = split.train.map((it) => (it.label === 'bonafide' ? 1 : 0));

// %% [markdown]
// ## A CNN with a learned morphology block
//
// `sm.morphCnn` puts `sm.morphBlock` in front of a backbone, here the small CNN of notebook 3 (8-16-32
// filters). The block learns an erosion and a dilation, each with two structuring functions
// initialised as a flat 3×3 rectangle, and passes the input through beside them: the CNN sees 5
// channels and can use or ignore each. It trains on random 64-frame crops, as in notebook 3, and
// after every epoch we keep a copy of the structuring functions. Six epochs: enough for the
// structuring functions to move, short enough for `npm start`, which executes every notebook, to
// stay within 10 minutes on 2 cores.

// %%
import * as tf from '@tensorflow/tfjs-layers';
const epochs = QUICK ? 2 : 6;
const crop = 64;
const morphModel = sm.morphCnn([feats.rows, crop, 1], {
  block: { operations: ['erode', 'dilate'], depthMultiplier: 2, init: { shape: 'rect', rows: 3, cols: 3 } },
  backbone: (h) => sm.smallCnn(h.shape.slice(1) as number[], { seed: 0, filters: [8, 16, 32] }).apply(h) as tf.SymbolicTensor,
});
const layers = sm.morphLayers(morphModel);
const history: Record<string, sm.StructureHistoryEntry[]> = Object.fromEntries(layers.map((l) => [l.name, []]));
const chart = sm.liveChart({ title: 'Training with the morph block', xTitle: 'epoch' });
const withBlock = await sm.trainClassifier({ inputs: trainX, labels: trainY }, {
  model: morphModel, epochs, cropFrames: crop, seed: 0, classWeight: 'balanced', validationSplit: 0.2, progress: false, log: null,
  onEpoch: (l) => {
    for (const layer of layers) history[layer.name].push({ epoch: l.epoch, snapshot: sm.structureSnapshot(layer) });
    chart.update(l.epoch, { loss: l.loss, valLoss: l.valLoss, accuracy: l.accuracy, valAccuracy: l.valAccuracy });
  },
});

// %% [markdown]
// ## What did it learn?
//
// Each small heatmap is one structuring function: rows are frequency offsets, columns time offsets
// from the centre. White is 0 (the flat start); red raises a neighbour's weight in the max (for the
// dilation) or lowers it in the min (for the erosion), blue the opposite. A structuring function that
// stays white was not worth changing.

// %%
for (const layer of sm.morphLayers(withBlock.model)) sm.show(sm.structuringElementsFigure(sm.structureSnapshot(layer)));

// %% [markdown]
// Drag the slider to watch the erosion's structuring functions move away from the flat rectangle,
// epoch by epoch (one colour scale for all epochs).

// %%
sm.show(sm.structureEvolutionFigure(history[layers[0].name]));

// %% [markdown]
// ## The learned operators on a bona fide and a spoofed clip
//
// Left a bona fide test clip, right a spoofed one, both as the CNN receives them; below, each
// learned operator's output channel.

// %%
const bonaIdx = split.test.findIndex((it) => it.label === 'bonafide');
const spoofIdx = split.test.findIndex((it) => it.label === 'spoof');
for (const layer of sm.morphLayers(withBlock.model)) {
  sm.show(sm.learnedOperatorFigure(layer, { bonafide: testX[bonaIdx], spoof: testX[spoofIdx] }, { title: `learned ${layer.operation}: ${rel(split.test[bonaIdx].path)} vs ${rel(split.test[spoofIdx].path)} (${split.test[spoofIdx].attack})` }));
}

// %% [markdown]
// ## With and without the block
//
// Does the block help? One training is an anecdote, so we ask the ablation (notebook 4): its
// *learned* arm is the built-in `morph-cnn` (a learned block of the same kind in front of the same
// CNN), its baseline the CNN alone, both trained with the same seeds, split and recipe. `npm start`
// has trained them already, so `sm.runAblation` with just these two arms reads them from the run
// cache (and trains them when they are not there, a few minutes on 2 cores). Δ is the paired
// difference in test EER, same seed.

// %%
const pair = await sm.runAblation(DATA, { arms: sm.ablationArms([], [], true), seeds: QUICK ? 2 : sm.ABLATION_DEFAULTS.seeds, epochs: QUICK ? 1 : sm.ABLATION_DEFAULTS.epochs, cacheDir: cacheDir, runCacheDir: sm.ablationCacheDirs().runCacheDir, reference: null });
console.log(`${pair.arms.flatMap((a) => a.runs).filter((r) => r.cached).length} of ${2 * pair.seeds.length} runs from the run cache`);
sm.show(sm.ablationTableFigure(pair));
withBlock.model.dispose();
