import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { pipelineFingerprint } from '../../src/pipeline/config';
import { scanFolderDataset } from '../../src/dataset';
import { ablationFeaturePlan } from '../../src/report/ablation';
import { ablationArms } from '../../src/report/arms';
import { runCli } from '../helpers/cli';

let root = '';
let data = '';
let cfg = '';
const config = {
  stages: [
    { op: 'mono' },
    { op: 'crop', seconds: 0.25 },
    { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
    { op: 'db' },
    { op: 'resize', rows: 24, cols: 24 },
  ],
};

/** Cached feature files under one pipeline fingerprint's folder. */
function cachedFiles(cacheDir: string, fingerprint: string): string[] {
  const dir = path.join(cacheDir, fingerprint.slice(0, 16));
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.f32'));
}

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-shard-'));
  data = path.join(root, 'data');
  for (let i = 0; i < 7; i++) {
    const b = path.join(data, 'bonafide', `b${i}.wav`);
    const s = path.join(data, 'spoof', 'A01', `s${i}.wav`);
    mkdirSync(path.dirname(b), { recursive: true });
    mkdirSync(path.dirname(s), { recursive: true });
    writeFileSync(
      b,
      encodeWav({ sampleRate: 16000, channels: [sine(200 + 50 * i, { sampleRate: 16000, duration: 0.25 })] }),
    );
    writeFileSync(
      s,
      encodeWav({ sampleRate: 16000, channels: [whiteNoise({ sampleRate: 16000, duration: 0.25, seed: i })] }),
    );
  }
  cfg = path.join(root, 'cfg.json');
  writeFileSync(cfg, JSON.stringify(config));
});

after(() => rmSync(root, { recursive: true, force: true }));

test('train --shard 1/2 and 2/2 in two processes fill one cache; a normal train run computes nothing', async () => {
  const cache = path.join(root, 'cache-train');
  const fp = pipelineFingerprint(config as never);
  const shards = await Promise.all(
    ['1/2', '2/2'].map((s) =>
      runCli(['train', '--data', data, '--config', cfg, '--shard', s, '--workers', '0'], cache),
    ),
  );
  shards.forEach((r, k) => {
    assert.equal(r.code, 0, r.stderr);
    // 14 clips: shard 1 takes positions 0, 2, ..., 12 (7 clips), shard 2 the other 7.
    assert.match(r.stderr, new RegExp(`shard ${k + 1}/2: 7 of 14 clips x 1 pipeline, \\d+ features computed`));
  });
  assert.equal(cachedFiles(cache, fp).length, 14, 'both shards together cached every clip');
  const model = path.join(root, 'model');
  const t = await runCli(
    ['train', '--data', data, '--config', cfg, '--out', model, '--epochs', '1', '--workers', '0'],
    cache,
  );
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /features: 24x24, 14 from cache/);
  // A shard run again finds its part cached.
  const again = await runCli(['train', '--data', data, '--config', cfg, '--shard', '2/2', '--workers', '0'], cache);
  assert.match(again.stderr, /shard 2\/2: 7 of 14 clips x 1 pipeline, 0 features computed, 7 already in/);
});

test('ablate --ops opening,closing --shard K/N fills the features of those arms and the reference', async () => {
  const cache = path.join(root, 'cache-ablate');
  const ds = await scanFolderDataset(data);
  const arms = ablationArms(['opening', 'closing']);
  const plan = ablationFeaturePlan(ds, { arms, reference: {} });
  // none, opening, closing, the learned arm (the none pipeline again) and the LFCC reference.
  assert.equal(plan.pipelines.length, 5);
  for (const s of ['1/3', '2/3', '3/3']) {
    const r = await runCli(['ablate', '--data', data, '--ops', 'opening,closing', '--shard', s], cache);
    assert.equal(r.code, 0, r.stderr);
  }
  for (const p of plan.pipelines)
    assert.equal(cachedFiles(cache, pipelineFingerprint(p)).length, plan.files.length, JSON.stringify(p.stages.at(-1)));
  // Only those: 4 distinct pipelines.
  assert.equal(readdirSync(cache).length, 4);
});

test('--shard errors name the option and the value; nothing is computed', async () => {
  const cache = path.join(root, 'cache-bad');
  const cases: [string[], RegExp][] = [
    [['train', '--data', data, '--shard', '0/2'], /--shard="0\/2": K=0 must be in \[1, 2\] \(shards count from 1\)/],
    [['train', '--data', data, '--shard', '3/2'], /--shard="3\/2": K=3 must be in \[1, 2\]/],
    [['train', '--data', data, '--shard', '1/0'], /--shard="1\/0": N=0 must be an integer >= 1/],
    [['ablate', '--data', data, '--shard', 'half'], /ablate: --shard="half" must be K\/N/],
    [
      ['ablate', '--data', data, '--ops', 'opening,open'],
      /ablate: --ops="opening,open": "open" is not one of erode, dilate/,
    ],
    [['ablate', '--data', data, '--ops', 'erode,erode'], /--ops="erode,erode": list each operator once, from one of/],
    [
      ['train', '--data', data, '--shard', '1/2', '--no-cache'],
      /--shard fills the feature cache; it cannot be combined with --no-cache/,
    ],
    [
      ['train', '--data', data, '--shard', '1/2', '--out', path.join(root, 'm')],
      /--shard only fills the feature cache and writes no --out/,
    ],
  ];
  for (const [args, re] of cases) {
    const r = await runCli(args, cache);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr.trim(), re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(existsSync(cache), false);
});
