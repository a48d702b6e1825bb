import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { computeFeatures, cachePath, defaultCacheDir } from '../../src/dataset';
import { cacheDirArg } from '../../src/cli/data';
import { ablationCacheDirs } from '../../src/report/arms';
import { encodeWav, sine } from '../../src/audio';
import { PipelineConfig } from '../../src/pipeline/config';

const config: PipelineConfig = {
  stages: [
    { op: 'crop', seconds: 0.1 },
    { op: 'stft', nFft: 128, hopLength: 64, winLength: 128 },
    { op: 'db' },
    { op: 'resize', rows: 8, cols: 12 },
  ],
};

test('feature cache: same-length corruption, a NaN, swapped rows/cols header are detected and recomputed', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-cache-'));
  const warned: string[] = [];
  const onWarn = (w: Error) => warned.push(w.message);
  process.on('warning', onWarn);
  try {
    const files = [0, 1, 2, 3].map((i) => {
      const f = path.join(dir, `c${i}.wav`);
      writeFileSync(
        f,
        encodeWav({ sampleRate: 8000, channels: [sine(300 + 100 * i, { sampleRate: 8000, duration: 0.1 })] }),
      );
      return f;
    });
    const cacheDir = path.join(dir, 'cache');
    const first = await computeFeatures(files, config, { workers: 0, cacheDir });
    const entry = (i: number) => cachePath(cacheDir, first.fingerprint, first.hashes[i]);
    // 0: one value changed in place (same length); 1: a NaN; 2: rows and cols swapped (8x12 -> 12x8, same length).
    const b0 = readFileSync(entry(0));
    b0[b0.length - 3] ^= 0x40;
    writeFileSync(entry(0), b0);
    const b1 = readFileSync(entry(1));
    b1.writeFloatLE(Number.NaN, b1.length - 8);
    writeFileSync(entry(1), b1);
    const b2 = readFileSync(entry(2));
    const rows = b2.readUInt32LE(4);
    b2.writeUInt32LE(b2.readUInt32LE(8), 4);
    b2.writeUInt32LE(rows, 8);
    writeFileSync(entry(2), b2);
    const second = await computeFeatures(files, config, { workers: 0, cacheDir });
    assert.equal(second.cacheHits, 1);
    assert.deepEqual(
      second.features.map((g) => Array.from(g.data)),
      first.features.map((g) => Array.from(g.data)),
    );
    for (const i of [0, 1, 2])
      assert.ok(
        warned.some((m) => m.startsWith(`${entry(i)}: damaged feature cache entry`)),
        `${i}: ${warned.join('\n')}`,
      );
    // The damaged entries were rewritten: a third pass reads everything from the cache.
    assert.equal((await computeFeatures(files, config, { workers: 0, cacheDir })).cacheHits, 4);
  } finally {
    process.off('warning', onWarn);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('defaultCacheDir: $SPECMORPH_CACHE, $XDG_CACHE_HOME/specmorph/features or ~/.cache; CLI, notebooks agree', () => {
  const saved = { s: process.env.SPECMORPH_CACHE, x: process.env.XDG_CACHE_HOME };
  try {
    delete process.env.SPECMORPH_CACHE;
    delete process.env.XDG_CACHE_HOME;
    assert.equal(defaultCacheDir(), path.join(homedir(), '.cache', 'specmorph', 'features'));
    process.env.XDG_CACHE_HOME = '/var/tmp/xdg';
    assert.equal(defaultCacheDir(), '/var/tmp/xdg/specmorph/features');
    process.env.SPECMORPH_CACHE = 'rel/cache';
    assert.equal(defaultCacheDir(), path.resolve('rel/cache'));
    assert.equal(cacheDirArg({}), defaultCacheDir());
    assert.equal(cacheDirArg({ cache: 'given' }), path.resolve('given'));
    assert.equal(cacheDirArg({ 'no-cache': true }), null);
    assert.deepEqual(ablationCacheDirs(), {
      cacheDir: path.resolve('rel/cache'),
      runCacheDir: path.resolve('rel/ablation-runs'),
    });
  } finally {
    for (const [k, v] of [
      ['SPECMORPH_CACHE', saved.s],
      ['XDG_CACHE_HOME', saved.x],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
