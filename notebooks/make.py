#!/usr/bin/python3
"""Writes the five specmorph notebooks (sources only, no outputs). `npm start` executes them into
reports/notebooks/; the committed copies in notebooks/ are executed in place with
`python3 -m jupyter nbconvert --to notebook --execute --inplace` so GitHub shows the figures."""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def md(s):
    return {"cell_type": "markdown", "metadata": {}, "source": s.strip("\n")}


def code(s):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": s.strip("\n")}


def write(name, cells):
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(cells):
        c["id"] = f"{name[:2]}-{i:02d}"
    (HERE / f"{name}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


SETUP = """
import * as sm from 'specmorph';
import * as path from 'path';
// The bundled corpus unless `npm start` / the tests point elsewhere.
const DATA = process.env.SPECMORPH_DATA ?? path.resolve('../datasets/corpus');
// SPECMORPH_QUICK=1 (the CI test) shrinks the training so the notebook runs in seconds.
const QUICK = process.env.SPECMORPH_QUICK === '1';
const ds = await sm.scanFolderDataset(DATA);
const meta = sm.readCorpusMeta(DATA);
const rel = (p: string) => path.relative(DATA, p);
console.log(`${ds.items.length} clips in ${path.relative(process.cwd(), DATA) || '.'}${QUICK ? ' (quick mode)' : ''}`);
"""

# ------------------------------------------------------------------------------------------------
write("01-spectrograms", [
    md("""
# 1. From a sound file to a spectrogram

A deepfake detector never sees the waveform directly: it looks at a **spectrogram**, a picture of
how much energy the sound has at each frequency (vertical axis) at each moment (horizontal axis).
This notebook builds one step by step from a real clip of the bundled corpus, and lets you listen
to what you are looking at.
"""),
    code(SETUP),
    md("""
## Decode a clip

`loadAudio` reads WAV or FLAC into an `Audio` object: a sample rate and one `Float32Array` per
channel, values in [-1, 1]. The corpus clips are 8 kHz mono, 2 s long.
"""),
    code("""
const clip = ds.items.find((it) => it.label === 'bonafide' && it.path.includes('en-allison')) ?? ds.items.find((it) => it.label === 'bonafide')!;
const audio = await sm.loadAudio(clip.path, { mono: true });
const x = audio.channels[0];
console.log(rel(clip.path), `${audio.sampleRate} Hz, ${x.length} samples = ${(x.length / audio.sampleRate).toFixed(2)} s`);
if (meta) console.log('text:', meta.get(rel(clip.path))?.fields.text);
sm.listen(audio, { label: `bona fide: ${rel(clip.path)}` });
"""),
    code("""
const t = Float64Array.from(x, (_, i) => i / audio.sampleRate);
sm.show(sm.lineFigure([{ name: 'waveform', x: t, y: x }], { title: 'Waveform', xTitle: 'time (s)', yTitle: 'amplitude (full scale = 1)', height: 280 }));
"""),
    md("""
## Short-time Fourier transform

The STFT cuts the signal into short overlapping frames (here 25 ms = 200 samples, one every 10 ms
= 80 samples), multiplies each by a Hann window and takes its FFT (256 points, so 129 frequency bins
from 0 to 4 kHz, 31.25 Hz apart). Squaring the magnitude gives the **power spectrogram**: 129 rows
(frequency) × 201 columns (time).
"""),
    code("""
const stftOpts = { nFft: 256, hopLength: 80, winLength: 200 };
const power = sm.spectrogram(x, { sampleRate: audio.sampleRate, ...stftOpts });
console.log(`${power.rows} bins × ${power.cols} frames, unit ${power.unit}`);
sm.show(sm.heatmap(power, { title: 'Power spectrogram (linear scale)' }));
"""),
    md("""
On a linear scale almost everything looks black: speech energy spans many orders of magnitude and
only the loudest harmonics show. Our ears hear loudness roughly logarithmically, so we convert to
**decibels**: `10·log10(power / reference)`, here relative to the loudest bin, clipped 80 dB below it.
"""),
    code("""
const db = sm.powerToDb(power, { ref: 'max', topDb: 80 });
sm.show(sm.heatmap(db, { title: 'Power spectrogram in dB (0 dB = loudest bin)' }));
"""),
    md("""
Now the structure is visible: horizontal stripes are the **harmonics** of the voice (multiples of the
pitch), the dark gaps are pauses, the broad bands that move are **formants** (resonances of the vocal
tract that make the vowels).

## Mel scale

We hear pitch differences better at low frequencies than at high ones. The mel filterbank groups
linear bins into bands that are narrow at low frequencies and wide at high ones (Slaney's mel scale,
as librosa). 40 mel bands replace the 129 linear bins.
"""),
    code("""
const mel = sm.melSpectrogram(x, { sampleRate: audio.sampleRate, ...stftOpts, nMels: 40 });
sm.show(sm.heatmap(sm.powerToDb(mel, { ref: 'max' }), { title: 'Mel spectrogram in dB (40 bands)' }));
"""),
    md("""
## Bona fide vs spoofed

Every spoofed clip of the corpus was made from a bona fide one (re-synthesised by a vocoder, or the
same sentence spoken by a speech synthesiser). Here is a clip and its spoofed counterpart side by
side, on the same colour scale. Listen to both.
"""),
    code("""
const pair = meta ? [...meta.values()].find((r) => r.fields.class === 'spoof' && r.fields.bonafide_pair === rel(clip.path)) : undefined;
const spoofItem = pair ? ds.items.find((it) => rel(it.path) === pair.path)! : ds.items.find((it) => it.label === 'spoof')!;
const spoofAudio = await sm.loadAudio(spoofItem.path, { mono: true });
const spoofDb = sm.powerToDb(sm.spectrogram(spoofAudio.channels[0], { sampleRate: spoofAudio.sampleRate, ...stftOpts }), { ref: 'max' });
console.log('spoof:', rel(spoofItem.path), 'attack system:', spoofItem.attack);
sm.show(sm.compareStages({ [`bona fide`]: db, [`spoof (${spoofItem.attack})`]: spoofDb }, { title: 'Bona fide vs spoofed, dB' }));
sm.listen(spoofAudio, { label: `spoof (${spoofItem.attack}): ${rel(spoofItem.path)}` });
"""),
    md("""
Differences are often subtle to the eye: smeared or too-regular harmonics, missing noise between
them, a hard upper band edge. Notebook 2 shows tools to emphasise such structures; notebook 3 lets a
network find them.
"""),
])

# ------------------------------------------------------------------------------------------------
write("02-morphology", [
    md("""
# 2. Grey-level morphology on spectrograms

Mathematical morphology probes an image with a small shape, the **footprint** (structuring
element). On a grey-level image such as a dB spectrogram:

* **erosion** replaces each pixel by the *minimum* under the footprint: dark areas grow, thin bright
  details vanish;
* **dilation** takes the *maximum*: bright areas grow;
* **opening** = erosion then dilation: removes bright details *smaller than the footprint* and keeps
  the rest in place;
* **closing** = dilation then erosion: fills dark gaps smaller than the footprint;
* **top-hats** keep what opening/closing removed: white top-hat = image − opening (small bright
  peaks), black top-hat = closing − image (small dark gaps).

The footprint's shape decides *which* structures count as small: a horizontal line (along time)
keeps horizontal stripes like harmonics, a vertical line (along frequency) keeps vertical ones like
onsets and clicks.
"""),
    code(SETUP),
    code("""
const clip = ds.items.find((it) => it.label === 'bonafide' && it.path.includes('en-allison')) ?? ds.items.find((it) => it.label === 'bonafide')!;
const audio = await sm.loadAudio(clip.path, { mono: true });
const stftOpts = { nFft: 256, hopLength: 80, winLength: 200 };
const db = sm.powerToDb(sm.spectrogram(audio.channels[0], { sampleRate: audio.sampleRate, ...stftOpts }), { ref: 'max' });
console.log(rel(clip.path), `${db.rows}×${db.cols} dB spectrogram`);
"""),
    md("""
## Footprints

Each cell is one STFT bin (31.25 Hz) by one frame (10 ms); the red dot is the anchor (centre).
"""),
    code("""
const fps = {
  'rect 3×3': sm.footprint.rect(3, 3),
  'line 5 along time': sm.footprint.line(5, 'time'),
  'line 5 along frequency': sm.footprint.line(5, 'frequency'),
  'disk r=2': sm.footprint.disk(2),
};
for (const [name, fp] of Object.entries(fps)) sm.show(sm.footprintFigure(fp, { title: name }));
"""),
    md("""
## Every operator with the same footprint (rect 3×3)

Zoom into one panel: the axes are linked, so all panels follow.
"""),
    code("""
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
"""),
    md("""
## The footprint shape matters

Opening with a line along time keeps horizontal structure (harmonics survive, short vertical
clicks go); with a line along frequency it keeps vertical structure (onsets survive, harmonics
thinner than 5 bins go).
"""),
    code("""
sm.show(sm.compareStages(Object.fromEntries([['original', db], ...Object.entries(fps).map(([n, f]) => [`opening, ${n}`, sm.opening(db, f)])]), { columns: 3, title: 'Opening with different footprints' }));
"""),
    md("""
## Slider over footprint sizes

Drag the slider: the larger the square, the more detail the opening removes. (All steps are saved
in the notebook, so the slider works without a running kernel.)
"""),
    code("""
const sizes = [1, 3, 5, 7, 9, 11];
sm.show(sm.sliderFigure(sizes, (k) => sm.heatmap(sm.opening(db, sm.footprint.rect(k, k)), { title: `opening, rect ${k}×${k}`, zmin: -80, zmax: 0, maxCells: 8192 }), { label: 'footprint size' , active: 2 }));
"""),
    md("""
## Top-hats: what opening and closing removed

The white top-hat isolates bright details narrower than the footprint (harmonic peaks, with a
vertical line footprint); the black top-hat isolates narrow dark gaps between them.
"""),
    code("""
const vline = sm.footprint.line(5, 'frequency');
sm.show(sm.compareStages({ 'white top-hat (line 5 freq)': sm.whiteTopHat(db, vline), 'black top-hat (line 5 freq)': sm.blackTopHat(db, vline) }, { title: 'Top-hats: detail removed by opening / closing (dB above / below)', colorScale: 'magma' }));
"""),
    md("""
## Reconstruction

A plain opening also shrinks the big structures it keeps. **Opening by reconstruction** erodes,
then grows the result back inside the original by repeated geodesic dilation: whatever survived the
erosion comes back with its exact shape, whatever did not is gone.
"""),
    code("""
const big = sm.footprint.rect(5, 5);
sm.show(sm.compareStages({ original: db, 'opening 5×5': sm.opening(db, big), 'opening by reconstruction 5×5': sm.openingByReconstruction(db, big) }, { columns: 3, title: 'Opening vs opening by reconstruction' }));
"""),
    md("""
## Listen to a morphed spectrogram

A spectrogram has no phase, so we cannot invert it exactly. **Griffin-Lim** finds a signal whose
STFT magnitude matches a given one by alternating projections (32 iterations, seeded random start).
We convert dB back to magnitude (`10^(dB/20)`, the square root of power), reconstruct the original
and the opened spectrogram, and listen: the opening (rect 3×3, then line 7 along time) smooths
away fine detail, which sounds dull and buzzy.
"""),
    code("""
const toMagnitude = (g: sm.Spectrogram): sm.Spectrogram => ({ ...g, data: g.data.map((v) => Math.pow(10, v / 20)), unit: 'amplitude' });
const gl = (g: sm.Spectrogram) => ({ sampleRate: audio.sampleRate, channels: [sm.griffinLim(toMagnitude(g), { ...stftOpts, nIter: 32, seed: 0 })] });
const opened = sm.opening(sm.opening(db, sm.footprint.rect(3, 3)), sm.footprint.line(7, 'time'));
sm.listen(audio, { label: 'original recording' });
sm.listen(gl(db), { label: 'Griffin-Lim of the original dB spectrogram', normalize: true });
sm.listen(gl(opened), { label: 'Griffin-Lim of the opened spectrogram', normalize: true });
sm.show(sm.difference(opened, db, { title: 'opened − original (dB)' }));
"""),
])

# ------------------------------------------------------------------------------------------------
write("03-detect-deepfakes", [
    md("""
# 3. Detecting deepfakes with a small CNN

The full path: data → feature pipeline → training (watch the chart) → equal error rate, ROC and DET
curves, per-attack results → saliency maps showing which parts of the spectrogram drove a decision.
"""),
    code(SETUP),
    md("""
## Data and the held-out split

The corpus's `meta.csv` assigns each speaker, and each sentence, to either *train* or *test*, so the
test clips come from voices and sentences the model never heard. Two attack systems appear only in
the test split (unseen attacks), as in the ASVspoof challenges.
"""),
    code("""
const items = sm.withMetaSpeakers(ds);
const split = sm.heldOutSplit({ ...ds, items });
const count = (xs: sm.DatasetItem[]) => ({ bonafide: xs.filter((i) => i.label === 'bonafide').length, ...Object.fromEntries(Object.entries(sm.datasetSummary(xs).attacks)) });
console.log('split by', split.by);
sm.show(sm.resultsTable([{ part: 'train', ...count(split.train) }, { part: 'test', ...count(split.test) }], { title: 'Clips per split: bona fide and each attack system', width: 1000 }));
"""),
    md("""
## The feature pipeline

A pipeline is plain JSON: mono, 8 kHz, exactly 2 s, STFT power spectrogram (129 bins × 201
frames of 10 ms), dB. Nothing is resized: the artefacts a detector needs live at this resolution.
Normalisation happens inside the model, per frequency bin, with statistics of the training clips
only. `runPipeline` keeps every stage so we can look at them.
"""),
    code("""
const config = sm.ABLATION_PIPELINE;
console.log(sm.pipelineToJson(config));
const example = split.test.find((it) => it.label === 'bonafide')!;
const run = sm.runPipeline(await sm.loadAudio(example.path), config);
const grids = run.stages.filter((s) => 'rows' in s.output).map((s) => ({ name: s.name, grid: s.output as sm.Grid }));
sm.show(sm.compareStages(grids, { columns: 2, title: `Pipeline stages of ${rel(example.path)}` }));
"""),
    md("""
## Features for every clip

Computed on worker threads and cached on disk (keyed by the pipeline and the file's content), so
re-running this cell is instant.
"""),
    code("""
const { cacheDir } = sm.ablationCacheDirs();
const bar = sm.progress(split.train.length + split.test.length, { label: 'features' });
const feats = await sm.computeFeatures([...split.train, ...split.test].map((it) => it.path), config, { cacheDir, onProgress: (d) => bar.update(d) });
bar.done(`${feats.rows}×${feats.cols}, ${feats.cacheHits} from cache`);
const trainX = feats.features.slice(0, split.train.length);
const testX = feats.features.slice(split.train.length);
const trainY = split.train.map((it) => (it.label === 'bonafide' ? 1 : 0));
"""),
    md("""
## Training

A small CNN (three 3×3 convolution blocks with batch normalisation, global average pooling, two
outputs) behind a per-frequency standardisation fitted on the training clips. Each epoch it sees a
random 1 s crop of every clip; validation and test clips are scored whole, as the mean over 1 s
windows. Adam with a cosine learning-rate decay, classes weighted so bona fide and spoof count
equally. 20 % of the training clips are held out for validation; training stops when their EER has
not improved for 5 epochs and the best epoch's weights are kept.
"""),
    code("""
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
"""),
    md("""
## Equal error rate on the test split

The detector outputs a score (higher = more bona fide). The **EER** is the error rate at the
threshold where the fraction of bona fide clips rejected equals the fraction of spoofs accepted
(the ASVspoof metric; lower is better, 50 % is chance).
"""),
    code("""
const scores = sm.predictScores(model, testX);
const rows = split.test.map((it, i) => ({ uttId: it.id, attackId: it.attack ?? '-', key: it.label, score: scores[i] }));
const ev = sm.evaluateScores(rows);
console.log(`test EER ${(100 * ev.eer).toFixed(2)}%, ROC AUC ${ev.auc.toFixed(3)}, accuracy at the EER threshold ${(100 * ev.accuracy).toFixed(1)}%, minDCF ${ev.minDcf.toFixed(3)}`);
const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
const spoof = rows.filter((r) => r.key === 'spoof').map((r) => r.score);
sm.show(sm.rocFigure(bona, spoof, { title: 'ROC on the test split' }));
sm.show(sm.detFigure(bona, spoof, { title: 'DET on the test split (probit axes)' }));
"""),
    md("""
## Per attack

Each attack's spoofs against all test bona fide clips. Attacks marked *unseen* never appeared in
training: these show whether the detector learned something general or just one synthesiser's
fingerprint.
"""),
    code("""
const trainAttacks = new Set(split.train.map((it) => it.attack));
sm.show(sm.resultsTable(ev.perAttack.map((a) => ({ attack: a.attackId, 'test clips': a.n, 'EER %': Number((100 * a.eer).toFixed(1)), minDCF: Number(a.minDcf.toFixed(3)), 'in training': trainAttacks.has(a.attackId) ? 'yes' : 'no (unseen)' })), { title: 'Per-attack EER' }));
"""),
    md("""
## A classical reference: LFCC-GMM

The ASVspoof 2019 baseline: LFCC 20 + deltas + double deltas per 20 ms frame, one diagonal
Gaussian mixture per class, clip score = mean frame log-likelihood ratio. Same split. 32 components
per class here to keep `npm start` short (`specmorph train --arch gmm` defaults to 64); the README
compares it with scikit-learn.
"""),
    code("""
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
"""),
    md("""
## Where does the model look?

**Gradient × input** marks the input pixels whose change would move the bona fide score most
(red: pushes towards bona fide, blue: towards spoof). **Grad-CAM** weights the last convolution
block's activation maps by their gradient: a coarser map of the regions that mattered.
"""),
    code("""
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
"""),
])

# ------------------------------------------------------------------------------------------------
write("04-ablation-report", [
    md("""
# 4. Does morphological preprocessing help? An ablation

**Question.** Does applying a grey-level morphology operator to the dB spectrogram, before the CNN
sees it, change how well the detector separates bona fide from spoofed speech?

**Design.** One *arm* per preprocessing: none (the baseline), or erosion, dilation, opening, closing
or a white or black top-hat with the rect 3×3 footprint, inserted right after the dB stage (`specmorph ablate
--footprints all` adds lines of 5 along time and along frequency), plus a *learned* arm: no fixed
operator, but a morphology block with trainable structuring functions in front of the CNN.
Everything else is identical across arms: the same train/test split (meta.csv: speakers and
sentences disjoint), the same training recipe (per-frequency standardisation from the training
clips, batch norm, random crops, early stopping on the EER of a speaker-disjoint validation part of
the training split), the same seeds. Each arm is trained with several seeds; seed *s* of
every arm uses the same initialisation and batch order, so the per-seed differences from the
baseline are **paired**. We report mean ± sd of the test EER, the paired difference with a 95 %
t interval and p-value, and how many seeds went each way.
"""),
    code(SETUP),
    code("""
const { cacheDir, runCacheDir } = sm.ablationCacheDirs();
const seeds = QUICK ? 2 : sm.ABLATION_DEFAULTS.seeds;
const epochs = QUICK ? 1 : sm.ABLATION_DEFAULTS.epochs;
const arms = QUICK ? sm.ablationArms(['opening', 'whiteTopHat'], [{ shape: 'rect', rows: 3, cols: 3 }]) : sm.ablationArms();
console.log(`${arms.length} arms × ${seeds} seeds, ${epochs} epochs each${QUICK ? ' (QUICK mode: a smoke test, not the real experiment)' : ''}`);
const bar = sm.progress(arms.length * seeds, { label: 'runs' });
const result = await sm.runAblation(DATA, { seeds, epochs, arms, cacheDir, runCacheDir, onEvent: (e) => { if (e.kind === 'run') bar.update(e.runsDone, `${e.arm} seed ${e.seed}: EER ${(100 * e.eer).toFixed(1)}%`); } });
bar.done();
console.log(`backend: ${result.backend}`);
console.log(`model: ${result.model}`);
console.log(`test: ${result.data.split.test} clips; train: ${result.data.split.train} clips; features ${result.data.features.rows}×${result.data.features.cols}`);
"""),
    md("""
## Results

EER in percent (lower is better). Δ is EER(arm) − EER(none) in percentage points, averaged over
paired seeds; negative means the arm beat the baseline.
"""),
    code("""
sm.show(sm.ablationTableFigure(result));
"""),
    code("""
sm.show(sm.ablationFigure(result));
"""),
    code("""
sm.show(sm.pairedFigure(result));
"""),
    md("""
## Per attack

Mean test EER (%) over seeds, each attack's spoofs against all test bona fide clips.
"""),
    code("""
sm.show(sm.resultsTable(sm.perAttackRows(result), { title: 'Per-attack EER (%) by arm', width: 1100 }));
"""),
    md("""
## Conclusion

The text below is generated from the numbers above by `sm.conclusion(result)`: each sentence is a
branch on the measured intervals, so it cannot claim an effect the numbers do not show.
"""),
    code("""
import * as tslab from 'tslab';
tslab.display.markdown(sm.conclusion(result));
"""),
])

# ------------------------------------------------------------------------------------------------
write("05-learned-morphology", [
    md("""
# 5. Learned morphology: let the detector choose its structuring elements

Notebook 4 asks which *fixed* operator and footprint helps, one arm at a time. Here we ask the
detector instead: a **morphology layer** with trainable structuring elements sits in front of the
CNN, and gradient descent shapes them together with the convolutions (morphological neural
networks: Mondal et al. 2019, Franchi et al. 2020).
"""),
    code(SETUP),
    md("""
## Morphology with a structuring *function*

Grey-level dilation and erosion with a structuring function `w` (Soille's non-flat operators):

- dilation `(f ⊕ w)(p) = max over b of f(p − b) + w(b)`
- erosion `(f ⊖ w)(p) = min over b of f(p + b) − w(b)`

A flat footprint is the special case `w = 0` on the footprint and `−∞` off it (the layer stores a
large negative number there). The maximum is differentiable almost everywhere: its gradient goes to
the offset that won, so `w` can be learned like a convolution kernel. `sm.morphLayer` keeps one such
function per channel, initialised from a footprint. Frozen at a flat 3×3 rectangle it is exactly
`sm.erode` with `border: 'ignore'`:
"""),
    code("""
const info = await sm.initBackend();
console.log(sm.formatBackendInfo(info));
const clip = ds.items.find((it) => it.label === 'bonafide')!;
const db = sm.runPipeline(await sm.loadAudio(clip.path), sm.ABLATION_PIPELINE).output as sm.Grid;
const frozenErode = sm.morphLayer({ operation: 'erode', init: { shape: 'rect', rows: 3, cols: 3 }, trainable: false });
const [byLayer] = sm.applyMorphLayer(frozenErode, db);
const byMorphology = sm.erode(db, sm.footprint.rect(3, 3), { border: 'ignore' });
console.log(`max |layer − sm.erode| = ${Math.max(...byLayer.data.map((v, i) => Math.abs(v - byMorphology.data[i])))}`);
sm.show(sm.compareStages({ input: db, 'sm.erode rect 3×3': byMorphology, 'frozen morph layer': byLayer }, { columns: 3, title: `${rel(clip.path)}: erosion two ways` }));
"""),
    md("""
## Data and features

The same held-out split (speakers and sentences disjoint) and the same 64×64 features as
notebook 3.
"""),
    code("""
const split = sm.heldOutSplit({ ...ds, items: sm.withMetaSpeakers(ds) });
const { cacheDir } = sm.ablationCacheDirs();
const bar = sm.progress(split.train.length + split.test.length, { label: 'features' });
const feats = await sm.computeFeatures([...split.train, ...split.test].map((it) => it.path), sm.ABLATION_PIPELINE, { cacheDir, onProgress: (d) => bar.update(d) });
bar.done(`${feats.rows}×${feats.cols}, ${feats.cacheHits} from cache`);
const trainX = feats.features.slice(0, split.train.length);
const testX = feats.features.slice(split.train.length);
const trainY = split.train.map((it) => (it.label === 'bonafide' ? 1 : 0));
"""),
    md("""
## A CNN with a learned morphology block

`sm.morphCnn` puts `sm.morphBlock` in front of a backbone, here the small CNN of notebook 3. The
block learns an erosion and a dilation, each with two structuring functions initialised as a flat
3×3 rectangle, and passes the input through beside them: the CNN sees 5 channels and can use or
ignore each. After every epoch we keep a copy of the structuring functions.
"""),
    code("""
import * as tf from '@tensorflow/tfjs-layers';
// `npm start` runs every notebook: 6 epochs for each of two models keep this one near 2 minutes.
const epochs = QUICK ? 2 : 6;
const morphModel = sm.morphCnn([feats.rows, feats.cols, 1], {
  block: { operations: ['erode', 'dilate'], depthMultiplier: 2, init: { shape: 'rect', rows: 3, cols: 3 } },
  backbone: (h) => sm.smallCnn(h.shape.slice(1) as number[], { seed: 0 }).apply(h) as tf.SymbolicTensor,
});
const layers = sm.morphLayers(morphModel);
const history: Record<string, sm.StructureHistoryEntry[]> = Object.fromEntries(layers.map((l) => [l.name, []]));
const chart = sm.liveChart({ title: 'Training with the morph block', xTitle: 'epoch' });
const withBlock = await sm.trainClassifier({ inputs: trainX, labels: trainY }, {
  model: morphModel, epochs, seed: 0, classWeight: 'balanced', validationSplit: 0.2, progress: false, log: null,
  onEpoch: (l) => {
    for (const layer of layers) history[layer.name].push({ epoch: l.epoch, snapshot: sm.structureSnapshot(layer) });
    chart.update(l.epoch, { loss: l.loss, valLoss: l.valLoss, accuracy: l.accuracy, valAccuracy: l.valAccuracy });
  },
});
"""),
    md("""
## What did it learn?

Each small heatmap is one structuring function: rows are frequency offsets, columns time offsets
from the centre. White is 0 (the flat start); red raises a neighbour's weight in the max (for the
dilation) or lowers it in the min (for the erosion), blue the opposite. A structuring function that
stays white was not worth changing.
"""),
    code("""
for (const layer of sm.morphLayers(withBlock.model)) sm.show(sm.structuringElementsFigure(sm.structureSnapshot(layer)));
"""),
    md("""
Drag the slider to watch the erosion's structuring functions move away from the flat rectangle,
epoch by epoch (one colour scale for all epochs).
"""),
    code("""
sm.show(sm.structureEvolutionFigure(history[layers[0].name]));
"""),
    md("""
## The learned operators on a bona fide and a spoofed clip

Left a bona fide test clip, right a spoofed one, both as the CNN receives them; below, each
learned operator's output channel.
"""),
    code("""
const bonaIdx = split.test.findIndex((it) => it.label === 'bonafide');
const spoofIdx = split.test.findIndex((it) => it.label === 'spoof');
for (const layer of sm.morphLayers(withBlock.model)) {
  sm.show(sm.learnedOperatorFigure(layer, { bonafide: testX[bonaIdx], spoof: testX[spoofIdx] }, { title: `learned ${layer.operation}: ${rel(split.test[bonaIdx].path)} vs ${rel(split.test[spoofIdx].path)} (${split.test[spoofIdx].attack})` }));
}
"""),
    md("""
## With and without the block

The same CNN, seed, epochs and data without the block. One seed is an anecdote, not a result:
the ablation (notebook 4) compares arms over several seeds with paired intervals.
"""),
    # `epochs: epochs`, not the shorthand: tslab does not see a previous cell's const through it.
    code("""
// The same backbone as a given model, so neither network gets the built-in input standardisation.
const plain = await sm.trainClassifier({ inputs: trainX, labels: trainY }, { model: sm.smallCnn([feats.rows, feats.cols, 1], { seed: 0 }), epochs: epochs, seed: 0, classWeight: 'balanced', validationSplit: 0.2, progress: false, log: null });
const evaluate = (model: tf.LayersModel) => {
  const scores = sm.predictScores(model, testX);
  return sm.evaluateScores(split.test.map((it, i) => ({ uttId: it.id, attackId: it.attack ?? '-', key: it.label, score: scores[i] })));
};
const rows = [['CNN', plain], ['morph block + CNN', withBlock]].map(([name, r]) => {
  const ev = evaluate((r as sm.TrainResult).model);
  return { model: name as string, 'test EER %': Number((100 * ev.eer).toFixed(2)), 'ROC AUC': Number(ev.auc.toFixed(3)), 'ms, last epoch': Math.round((r as sm.TrainResult).history[(r as sm.TrainResult).history.length - 1].ms) };
});
sm.show(sm.resultsTable(rows, { title: `One seed, ${epochs} epochs${QUICK ? ' (quick mode)' : ''}` }));
for (const r of [plain, withBlock]) r.model.dispose();
"""),
])


def adopt(src_dir):
    """Copies executed notebooks from `src_dir` (e.g. reports/notebooks) over the sources, dropping the
    ~10 MB plotly.js loader output: GitHub shows the PNGs without it, and a live kernel re-embeds it."""
    for p in sorted(Path(src_dir).glob("[0-9][0-9]-*.ipynb")):
        nb = json.loads(p.read_text())
        count = 0
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                c["outputs"] = [o for o in c["outputs"] if "embedded by specmorph" not in "".join(o.get("data", {}).get("text/html", ""))]
                # Number the cells (tslab sends no execute_input, so plain nbconvert leaves them null).
                count += 1
                c["execution_count"] = count
        (HERE / p.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        print("adopted", p.name, (HERE / p.name).stat().st_size // 1024, "KB")


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--adopt":
        adopt(sys.argv[2])
    else:
        print("wrote", sorted(p.name for p in HERE.glob("*.ipynb")))
