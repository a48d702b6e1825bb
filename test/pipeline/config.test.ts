import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PIPELINE,
  resolvePipelineConfig,
  pipelineFingerprint,
  pipelineToJson,
  parsePipelineConfig,
  canonicalJson,
  PipelineConfig,
} from '../../src/pipeline/config';
import { CONFIG_ZOO } from './configZoo';

const withMorph: PipelineConfig = CONFIG_ZOO['config test withMorph'];

test('resolvePipelineConfig writes every default out', () => {
  const r = resolvePipelineConfig({ stages: [{ op: 'stft' }, { op: 'db' }] });
  assert.deepEqual(r.stages[0], {
    op: 'stft',
    nFft: 512,
    hopLength: 160,
    winLength: 400,
    window: 'hann',
    center: true,
    padMode: 'constant',
    power: 2,
  });
  assert.deepEqual(r.stages[1], { op: 'db', ref: 1, topDb: 80 });
  assert.deepEqual(
    resolvePipelineConfig(DEFAULT_PIPELINE),
    resolvePipelineConfig(resolvePipelineConfig(DEFAULT_PIPELINE)),
  );
});

test('pipeline JSON round-trips and the fingerprint ignores key order and spelled-out defaults', () => {
  const text = pipelineToJson(withMorph);
  const back = parsePipelineConfig(text);
  assert.deepEqual(back, resolvePipelineConfig(withMorph));
  assert.equal(pipelineFingerprint(back), pipelineFingerprint(withMorph));
  assert.match(pipelineFingerprint(withMorph), /^[0-9a-f]{64}$/);
  const reordered = JSON.parse(JSON.stringify(withMorph), (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
  );
  assert.equal(pipelineFingerprint(reordered), pipelineFingerprint(withMorph));
  const spelled = {
    stages: [
      ...withMorph.stages.slice(0, 4),
      { op: 'opening', footprint: { shape: 'rect', rows: 3, cols: 3 } },
      ...withMorph.stages.slice(5),
    ],
  };
  assert.equal(pipelineFingerprint(spelled as PipelineConfig), pipelineFingerprint(withMorph));
  const changed = JSON.parse(JSON.stringify(withMorph));
  changed.stages[4].footprint.rows = 5;
  assert.notEqual(pipelineFingerprint(changed), pipelineFingerprint(withMorph));
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
});

test('DEFAULT_PIPELINE is frozen deeply', () => {
  assert.throws(() => {
    (DEFAULT_PIPELINE.stages as unknown[]).push({ op: 'mono' });
  });
});

const bad: [string, unknown, RegExp][] = [
  [
    'footprint rows=0',
    { stages: [{ op: 'stft' }, { op: 'opening', footprint: { shape: 'rect', rows: 0, cols: 3 } }] },
    /stages\[1\]\.footprint\.rows=0 must be a positive integer/,
  ],
  ['unknown op', { stages: [{ op: 'stft' }, { op: 'blur' }] }, /stages\[1\]\.op="blur" is not a pipeline stage/],
  ['unknown parameter', { stages: [{ op: 'stft', nfft: 512 }] }, /stages\[0\]\.nfft is not a parameter of op "stft"/],
  ['no spectral stage', { stages: [{ op: 'mono' }] }, /exactly one spectral stage .* found 0/],
  ['two spectral stages', { stages: [{ op: 'stft' }, { op: 'mel' }] }, /found 2 at stages\[0\], stages\[1\]/],
  ['audio after spectral', { stages: [{ op: 'stft' }, { op: 'mono' }] }, /stages\[1\]\.op="mono" is an audio stage/],
  [
    'db on mfcc',
    { stages: [{ op: 'mfcc' }, { op: 'db' }] },
    /stages\[1\]\.op="db" needs a power\/amplitude spectrogram/,
  ],
  [
    'db after resize',
    { stages: [{ op: 'stft' }, { op: 'resize' }, { op: 'db' }] },
    /stages\[2\]\.op="db" must come right after/,
  ],
  [
    'winLength > nFft',
    { stages: [{ op: 'stft', nFft: 256 }] },
    /stages\[0\]\.winLength=400 must be <= stages\[0\]\.nFft=256/,
  ],
  [
    'bad border',
    { stages: [{ op: 'stft' }, { op: 'erode', footprint: { shape: 'disk', radius: 1 }, border: 'wrap' }] },
    /stages\[1\]\.border="wrap" must be/,
  ],
  ['missing footprint', { stages: [{ op: 'stft' }, { op: 'closing' }] }, /stages\[1\]\.footprint is required/],
  [
    'line without axis',
    { stages: [{ op: 'stft' }, { op: 'closing', footprint: { shape: 'line', length: 3 } }] },
    /stages\[1\]\.footprint\.axis is required/,
  ],
  [
    'mask with a 2',
    { stages: [{ op: 'stft' }, { op: 'dilate', footprint: { shape: 'mask', mask: [[1, 2]] } }] },
    /stages\[1\]\.footprint\.mask\[0\]\[1\]=2 must be 0 or 1/,
  ],
  [
    'resample 0',
    { stages: [{ op: 'resample', sampleRate: 0 }, { op: 'stft' }] },
    /stages\[0\].sampleRate=0 must be a positive integer/,
  ],
  [
    'zscore with min',
    { stages: [{ op: 'stft' }, { op: 'normalise', method: 'zscore', min: 0 }] },
    /stages\[1\]\.min does not apply to method "zscore"/,
  ],
  ['stages not array', { stages: 3 }, /stages=3 must be an array/],
  ['extra top-level field', { stages: [{ op: 'stft' }], name: 'x' }, /config\.name is not a pipeline field/],
];
for (const [name, cfg, re] of bad) {
  test(`resolvePipelineConfig rejects ${name}, naming the JSON path`, () => {
    assert.throws(() => resolvePipelineConfig(cfg), re);
  });
}

test('parsePipelineConfig names the source on bad JSON and bad values', () => {
  assert.throws(() => parsePipelineConfig('{"stages": [', 'cfg.json'), /cfg\.json: not valid JSON/);
  assert.throws(
    () => parsePipelineConfig('{"stages": [{"op": "stft", "nFft": -1}]}', 'cfg.json'),
    /cfg\.json: stages\[0\]\.nFft=-1 must be a positive integer/,
  );
});
