// The ablation runner with a stand-in trainer (no tfjs): every arm sees the same split, seeds pair up,
// finished runs come back from the run cache, and the conclusion text follows the numbers.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { ABLATION_PIPELINE, ablationArms, armPipeline } from '../../src/report/arms';
import { runAblation, type AblationResult } from '../../src/report/ablation';
import { conclusion, verdict } from '../../src/report/conclusion';
import {
  ablationFigure,
  ablationMarkdown,
  ablationRows,
  perAttackMarkdown,
  perAttackRows,
} from '../../src/report/figures';
import { heldOutSplit, readCorpusMeta } from '../../src/report/split';
import { parseCsv } from '../../src/dataset/meta';
import type { AblationTrainer } from '../../src/report/trainer';
import { scanFolderDataset } from '../../src/dataset/folder';
import { TINY_PIPELINE, writeTinyCorpus } from '../helpers/tinyCorpus';
import type { Grid } from '../../src/grid/grid';
import type { MorphologyOp } from '../../src/pipeline/config';

const dir = mkdtempSync(join(tmpdir(), 'specmorph-ablation-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeTinyCorpus(dir);

/** Scores = mean feature value + seed jitter: deterministic, and it records what it was given. */
function fakeTrainer(calls: { n: number; test: number; seed: number; first: number }[]): AblationTrainer {
  return {
    model: 'fake mean-value scorer',
    backend: async () => 'fake (test)',
    async fitAndScore(train, test, o) {
      calls.push({ n: train.features.length, test: test.length, seed: o.seed, first: train.features.get(0).data[0] });
      for (let e = 1; e <= o.epochs; e++) o.onEpoch?.({ epoch: e, loss: 1 / e });
      const m = (g: Grid) => g.data.reduce((s, v) => s + v, 0) / g.data.length;
      return {
        scores: Float64Array.from({ length: test.length }, (_, i) => m(test.get(i)) + 0.01 * Math.sin(i * 7 + o.seed)),
        history: Array.from({ length: o.epochs }, (_, e) => ({ epoch: e + 1, loss: 1 / (e + 1) })),
      };
    },
  };
}

const small = TINY_PIPELINE;

test('parseCsv: quoted commas, doubled quotes, CRLF, no trailing empty row', () => {
  assert.deepEqual(parseCsv('a,b\r\n"x, y","say ""hi"""\n'), [
    ['a', 'b'],
    ['x, y', 'say "hi"'],
  ]);
  assert.throws(() => parseCsv('a,"b\n', 'f.csv'), /f\.csv: unterminated quoted field/);
});

test('heldOutSplit by meta.csv: 8+8 train / 4+4 test, test speakers absent from train', async () => {
  const ds = await scanFolderDataset(dir);
  const s = heldOutSplit(ds);
  assert.equal(s.by, 'meta.csv');
  assert.equal(s.train.length, 16);
  assert.equal(s.test.length, 8);
  const meta = readCorpusMeta(dir)!;
  const spk = (it: { path: string }) => meta.get(relative(dir, it.path))!.speaker;
  const trainSpk = new Set(s.train.map(spk));
  for (const it of s.test) assert.ok(!trainSpk.has(spk(it)), `${spk(it)} in both splits`);
});

test('heldOutSplit: a meta.csv without a split column gives the seeded split; one with a clip in two splits is refused', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'specmorph-ablation-nosplit-'));
  try {
    cpSync(dir, copy, { recursive: true });
    const rows = parseCsv(readFileSync(join(copy, 'meta.csv'), 'utf8'));
    const k = rows[0].indexOf('split');
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    const csv = (rs: string[][]) => `${rs.map((r) => r.map(quote).join(',')).join('\n')}\n`;
    writeFileSync(join(copy, 'meta.csv'), csv(rows.map((r) => r.filter((_, j) => j !== k))));
    const s = heldOutSplit(await scanFolderDataset(copy));
    assert.notEqual(s.by, 'meta.csv');
    assert.equal(s.train.length + s.test.length, 24);
    const twice = [...rows, rows[1].map((v, j) => (j === k ? (v === 'test' ? 'train' : 'test') : v))];
    writeFileSync(join(copy, 'meta.csv'), csv(twice));
    await assert.rejects(
      async () => heldOutSplit(await scanFolderDataset(copy)),
      new RegExp(`meta\\.csv: ${rows[1][0].replace(/[.]/g, '\\.')} is listed twice, line 2 with split`),
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('armPipeline puts the morphology stage right after db; none leaves the base unchanged', () => {
  const arm = ablationArms(['opening'], [{ shape: 'line', length: 5, axis: 'time' }])[1];
  const ops = armPipeline(ABLATION_PIPELINE, arm).stages.map((s) => s.op);
  assert.deepEqual(ops, ['mono', 'resample', 'crop', 'stft', 'db', 'opening']);
  assert.equal(arm.name, 'opening line 5 time');
  assert.deepEqual(
    armPipeline(ABLATION_PIPELINE, { name: 'none', op: 'none' }).stages.map((s) => s.op),
    ['mono', 'resample', 'crop', 'stft', 'db'],
  );
  const learned = ablationArms(['opening'])[2];
  assert.deepEqual([learned.op, learned.architecture], ['learned', 'morph-cnn']);
  assert.deepEqual(
    armPipeline(ABLATION_PIPELINE, learned),
    armPipeline(ABLATION_PIPELINE, { name: 'none', op: 'none' }),
  );
  assert.throws(
    () => armPipeline(ABLATION_PIPELINE, { name: 'x', op: 'erode' }),
    /arm "x": op=erode needs a footprint/,
  );
  // 'none' (or a typo) among the ops would have become one more baseline arm, named as if morphological
  assert.throws(
    () => ablationArms(['opening', 'none' as unknown as MorphologyOp]),
    /ops\[1\]="none" is not a morphology op \(erode, .*\); the 'none' baseline and the learned arm are added by ablationArms itself/,
  );
});

let first: AblationResult;
test('runAblation 3 arms x 2 seeds: same split and seeds for every arm, paired stats, run cache reused', async () => {
  const calls: { n: number; test: number; seed: number; first: number }[] = [];
  const cache = join(dir, '.runs');
  const arms = ablationArms(['opening', 'whiteTopHat'], [{ shape: 'rect', rows: 3, cols: 3 }], false);
  const opts = { base: small, arms, seeds: 2, epochs: 3, trainer: fakeTrainer(calls), workers: 0, runCacheDir: cache };
  first = await runAblation(dir, opts);
  assert.equal(calls.length, 6);
  assert.deepEqual(
    calls.map((c) => [c.n, c.test, c.seed]),
    [0, 1, 2].flatMap(() => [
      [16, 8, 0],
      [16, 8, 1],
    ]),
  );
  assert.equal(first.data.split.by, 'meta.csv');
  assert.deepEqual(first.data.split.testAttacks, { A1: 2, A2: 2 });
  assert.equal(first.arms[0].vsBaseline, null);
  for (const a of first.arms.slice(1)) {
    const d = a.runs.map((r, i) => r.eer - first.arms[0].runs[i].eer);
    assert.deepEqual(a.vsBaseline!.differences, d);
  }
  assert.equal(first.arms[2].runs[0].history.length, 3);
  assert.ok(Object.keys(first.arms[0].perAttack).length === 2);
  assert.equal(readdirSync(cache).length, 6);
  const again = await runAblation(dir, { ...opts, trainer: fakeTrainer(calls) });
  assert.equal(calls.length, 6, 'second run trains nothing');
  assert.ok(again.arms.every((a) => a.runs.every((r) => r.cached)));
  assert.deepEqual(
    again.arms.map((a) => a.eer),
    first.arms.map((a) => a.eer),
  );
  const more = await runAblation(dir, { ...opts, epochs: 4, trainer: fakeTrainer(calls) });
  assert.equal(calls.length, 12, 'a different epoch count is a different run');
  assert.equal(more.epochs, 4);
});

test('runAblation with a feature cache streams each arm from it: the same results as features held in memory', async () => {
  const featureCache = join(dir, '.features');
  const calls: { n: number; test: number; seed: number; first: number }[] = [];
  const arms = ablationArms(['opening', 'whiteTopHat'], [{ shape: 'rect', rows: 3, cols: 3 }], false);
  const opts = { base: small, arms, seeds: 2, epochs: 3, workers: 0, runCacheDir: null };
  const streamed = await runAblation(dir, { ...opts, trainer: fakeTrainer(calls), cacheDir: featureCache });
  // Every arm's features of all 24 clips are in the cache, and the runs saw exactly what held features give.
  const cachedEntries = readdirSync(featureCache, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.f32'),
  );
  assert.equal(cachedEntries.length, arms.length * 24);
  assert.deepEqual(
    streamed.arms.map((a) => a.runs.map((r) => [r.eer, r.auc, r.perAttack])),
    first.arms.map((a) => a.runs.map((r) => [r.eer, r.auc, r.perAttack])),
  );
  assert.deepEqual(streamed.data, first.data);
  assert.deepEqual(
    calls.map((c) => [c.n, c.test]),
    Array(6).fill([16, 8]),
  );
});

test('runAblation with LFCC and excitation rows: every arm keeps them and the trainer is told', async () => {
  const arm = ablationArms(['opening'], [{ shape: 'rect', rows: 3, cols: 3 }])[1];
  const opened = armPipeline({ ...ABLATION_PIPELINE, lfcc: {}, excitation: {} }, arm);
  assert.deepEqual([opened.lfcc, opened.excitation], [{}, {}]);
  const told: [number | undefined, boolean | undefined][] = [];
  const trainer = fakeTrainer([]);
  const fit = trainer.fitAndScore.bind(trainer);
  trainer.fitAndScore = (tr, te, o) => {
    told.push([o.excitationRows, o.gmm]);
    assert.equal(tr.features.rows, 129 + 60 + 3);
    return fit(tr, te, o);
  };
  const ds = await scanFolderDataset(dir);
  await runAblation(ds, {
    base: { ...small, lfcc: {}, excitation: {} },
    arms: ablationArms(['opening'], [{ shape: 'rect', rows: 3, cols: 3 }]),
    seeds: 1,
    epochs: 1,
    trainer,
    workers: 0,
    cacheDir: null,
    runCacheDir: null,
  });
  assert.ok(told.length >= 2 && told.every(([e, g]) => e === 3 && g === true), `expert options ${told}`);
});

test('runAblation with the LFCC-GMM reference: scored on the test split, cached, shown in the tables, the plot and the conclusion', async () => {
  const cache = join(dir, '.runs-ref');
  const events: string[] = [];
  const arms = ablationArms(['opening'], [{ shape: 'rect', rows: 3, cols: 3 }], false);
  const opts = {
    base: small,
    arms,
    seeds: 2,
    epochs: 1,
    trainer: fakeTrainer([]),
    workers: 0,
    runCacheDir: cache,
    reference: { components: 4 },
  };
  const r = await runAblation(dir, {
    ...opts,
    onEvent: (e) => {
      if (e.kind === 'reference') events.push(`${e.seed} ${e.cached}`);
    },
  });
  const ref = r.reference!;
  assert.equal(ref.name, 'LFCC-GMM reference (4 components)');
  // One seed by default (the first of the ablation's), no training history: EM, not epochs.
  assert.deepEqual(
    ref.runs.map((x) => [x.seed, x.history.length, x.cached]),
    [[0, 0, false]],
  );
  assert.deepEqual(events, ['0 false']);
  // Bona fide clips carry 4x the noise of the spoofs: the LFCC floor tells them apart on held-out speakers.
  assert.ok(ref.eer.mean <= 0.25, `reference EER ${ref.eer.mean}`);
  assert.deepEqual(Object.keys(ref.perAttack), ['A1', 'A2']);
  const rows = ablationRows(r);
  assert.equal(rows.length, arms.length + 1);
  assert.deepEqual(
    [rows.at(-1)!.arm, rows.at(-1)!.verdict, rows.at(-1)!['Δ EER pp vs none']],
    ['LFCC-GMM reference (4 components), seed 0', 'reference (not an arm)', '—'],
  );
  assert.equal(rows.at(-1)!['EER % (mean ± sd)'], (100 * ref.eer.mean).toFixed(2), 'one seed: no ± sd');
  assert.equal(perAttackRows(r)[0][ref.name], (100 * ref.perAttack.A1.mean).toFixed(1));
  assert.match(perAttackMarkdown(r).split('\n')[0], /\| LFCC-GMM reference \(4 components\) \|$/);
  const line = ablationFigure(r).data.find((t) => String(t.name).startsWith('LFCC-GMM'))!;
  assert.deepEqual(line.y, [100 * ref.eer.mean, 100 * ref.eer.mean]);
  assert.match(
    conclusion(r),
    /The classical reference, the ASVspoof 2019 LFCC-GMM baseline \(4 components, seed 0\), reached \d+\.\d% on the same split, so the baseline CNN is /,
  );
  // The second time it comes from the run cache; more seeds are more runs.
  const again = await runAblation(dir, opts);
  assert.deepEqual(
    again.reference!.runs.map((x) => x.cached),
    [true],
  );
  assert.equal(again.reference!.eer.mean, ref.eer.mean);
  const two = await runAblation(dir, { ...opts, reference: { components: 4, seeds: [0, 1] } });
  assert.deepEqual(
    two.reference!.runs.map((x) => [x.seed, x.cached]),
    [
      [0, true],
      [1, false],
    ],
  );
  // Without the option there is no reference, and the tables have one row per arm.
  assert.equal((await runAblation(dir, { ...opts, reference: null })).reference, null);
  await assert.rejects(
    runAblation(dir, { ...opts, reference: { components: 0 } }),
    /reference\.components=0 must be a positive integer/,
  );
  // Too few frames for the mixture: refused before any arm is trained.
  const trained: unknown[] = [];
  await assert.rejects(
    runAblation(dir, {
      ...opts,
      trainer: fakeTrainer(trained as never),
      runCacheDir: null,
      reference: { components: 5000 },
    }),
    /LFCC-GMM reference \(5000 components\): the bonafide training clips have \d+ LFCC frames, fewer than its 5000 components; .*--no-reference/,
  );
  assert.equal(trained.length, 0, 'no arm trained before the refusal');
});

test('runAblation rejects a first arm that is not the baseline, and duplicate names', async () => {
  await assert.rejects(
    runAblation(dir, { arms: ablationArms(['opening']).slice(1), trainer: fakeTrainer([]) }),
    /arms\[0\] must be the baseline/,
  );
  await assert.rejects(
    runAblation(dir, {
      arms: [
        { name: 'none', op: 'none' },
        { name: 'none', op: 'none' },
      ],
      trainer: fakeTrainer([]),
    }),
    /arm names must be unique/,
  );
});

function withEers(base: number[], arms: Record<string, number[]>): AblationResult {
  const mk = (name: string, eers: number[], i: number) => ({
    name,
    op: (i === 0 ? 'none' : 'opening') as 'none',
    footprint: null,
    pipelineFingerprint: 'x',
    runs: eers.map((eer, seed) => ({
      seed,
      eer,
      auc: 1 - eer,
      minDcf: 2 * eer,
      scores: [],
      perAttack: {},
      history: [],
      seconds: 0,
      cached: false,
    })),
    eer: { mean: eers.reduce((a, b) => a + b) / eers.length, std: 0 },
    auc: { mean: 0.5, std: 0 },
    minDcf: { mean: 0.5, std: 0 },
    perAttack: {},
    vsBaseline: null,
  });
  const r = structuredClone(first);
  r.seeds = base.map((_, i) => i);
  r.arms = [mk('none', base, 0), ...Object.entries(arms).map(([n, e], i) => mk(n, e, i + 1))];
  // Recompute the paired statistics the way runAblation does.
  const { pairedComparison } = require('../../src/report/stats') as typeof import('../../src/report/stats');
  for (const a of r.arms.slice(1))
    (a as { vsBaseline: unknown }).vsBaseline = pairedComparison(
      a.runs.map((x) => x.eer),
      base,
    );
  return r;
}

test('conclusion: no clear difference -> says so and claims no effect', () => {
  const r = withEers([0.2, 0.25, 0.22], { 'opening a': [0.19, 0.27, 0.22], 'opening b': [0.21, 0.24, 0.23] });
  const text = conclusion(r);
  assert.match(text, /No morphology arm differs from the baseline/);
  assert.match(text, /do not support a claim/);
  assert.doesNotMatch(text, /had a lower EER/);
  assert.ok(r.arms.slice(1).every((a) => verdict(a) === 'unclear'));
});

test('conclusion: a consistent improvement is reported with its interval, and checked against Bonferroni', () => {
  const r = withEers([0.3, 0.32, 0.31], { 'opening good': [0.2, 0.215, 0.205], 'opening same': [0.3, 0.33, 0.3] });
  assert.equal(verdict(r.arms[1]), 'lower');
  const text = conclusion(r);
  assert.match(text, /1 arm had a lower EER than the baseline/);
  assert.match(text, /\*\*opening good\*\*/);
  assert.match(text, /Bonferroni correction for 2 comparisons/);
  assert.match(text, /The other 1 arm cannot be told apart/);
});

test('conclusion: near-chance baseline gets the low-power caveat; tables have one row per arm', () => {
  const r = withEers([0.47, 0.5, 0.45], { 'opening x': [0.46, 0.49, 0.5] });
  assert.match(conclusion(r), /close to chance/);
  assert.equal(ablationRows(r).length, 2);
  assert.equal(ablationMarkdown(r).split('\n').length, 4);
});

test('operatorSummary groups arms by operator, best first, counting arms below the baseline mean', () => {
  const r = withEers([0.4, 0.4, 0.4], { a: [0.3, 0.3, 0.3], b: [0.35, 0.35, 0.35], c: [0.45, 0.45, 0.45] });
  (r.arms[3] as { op: string }).op = 'erode';
  const { operatorSummary } = require('../../src/report/conclusion') as typeof import('../../src/report/conclusion');
  const s = operatorSummary(r);
  assert.deepEqual(
    s.map((o) => o.op),
    ['opening', 'erode'],
  );
  assert.equal(s[0].below, 2);
  assert.ok(Math.abs(s[0].mean - 0.325) < 1e-12);
  assert.match(conclusion(r), /opening ranks first with all 2 of its footprints below the baseline mean/);
});
