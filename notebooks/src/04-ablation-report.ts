// %% [markdown]
// # 4. Does morphological preprocessing help? An ablation
//
// **Question.** Does applying a grey-level morphology operator to the dB spectrogram, before the CNN
// sees it, change how well the detector separates bona fide from spoofed speech?
//
// **Design.** One *arm* per preprocessing: none (the baseline), or erosion, dilation, opening, closing
// or a white or black top-hat with the rect 3×3 footprint, inserted right after the dB stage (`specmorph ablate
// --footprints all` adds lines of 5 along time and along frequency), plus a *learned* arm: no fixed
// operator, but a morphology block with trainable structuring functions in front of the CNN.
// Everything else is identical across arms: the same train/test split (meta.csv: speakers and
// sentences disjoint), the same training recipe (per-frequency standardisation from the training
// clips, batch norm, random crops, early stopping on the EER of a speaker-disjoint validation part of
// the training split), the same seeds. Each arm is trained with several seeds; seed *s* of
// every arm uses the same initialisation and batch order, so the per-seed differences from the
// baseline are **paired**. We report mean ± sd of the test EER, the paired difference with a 95 %
// t interval and p-value, and how many seeds went each way.

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
const { cacheDir, runCacheDir } = sm.ablationCacheDirs();
const seeds = QUICK ? 2 : sm.ABLATION_DEFAULTS.seeds;
const epochs = QUICK ? 1 : sm.ABLATION_DEFAULTS.epochs;
const arms = QUICK ? sm.ablationArms(['opening', 'whiteTopHat'], [{ shape: 'rect', rows: 3, cols: 3 }]) : sm.ablationArms();
console.log(`${arms.length} arms × ${seeds} seeds, ${epochs} epochs each${QUICK ? ' (QUICK mode: a smoke test, not the real experiment)' : ''}`);
const bar = sm.progress(arms.length * seeds, { label: 'runs' });
// Beside the arms, the classical reference: the ASVspoof 2019 LFCC-GMM on the same split (not in quick mode).
const reference = QUICK ? null : {};
const result = await sm.runAblation(DATA, { seeds, epochs, arms, cacheDir, runCacheDir, reference, onEvent: (e) => { if (e.kind === 'run') bar.update(e.runsDone, `${e.arm} seed ${e.seed}: EER ${(100 * e.eer).toFixed(1)}%`); } });
bar.done();
console.log(`backend: ${result.backend}`);
console.log(`model: ${result.model}`);
console.log(`test: ${result.data.split.test} clips; train: ${result.data.split.train} clips; features ${result.data.features.rows}×${result.data.features.cols}`);

// %% [markdown]
// ## Results
//
// EER in percent (lower is better). Δ is EER(arm) − EER(none) in percentage points, averaged over
// paired seeds; negative means the arm beat the baseline.

// %%
sm.show(sm.ablationTableFigure(result));

// %%
sm.show(sm.ablationFigure(result));

// %%
sm.show(sm.pairedFigure(result));

// %% [markdown]
// ## Per attack
//
// Mean test EER (%) over seeds, each attack's spoofs against all test bona fide clips; the last
// column is the LFCC-GMM reference (no morphology, a different model: not an arm).

// %%
sm.show(sm.resultsTable(sm.perAttackRows(result), { title: 'Per-attack EER (%) by arm', width: 1100 }));

// %% [markdown]
// ## Conclusion
//
// The text below is generated from the numbers above by `sm.conclusion(result)`: each sentence is a
// branch on the measured intervals, so it cannot claim an effect the numbers do not show.

// %%
import * as tslab from 'tslab';
tslab.display.markdown(sm.conclusion(result));
