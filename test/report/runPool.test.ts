// The ablation's trainings on worker threads: every run is seeded and independent, so jobs = 2 must
// give bit-identical scores to jobs = 1 (with the real tfjs trainer and the LFCC-GMM reference), a
// failing run is named and stops every worker, and the run cache and progress keep working.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ablationArms } from '../../src/report/arms';
import { runAblation, type AblationEvent, type AblationResult } from '../../src/report/ablation';
import { ablationMarkdown } from '../../src/report/figures';
import { defaultTrainer } from '../../src/report/trainer';
import { minDcf } from '../../src/metrics';
import { fakeWorkerTrainer } from '../helpers/ablationTrainers';
import { TINY_PIPELINE, writeTinyCorpus } from '../helpers/tinyCorpus';

const dir = mkdtempSync(join(tmpdir(), 'specmorph-runpool-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeTinyCorpus(join(dir, 'corpus'));
const corpus = join(dir, 'corpus');
const arms = ablationArms(['opening', 'whiteTopHat'], [{ shape: 'rect', rows: 3, cols: 3 }], false);

/** Everything a run's result depends on (not its wall time or whether it came from the cache). */
const outcome = (r: AblationResult) => ({
  arms: r.arms.map((a) => ({
    name: a.name,
    runs: a.runs.map(({ seed, eer, auc, minDcf, scores, perAttack, history }) => ({
      seed,
      eer,
      auc,
      minDcf,
      scores,
      perAttack,
      history,
    })),
    vsBaseline: a.vsBaseline,
  })),
  reference: r.reference?.runs.map(({ seed, eer, scores }) => ({ seed, eer, scores })),
});

test('runAblation defaultTrainer 3 arms x 2 seeds + LFCC-GMM, 2 epochs: jobs=2 (worker threads) bit-identical to jobs=1', async () => {
  const opts = {
    base: TINY_PIPELINE,
    arms,
    seeds: 2,
    epochs: 2,
    trainer: defaultTrainer({ cropFrames: 16, batchSize: 8 }),
    workers: 0,
    cacheDir: join(dir, 'features'),
    reference: { components: 4 },
  };
  const one = await runAblation(corpus, { ...opts, jobs: 1 });
  const trainEvents: string[] = [];
  const two = await runAblation(corpus, {
    ...opts,
    jobs: 2,
    onEvent: (e) => {
      if (e.kind === 'train') trainEvents.push(`${e.arm} ${e.seed} ${e.epoch}`);
    },
  });
  assert.deepEqual(outcome(two), outcome(one));
  // Progress comes back from the workers: every epoch of every run.
  assert.equal(trainEvents.length, arms.length * 2 * 2);
  // The runs learned something (the classes differ in noise), so identity is not that of constant scores.
  assert.ok(new Set(one.arms[0].runs[0].scores).size > 4, 'scores vary across test clips');
  assert.equal(one.arms[0].runs[0].scores.length, one.data.split.test);
});

test('runAblation jobs=2 with a worker-rebuildable trainer: same runs as jobs=1, cached runs reused, minDCF from the scores', async () => {
  const cache = join(dir, '.runs');
  const opts = {
    base: TINY_PIPELINE,
    arms,
    seeds: 3,
    epochs: 2,
    workers: 0,
    cacheDir: null,
    runCacheDir: cache,
  };
  const seq = await runAblation(corpus, { ...opts, runCacheDir: null, jobs: 1, trainer: fakeWorkerTrainer() });
  // The baseline's seed 1 is cached beforehand: the workers then train runs whose ids skip it.
  await runAblation(corpus, { ...opts, arms: arms.slice(0, 1), seeds: [1], jobs: 1, trainer: fakeWorkerTrainer() });
  const events: AblationEvent[] = [];
  const par = await runAblation(corpus, {
    ...opts,
    jobs: 2,
    trainer: fakeWorkerTrainer({ epochMs: 5 }),
    onEvent: (e) => events.push(e),
  });
  assert.deepEqual(outcome(par), outcome(seq));
  assert.deepEqual(
    par.arms.map((a) => a.runs.map((r) => r.cached)),
    [
      [false, true, false],
      [false, false, false],
      [false, false, false],
    ],
  );
  const done = events.filter((e) => e.kind === 'run');
  assert.deepEqual(
    done.map((e) => e.runsDone),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    done.map((e) => `${e.arm} ${e.seed}`).sort(),
    arms.flatMap((a) => [0, 1, 2].map((s) => `${a.name} ${s}`)).sort(),
  );
  assert.equal(readdirSync(cache).length, 9);
  // minDCF per run from its stored scores (bona fide first in the scores' test order is not assumed).
  const split = par.data.split;
  const run = par.arms[1].runs[2];
  assert.equal(run.scores.length, split.test);
  assert.ok(run.minDcf >= 0 && run.minDcf <= 1.0000001, `minDcf ${run.minDcf}`);
  const a = par.arms[1];
  assert.equal(a.minDcf.mean, a.runs.reduce((s, r) => s + r.minDcf, 0) / a.runs.length);
  assert.match(ablationMarkdown(par).split('\n')[0], /\| minDCF \(mean ± sd\) \|/);
  assert.ok(
    ablationMarkdown(par)
      .split('\n')[3]
      .includes(`${a.minDcf.mean.toFixed(3)} ± ${a.minDcf.std.toFixed(3)}`),
  );
  // Everything cached: no worker is needed, every run says so.
  const again = await runAblation(corpus, { ...opts, jobs: 2, trainer: fakeWorkerTrainer({ failSeed: 1 }) });
  assert.ok(again.arms.every((x) => x.runs.every((r) => r.cached)));
  assert.deepEqual(outcome(again), outcome(seq));
});

test('minDcf of a stored run equals minDcf of its scores split by label', async () => {
  const r = await runAblation(corpus, {
    base: TINY_PIPELINE,
    arms: arms.slice(0, 1),
    seeds: 1,
    epochs: 1,
    workers: 0,
    jobs: 1,
    trainer: fakeWorkerTrainer(),
  });
  const { heldOutSplit, withMetaSpeakers } = await import('../../src/report/split');
  const { scanFolderDataset } = await import('../../src/dataset/folder');
  const ds = await scanFolderDataset(corpus);
  const test = heldOutSplit({ ...ds, items: withMetaSpeakers(ds) }).test;
  const run = r.arms[0].runs[0];
  const of = (label: string) => run.scores.filter((_, i) => test[i].label === label);
  assert.equal(run.minDcf, minDcf(of('bonafide'), of('spoof')).minDcf);
});

test('runAblation jobs=2: a failing run is named, the other worker stops, nothing is cached for it', async () => {
  const log = mkdtempSync(join(dir, 'log-'));
  const cache = join(dir, '.runs-fail');
  await assert.rejects(
    runAblation(corpus, {
      base: TINY_PIPELINE,
      arms,
      seeds: 2,
      epochs: 40,
      workers: 0,
      jobs: 2,
      runCacheDir: cache,
      // Seed 0 of "none" trains slowly on one worker while seed 1 fails on the other.
      trainer: fakeWorkerTrainer({ failSeed: 1, epochMs: 20, logDir: log }),
    }),
    (e: Error) => e.name === 'ParameterError' && e.message === 'none seed 1: fake failure on seed 1',
  );
  const before = readdirSync(log).length;
  assert.ok(before < 40, `seed 0 stopped early (${before} epochs logged)`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(readdirSync(log).length, before, 'no worker trains after the rejection');
  assert.deepEqual(readdirSync(dir).includes('.runs-fail') ? readdirSync(cache) : [], []);
  // In the calling thread (jobs 1) the failure is named the same way.
  await assert.rejects(
    runAblation(corpus, {
      base: TINY_PIPELINE,
      arms,
      seeds: 2,
      epochs: 1,
      workers: 0,
      jobs: 1,
      trainer: fakeWorkerTrainer({ failSeed: 1 }),
    }),
    (e: Error) => e.name === 'ParameterError' && e.message === 'none seed 1: fake failure on seed 1',
  );
  await assert.rejects(
    runAblation(corpus, { base: TINY_PIPELINE, arms, seeds: 1, epochs: 1, jobs: 0, trainer: fakeWorkerTrainer() }),
    /jobs=0 must be 'auto' or an integer >= 1/,
  );
  const { jobs: _, ...noWorker } = { ...fakeWorkerTrainer(), jobs: 0 };
  delete (noWorker as { worker?: unknown }).worker;
  await assert.rejects(
    runAblation(corpus, { base: TINY_PIPELINE, arms, seeds: 1, epochs: 1, jobs: 2, trainer: noWorker }),
    /jobs=2: trainer "fake mean-value scorer \(worker\)" names no worker module \(trainer\.worker\); use jobs: 1/,
  );
});
