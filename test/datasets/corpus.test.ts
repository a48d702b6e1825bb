/**
 * Checks of the committed corpus (datasets/corpus): layout and meta.csv agree, every clip has the
 * same format, the split keeps speakers and sentences apart, the classes are balanced, the size
 * stays within budget, and no trivial recording cue separates bona fide from spoof.
 * SPECMORPH_CORPUS=DIR points the checks at a freshly built copy instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { bestThresholdAccuracy, cueFeatures, fitThreshold, parseCsv, readWav, thresholdAccuracy } from './cues';

const ROOT = process.env.SPECMORPH_CORPUS ?? join(__dirname, '..', '..', 'datasets', 'corpus');
const meta = parseCsv(readFileSync(join(ROOT, 'meta.csv'), 'utf8'));

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const clips = meta.map((m) => ({ path: m.path, class: m.class, split: m.split, wav: readWav(join(ROOT, m.path)) }));

test('meta.csv lists exactly the WAV files under bonafide/ and spoof/', () => {
  const onDisk = walk(ROOT)
    .map((p) => relative(ROOT, p).split(sep).join('/'))
    .filter((p) => p.endsWith('.wav'))
    .sort();
  assert.deepEqual(meta.map((m) => m.path).sort(), onDisk);
  for (const m of meta) {
    const [top, first] = m.path.split('/');
    assert.equal(top, m.class, `${m.path}: class column ${m.class}`);
    if (m.class === 'spoof') assert.equal(first, m.system, `${m.path}: first folder under spoof/ names the system`);
    else assert.equal(m.system, 'bonafide');
    assert.ok(m.split === 'train' || m.split === 'test', `${m.path}: split=${m.split}`);
    for (const col of ['speaker', 'sentence_id', 'language', 'source_package', 'licence', 'source_file']) {
      assert.ok(m[col] !== '', `${m.path}: empty ${col}`);
    }
    if (m.class === 'spoof')
      assert.ok(
        meta.some((b) => b.path === m.bonafide_pair),
        `${m.path}: pair ${m.bonafide_pair}`,
      );
  }
});

test('every clip is 8000 Hz mono 16-bit PCM, exactly 2.000 s', () => {
  for (const c of clips) {
    assert.deepEqual(
      [c.wav.sampleRate, c.wav.channels, c.wav.bitsPerSample, c.wav.samples.length],
      [8000, 1, 16, 16000],
      c.path,
    );
  }
});

test('split: no speaker and no sentence in both train and test; spoof voices follow the rule too', () => {
  for (const col of ['speaker', 'sentence_id']) {
    const side = new Map<string, string>();
    for (const m of meta) {
      const prev = side.get(m[col]);
      assert.ok(prev === undefined || prev === m.split, `${col}=${m[col]} is in both splits`);
      side.set(m[col], m.split);
    }
  }
  const pairs = new Map(meta.map((m) => [m.path, m]));
  for (const m of meta.filter((x) => x.class === 'spoof')) {
    assert.equal(pairs.get(m.bonafide_pair)?.split, m.split, `${m.path} and its bona fide pair share a split`);
  }
});

test('classes balanced within 10% in each split, a few hundred clips per class', () => {
  for (const split of ['train', 'test']) {
    const bona = meta.filter((m) => m.split === split && m.class === 'bonafide').length;
    const spoof = meta.filter((m) => m.split === split && m.class === 'spoof').length;
    assert.ok(Math.abs(bona - spoof) <= 0.1 * Math.max(bona, spoof), `${split}: ${bona} bona fide vs ${spoof} spoof`);
  }
  const bonaAll = meta.filter((m) => m.class === 'bonafide').length;
  assert.ok(bonaAll >= 250, `only ${bonaAll} bona fide clips`);
  assert.ok(meta.length - bonaAll >= 250, `only ${meta.length - bonaAll} spoof clips`);
});

test('datasets/ stays within 25 MB on disk', () => {
  // Counted in 4 KiB blocks, as `du` does; a rebuilt copy elsewhere is measured on its own.
  const dir = process.env.SPECMORPH_CORPUS === undefined ? join(ROOT, '..') : ROOT;
  const bytes = walk(dir).reduce((s, p) => s + Math.ceil(statSync(p).size / 4096) * 4096, 0);
  assert.ok(bytes <= 25 * 1024 * 1024, `${dir} holds ${(bytes / 2 ** 20).toFixed(1)} MiB`);
  if (process.env.SPECMORPH_CORPUS === undefined) assert.ok(existsSync(join(dir, 'README.md')), 'datasets/README.md');
});

test('no trivial cue separates the classes: best single-threshold balanced accuracy <= 0.65 on the test split', (t) => {
  const feats = clips.map((c) => cueFeatures(c.wav));
  const names = Object.keys(feats[0]);
  const isBona = clips.map((c) => c.class === 'bonafide');
  const inSplit = (s: string) => clips.map((c, i) => (c.split === s ? i : -1)).filter((i) => i >= 0);
  const train = inSplit('train');
  const testIdx = inSplit('test');
  const rows: string[] = [];
  const failures: string[] = [];
  for (const name of names) {
    const v = (idx: number[]) => idx.map((i) => feats[i][name]);
    const y = (idx: number[]) => idx.map((i) => isBona[i]);
    const oracle = bestThresholdAccuracy(v(testIdx), y(testIdx)).accuracy;
    const fit = fitThreshold(v(train), y(train));
    const transfer = thresholdAccuracy(v(testIdx), y(testIdx), fit.threshold, fit.below);
    rows.push(`${name.padEnd(18)} test-oracle ${oracle.toFixed(3)}  train-fit->test ${transfer.toFixed(3)}`);
    if (oracle > 0.65) failures.push(`${name}: ${oracle.toFixed(3)}`);
  }
  for (const r of rows) t.diagnostic(r);
  assert.deepEqual(failures, [], `cues above 0.65 on the test split:\n${rows.join('\n')}`);
});
