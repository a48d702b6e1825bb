// The shared checks of src/errors.ts: unknown option names (with a suggestion for the near miss)
// and the short, quoted echo of a value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOptionNames, formatValue, type OptionNames, ParameterError } from '../src/errors';

interface DemoOptions {
  nFft?: number;
  hopLength?: number;
  sampleRate?: number;
  value?: number;
}
const DEMO: OptionNames<DemoOptions> = { nFft: true, hopLength: true, sampleRate: true, value: true };
const LIST = '(options: nFft, hopLength, sampleRate, value)';

test('checkOptionNames accepts known names, undefined values of known names and no options at all', () => {
  checkOptionNames({ nFft: 512, hopLength: 128 }, DEMO, 'demo');
  checkOptionNames({ hopLength: undefined }, DEMO, 'demo');
  checkOptionNames({}, DEMO, 'demo');
  checkOptionNames(Object.create(null), DEMO, 'demo');
  // no options at all
  checkOptionNames(undefined, DEMO, 'demo');
});

test('checkOptionNames refuses options that are not an options object, naming the function, options and the value', () => {
  for (const [value, shown] of [
    [null, 'null'],
    [5, '5'],
    ['mel', '"mel"'],
    [true, 'true'],
    [[1, 2], '[1,2]'],
    [new Float32Array(3), 'a Float32Array of length 3'],
    [new Map(), 'a Map'],
  ] as const) {
    assert.throws(
      () => checkOptionNames(value, DEMO, 'heatmap'),
      (e: unknown) =>
        e instanceof ParameterError &&
        e.message === `heatmap: options=${shown} must be undefined or an options object {name: value, ...}`,
      `options=${shown}`,
    );
  }
});

test('checkOptionNames names an unknown option, the function and the known names, in one line', () => {
  assert.throws(
    () => checkOptionNames({ nFft: 512, hop_length: 32 }, DEMO, 'stft'),
    (e: unknown) =>
      e instanceof ParameterError &&
      e.message === `stft: unknown option hop_length; did you mean hopLength? ${LIST}` &&
      !e.message.includes('\n'),
  );
  // no known name is near: no suggestion
  assert.throws(
    () => checkOptionNames({ colour: 1 }, DEMO, 'demo'),
    (e: unknown) => e instanceof ParameterError && e.message === `demo: unknown option colour ${LIST}`,
  );
  // an unknown key whose value is undefined is still a misspelling
  assert.throws(
    () => checkOptionNames({ hopLenght: undefined }, DEMO, 'demo'),
    /unknown option hopLenght; did you mean hopLength\?/,
  );
});

test('checkOptionNames suggests the known name for case, underscore, librosa and one-or-two-letter slips', () => {
  const hint = (k: string): string | undefined => {
    try {
      checkOptionNames({ [k]: 1 }, DEMO, 'demo');
    } catch (e) {
      return /did you mean (\w+)\?/.exec((e as Error).message)?.[1];
    }
    assert.fail(`${k} was accepted`);
  };
  assert.equal(hint('hop_length'), 'hopLength'); // librosa's spelling
  assert.equal(hint('nfft'), 'nFft'); // case
  assert.equal(hint('n_fft'), 'nFft');
  assert.equal(hint('HOP-LENGTH'), 'hopLength');
  assert.equal(hint('samplerate'), 'sampleRate');
  assert.equal(hint('sr'), 'sampleRate'); // librosa's `sr`
  assert.equal(hint('hopLenght'), 'hopLength'); // transposed letters
  assert.equal(hint('nFfts'), 'nFft'); // one letter too many
  assert.equal(hint('val'), 'value'); // the start of a name
  assert.equal(hint('window'), undefined);
  assert.equal(hint('x'), undefined);
});

test('checkOptionNames reports every unknown option, with a suggestion for each near miss', () => {
  assert.throws(
    () => checkOptionNames({ hop_length: 1, n_fft: 2, colour: 3 }, DEMO, 'demo'),
    new RegExp(
      '^ParameterError: demo: unknown options hop_length, n_fft, colour; ' +
        'did you mean hopLength for hop_length, nFft for n_fft\\? \\(options: ',
    ),
  );
});

test('checkOptionNames refuses prototype keys and quotes a key that is not an identifier', () => {
  for (const k of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
    const opts = JSON.parse(`{"${k}": 1}`) as object;
    assert.throws(() => checkOptionNames(opts, DEMO, 'demo'), new RegExp(`^ParameterError: demo: unknown option ${k}`));
  }
  assert.throws(
    () => checkOptionNames({ 'hop length': 1 }, DEMO, 'demo'),
    /^ParameterError: demo: unknown option "hop length"; did you mean hopLength\?/,
  );
});

test('OptionNames holds a name list to exactly the keys of its interface (checked by the compiler)', () => {
  // @ts-expect-error: sampleRate and value are missing
  const missing: OptionNames<DemoOptions> = { nFft: true, hopLength: true };
  const extra: OptionNames<DemoOptions> = {
    nFft: true,
    hopLength: true,
    sampleRate: true,
    value: true,
    // @ts-expect-error: hop_length is not a key of DemoOptions
    hop_length: true,
  };
  assert.ok(missing && extra);
  assert.deepEqual(Object.keys(DEMO), ['nFft', 'hopLength', 'sampleRate', 'value']);
});

test('checkOptionNames costs one pass over the keys: 200k checks of a 6-key options object well under a second', () => {
  const opts = { nFft: 512, hopLength: 128, sampleRate: 16000, value: 1 };
  const t0 = performance.now();
  for (let i = 0; i < 200_000; i++) checkOptionNames(opts, DEMO, 'demo');
  assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
});

test('formatValue quotes strings and keeps arrays short: type and length instead of the values', () => {
  assert.equal(formatValue('512'), '"512"');
  assert.equal(formatValue(512), '512');
  assert.equal(formatValue(undefined), 'undefined');
  assert.equal(formatValue({ length: 4000 }), '{"length":4000}');
  assert.equal(formatValue([1, 2]), '[1,2]');
  assert.equal(formatValue(new Float64Array(2048)), 'a Float64Array of length 2048');
  assert.equal(formatValue(new Float32Array(2)), 'a Float32Array of length 2');
  assert.equal(formatValue(new Array(600).fill(1)), 'an Array of length 600');
  const circular: { self?: unknown } = {};
  circular.self = circular;
  assert.equal(formatValue(circular), 'an Object');
});
