// Bad arguments are named with their value as given: strings quoted, prototype keys refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipelineConfig, spectrogram, stft, whiteNoise, sine, resize, createGrid } from '../src';
import { parseArgs } from '../src/cli/args';

test('pipeline schema refuses __proto__, constructor and toString as parameters and as op names', () => {
  const cases: [string, RegExp][] = [
    [
      '{"stages": [{"op": "stft", "__proto__": {"nFft": 4}}]}',
      /stages\[0\]\.__proto__ is not a parameter of op "stft"/,
    ],
    ['{"stages": [{"op": "stft", "constructor": 1}]}', /stages\[0\]\.constructor is not a parameter of op "stft"/],
    [
      '{"stages": [{"op": "stft"}, ' +
        '{"op": "opening", "footprint": {"shape": "rect", "rows": 3, "cols": 3, "toString": 1}}]}',
      /stages\[1\]\.footprint\.toString is not a field of a "rect" footprint/,
    ],
    ['{"stages": [{"op": "constructor"}]}', /stages\[0\]\.op="constructor" is not a pipeline stage/],
    ['{"stages": [{"op": "hasOwnProperty"}]}', /stages\[0\]\.op="hasOwnProperty" is not a pipeline stage/],
  ];
  for (const [json, re] of cases) assert.throws(() => parsePipelineConfig(json, 'p.json'), re, json);
  assert.throws(
    () => parseArgs(['--constructor', 'x'], { out: { type: 'string', help: '' } }, 'train'),
    /train: unknown option --constructor/,
  );
});

test('string parameters are echoed in quotes: nFft="512" is not mistaken for the number', () => {
  const x = sine(440, { length: 2048 });
  assert.throws(
    () => spectrogram(x, { sampleRate: 16000, nFft: '512' as unknown as number }),
    /^ParameterError: nFft="512" must be a positive integer$/,
  );
  assert.throws(
    () => stft(x, { nFft: 512, hopLength: '128' as unknown as number }),
    /hopLength="128" must be a positive integer/,
  );
  assert.throws(
    () => resize(createGrid(2, 2, new Float32Array(4)), '4' as unknown as number, 4),
    /rows="4" must be a positive integer/,
  );
  assert.throws(() => sine(440, { duration: '1' as unknown as number }), /duration="1" must be a finite number >= 0/);
});

test('whiteNoise(1000) is refused instead of silently giving 16000 samples', () => {
  assert.throws(
    () => whiteNoise(1000 as never),
    /^ParameterError: whiteNoise: opts=1000 must be an options object such as \{length: 1000\}/,
  );
  assert.throws(() => sine(440, 0.5 as never), /sine: opts=0\.5 must be an options object/);
  assert.equal(whiteNoise({ length: 1000 }).length, 1000);
});
