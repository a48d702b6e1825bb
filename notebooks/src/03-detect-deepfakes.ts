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
// A small CNN (three 3×3 convolution blocks with batch normalisation, global average pooling, two
// outputs) behind a per-frequency standardisation fitted on the training clips. Each epoch it sees a
// random 1 s crop of every clip; validation and test clips are scored whole, as the mean over 1 s
// windows. Adam with a cosine learning-rate decay, classes weighted so bona fide and spoof count
// equally. 20 % of the training clips are held out for validation; training stops when their EER has
// not improved for 5 epochs and the best epoch's weights are kept.

// %%
const info = await sm.initBackend();
console.log(sm.formatBackendInfo(info));
const epochs = QUICK ? 2 : 20;
const chart = sm.liveChart({ title: 'Training', xTitle: 'epoch' });
const trained = await sm.trainClassifier({ inputs: trainX, labels: trainY }, {
  epochs, patience: 5, cropFrames: 100, seed: 0, validationSplit: 0.2, progress: false, log: null,
  onEpoch: (l) => chart.update(l.epoch, { loss: l.loss, valLoss: l.valLoss, valEer: l.valEer }),
});
console.log(`best epoch ${trained.bestEpoch + 1} of ${trained.history.length}${trained.stoppedEarly ? ' (stopped early)' : ''}`);
const model = trained.model;

// %% [markdown]
// ## Equal error rate on the test split
//
// The detector outputs a score (higher = more bona fide). The **EER** is the error rate at the
// threshold where the fraction of bona fide clips rejected equals the fraction of spoofs accepted
// (the ASVspoof metric; lower is better, 50 % is chance).

// %%
const scores = sm.predictScores(model, testX);
const rows = split.test.map((it, i) => ({ uttId: it.id, attackId: it.attack ?? '-', key: it.label, score: scores[i] }));
const ev = sm.evaluateScores(rows);
console.log(`test EER ${(100 * ev.eer).toFixed(2)}%, ROC AUC ${ev.auc.toFixed(3)}, accuracy at the EER threshold ${(100 * ev.accuracy).toFixed(1)}%, minDCF ${ev.minDcf.toFixed(3)}`);
const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
const spoof = rows.filter((r) => r.key === 'spoof').map((r) => r.score);
sm.show(sm.rocFigure(bona, spoof, { title: 'ROC on the test split' }));
sm.show(sm.detFigure(bona, spoof, { title: 'DET on the test split (probit axes)' }));

// %% [markdown]
// ## Per attack
//
// Each attack's spoofs against all test bona fide clips. Attacks marked *unseen* never appeared in
// training: these show whether the detector learned something general or just one synthesiser's
// fingerprint.

// %%
const trainAttacks = new Set(split.train.map((it) => it.attack));
sm.show(sm.resultsTable(ev.perAttack.map((a) => ({ attack: a.attackId, 'test clips': a.n, 'EER %': Number((100 * a.eer).toFixed(1)), minDCF: Number(a.minDcf.toFixed(3)), 'in training': trainAttacks.has(a.attackId) ? 'yes' : 'no (unseen)' })), { title: 'Per-attack EER' }));

// %% [markdown]
// ## A classical reference: LFCC-GMM
//
// The ASVspoof 2019 baseline: LFCC 20 + deltas + double deltas per 20 ms frame, one diagonal
// Gaussian mixture per class, clip score = mean frame log-likelihood ratio. Same split. 32 components
// per class here to keep `npm start` short (`specmorph train --arch gmm` defaults to 64); the README
// compares it with scikit-learn.

// %%
const lfcc = await sm.computeFeatures([...split.train, ...split.test].map((it) => it.path), sm.DEFAULT_GMM_PIPELINE, { cacheDir: cacheDir, sameShape: false });
const lfccTrain = lfcc.features.slice(0, split.train.length);
const lfccTest = lfcc.features.slice(split.train.length);
const gmm = await sm.fitGmmDetectorAsync(lfccTrain.filter((_, i) => trainY[i] === 1), lfccTrain.filter((_, i) => trainY[i] === 0), { nComponents: QUICK ? 4 : 32, seed: 0 });
const gmmScores = sm.scoreGmmDetector(gmm, lfccTest);
const gmmEv = sm.evaluateScores(split.test.map((it, i) => ({ uttId: it.id, attackId: it.attack ?? '-', key: it.label, score: gmmScores[i] })));
sm.show(sm.resultsTable([
  { detector: 'CNN (this notebook)', 'pooled EER %': Number((100 * ev.eer).toFixed(1)), ...Object.fromEntries(ev.perAttack.map((a) => [a.attackId, Number((100 * a.eer).toFixed(1))])) },
  { detector: 'LFCC-GMM', 'pooled EER %': Number((100 * gmmEv.eer).toFixed(1)), ...Object.fromEntries(gmmEv.perAttack.map((a) => [a.attackId, Number((100 * a.eer).toFixed(1))])) },
], { title: 'Test EER (%), pooled and per attack' }));

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
