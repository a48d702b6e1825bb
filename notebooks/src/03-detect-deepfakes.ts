// %% [markdown]
// # 3. Detecting deepfakes with a small CNN
//
// The full path: data → feature pipeline → training (watch the chart) → equal error rate, ROC and DET
// curves, per-attack results → saliency maps showing which parts of the spectrogram drove a decision.

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
// ## Data and the held-out split
//
// The corpus's `meta.csv` assigns each speaker, and each sentence, to either *train* or *test*, so the
// test clips come from voices and sentences the model never heard. Two attack systems appear only in
// the test split (unseen attacks), as in the ASVspoof challenges.

// %%
const items = sm.withMetaSpeakers(ds);
const split = sm.heldOutSplit({ ...ds, items });
const count = (xs: sm.DatasetItem[]) => ({ bonafide: xs.filter((i) => i.label === 'bonafide').length, ...Object.fromEntries(Object.entries(sm.datasetSummary(xs).attacks)) });
console.log('split by', split.by);
sm.show(sm.resultsTable([{ part: 'train', ...count(split.train) }, { part: 'test', ...count(split.test) }], { title: 'Clips per split: bona fide and each attack system', width: 1000 }));

// %% [markdown]
// ## The feature pipeline
//
// A pipeline is plain JSON: mono, 8 kHz, exactly 2 s, STFT power spectrogram (129 bins × 201
// frames of 10 ms), dB. Nothing is resized: the artefacts a detector needs live at this resolution.
// Normalisation happens inside the model, per frequency bin, with statistics of the training clips
// only. `runPipeline` keeps every stage so we can look at them.

// %%
const config = sm.ABLATION_PIPELINE;
console.log(sm.pipelineToJson(config));
const example = split.test.find((it) => it.label === 'bonafide')!;
const run = sm.runPipeline(await sm.loadAudio(example.path), config);
const grids = run.stages.filter((s) => 'rows' in s.output).map((s) => ({ name: s.name, grid: s.output as sm.Grid }));
sm.show(sm.compareStages(grids, { columns: 2, title: `Pipeline stages of ${rel(example.path)}` }));

// %% [markdown]
// ## Features for every clip
//
// Computed on worker threads and cached on disk (keyed by the pipeline and the file's content), so
// re-running this cell is instant.

// %%
const { cacheDir } = sm.ablationCacheDirs();
const bar = sm.progress(split.train.length + split.test.length, { label: 'features' });
const feats = await sm.computeFeatures([...split.train, ...split.test].map((it) => it.path), config, { cacheDir, onProgress: (d) => bar.update(d) });
bar.done(`${feats.rows}×${feats.cols}, ${feats.cacheHits} from cache`);
const trainX = feats.features.slice(0, split.train.length);
const testX = feats.features.slice(split.train.length);
const trainY = split.train.map((it) => (it.label === 'bonafide' ? 1 : 0));

// %% [markdown]
// ## Training
//
// A small CNN (three 3×3 convolution blocks with 8, 16 and 32 filters, batch normalisation, global
// average pooling, two outputs) behind a per-frequency standardisation fitted on the training clips.
// Each epoch it sees a random 0.64 s crop (64 frames) of every clip; validation and test clips are
// scored whole, as the mean over 0.64 s windows. Adam with a cosine learning-rate decay, classes
// weighted so bona fide and spoof count equally. 20 % of the training clips are held out for
// validation; training stops when their EER has not improved for 4 epochs and the best epoch's
// weights are kept.
//
// This is the ablation's network and crop width (notebook 4), trained for at most 8 epochs: `npm start` executes
// every notebook after the ablation, and a longer run here would take it past its 10-minute budget
// on 2 cores. `specmorph train` defaults to a wider CNN (16-32-64 filters) and up to 30 epochs; more
// epochs usually lower the EER, so read the numbers below as a short run's.

// %%
const info = await sm.initBackend();
console.log(sm.formatBackendInfo(info));
const epochs = QUICK ? 2 : 8;
const chart = sm.liveChart({ title: 'Training', xTitle: 'epoch' });
const trained = await sm.trainClassifier({ inputs: trainX, labels: trainY }, {
  epochs, patience: 4, cropFrames: 64, modelOptions: { filters: [8, 16, 32] }, learningRate: 3e-3, seed: 0, validationSplit: 0.2, progress: false, log: null,
  onEpoch: (l) => chart.update(l.epoch, { loss: l.loss, valLoss: l.valLoss, valEer: l.valEer }),
});
console.log(`best epoch ${trained.bestEpoch + 1} of ${trained.history.length}${trained.stoppedEarly ? ' (stopped early)' : ''}`);
const model = trained.model;

// %% [markdown]
// ## Equal error rate on the test split
//
// The detector outputs a score (higher = more bona fide). The **EER** is the error rate at the
// threshold where the fraction of bona fide clips rejected equals the fraction of spoofs accepted
// (the ASVspoof metric; lower is better, 50 % is chance). Every EER below comes with a 95 %
// bootstrap interval (the test clips resampled 2000 times): how far the number could move with
// another draw of clips like these. With a few hundred test clips it is several points wide.

// %%
const scores = sm.predictScores(model, testX);
const rows = split.test.map((it, i) => ({ uttId: it.id, attackId: it.attack ?? '-', key: it.label, score: scores[i] }));
const ev = sm.evaluateScores(rows);
console.log(`test EER ${(100 * ev.eer).toFixed(2)}% (95% interval ${(100 * ev.interval.low).toFixed(1)}-${(100 * ev.interval.high).toFixed(1)}%), ROC AUC ${ev.auc.toFixed(3)}, accuracy at the EER threshold ${(100 * ev.accuracy).toFixed(1)}%, minDCF ${ev.minDcf.toFixed(3)}`);
const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
const spoof = rows.filter((r) => r.key === 'spoof').map((r) => r.score);
sm.show(sm.rocFigure(bona, spoof, { title: 'ROC on the test split' }));
sm.show(sm.detFigure(bona, spoof, { title: 'DET on the test split (probit axes)' }));

// %% [markdown]
// ## Per attack
//
// Each attack's spoofs against all test bona fide clips. Attacks marked *unseen* never appeared in
// training: these show whether the detector learned something general or just one synthesiser's
// fingerprint. Read the interval before the EER: an attack with 5 test clips moves in steps of 20
// points, and two detectors whose intervals overlap widely may not differ at all (`specmorph
// evaluate --compare` gives the paired interval of their difference).

// %%
const trainAttacks = new Set(split.train.map((it) => it.attack));
sm.show(sm.resultsTable(ev.perAttack.map((a) => ({ attack: a.attackId, 'test clips': a.n, 'EER %': Number((100 * a.eer).toFixed(1)), '95% interval': a.interval ? `${(100 * a.interval.low).toFixed(1)}-${(100 * a.interval.high).toFixed(1)}` : '-', minDCF: Number(a.minDcf.toFixed(3)), 'in training': trainAttacks.has(a.attackId) ? 'yes' : 'no (unseen)' })), { title: 'Per-attack EER' }));

// %% [markdown]
// ## A classical reference: LFCC-GMM
//
// The ASVspoof 2019 baseline: LFCC 20 + deltas + double deltas per 20 ms frame, one diagonal
// Gaussian mixture per class (64 components, as `specmorph train --arch gmm`), clip score = mean
// frame log-likelihood ratio. Same split; the README compares it with scikit-learn.
//
// `npm start`'s ablation trains exactly this reference (seed 0) beside its arms, and its baseline arm
// (the recipe above, up to `sm.ABLATION_DEFAULTS.epochs` epochs, seed 0): `sm.runAblation` with only
// the baseline arm and one seed reads both from the run cache, and trains them here when they are not
// there (a minute or two on 2 cores).

// %%
const cached = await sm.runAblation(DATA, { arms: sm.ablationArms([], [], false), seeds: [0], epochs: QUICK ? 1 : sm.ABLATION_DEFAULTS.epochs, cacheDir: cacheDir, runCacheDir: sm.ablationCacheDirs().runCacheDir, reference: QUICK ? { components: 4 } : {} });
const ref = cached.reference!.runs[0];
const ablationBaseline = cached.arms[0].runs[0];
console.log(`${cached.reference!.name}: ${ref.cached ? 'from the run cache' : `trained in ${ref.seconds.toFixed(0)} s`}; baseline arm: ${ablationBaseline.cached ? 'from the run cache' : `trained in ${ablationBaseline.seconds.toFixed(0)} s`}`);
const pctRow = (eer: number, perAttack: Record<string, number>, dcf: number) => ({ 'pooled EER %': Number((100 * eer).toFixed(1)), minDCF: Number(dcf.toFixed(3)), ...Object.fromEntries(Object.entries(perAttack).map(([k, v]) => [k, Number((100 * v).toFixed(1))])) });
sm.show(sm.resultsTable([
  { detector: `CNN (this notebook, ${trained.history.length} epochs)`, ...pctRow(ev.eer, Object.fromEntries(ev.perAttack.map((a) => [a.attackId, a.eer])), ev.minDcf) },
  { detector: `CNN (ablation baseline, seed 0, ≤ ${cached.epochs} epochs)`, ...pctRow(ablationBaseline.eer, ablationBaseline.perAttack, ablationBaseline.minDcf) },
  { detector: cached.reference!.name, ...pctRow(ref.eer, ref.perAttack, ref.minDcf) },
], { title: 'Test EER (%) pooled and per attack, and minDCF', width: 1100 }));

// %% [markdown]
// ## Where does the model look?
//
// **Gradient × input** marks the input pixels whose change would move the bona fide score most
// (red: pushes towards bona fide, blue: towards spoof). **Grad-CAM** weights the last convolution
// block's activation maps by their gradient: a coarser map of the regions that mattered.

// %%
const pick = (label: string) => split.test.findIndex((it) => it.label === label);
for (const label of ['bonafide', 'spoof']) {
  const i = pick(label);
  const g = testX[i];
  // Each map on its own scale: the input in [0, 1], gradient × input signed (diverging, white = 0),
  // Grad-CAM >= 0 from 0 up.
  sm.show(sm.compareStages([
    { name: `input (${label}${split.test[i].attack ? `, ${split.test[i].attack}` : ''})`, grid: g },
    { name: 'gradient × input', grid: sm.gradientTimesInput(model, g), colorScale: 'diverging', unit: 'score' },
    { name: 'Grad-CAM', grid: sm.gradCam(model, g), colorScale: 'magma', zmin: 0, unit: 'score' },
  ], { columns: 3, title: `${rel(split.test[i].path)}: score ${scores[i].toFixed(2)}` }));
}
model.dispose();
