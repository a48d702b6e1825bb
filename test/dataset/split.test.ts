import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitDataset, classWeights, DatasetItem, Label } from '../../src/dataset';

function items(n: number, speakers: number | null): Pick<DatasetItem, 'label' | 'speaker' | 'id'>[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `u${i}`,
    label: (i % 4 === 0 ? 'bonafide' : 'spoof') as Label,
    speaker: speakers ? `S${i % speakers}` : null,
  }));
}

test('splitDataset by speaker: no speaker in two parts, shares near the fractions, seeded', () => {
  const all = items(400, 20);
  const s = splitDataset(all, { validation: 0.2, test: 0.1, seed: 7 });
  assert.equal(s.by, 'speaker');
  const spk = (xs: typeof all) => new Set(xs.map((x) => x.speaker));
  for (const [a, b] of [
    [s.train, s.validation],
    [s.train, s.test],
    [s.validation, s.test],
  ]) {
    assert.equal([...spk(a)].filter((x) => spk(b).has(x)).length, 0);
  }
  assert.equal(s.train.length + s.validation.length + s.test.length, 400);
  assert.equal(s.validation.length, 80);
  assert.equal(s.test.length, 40);
  assert.deepEqual(splitDataset(all, { validation: 0.2, test: 0.1, seed: 7 }), s);
  assert.notDeepEqual(splitDataset(all, { validation: 0.2, test: 0.1, seed: 8 }).validation, s.validation);
});

test('splitDataset without speakers is stratified by class', () => {
  const all = items(100, null);
  const s = splitDataset(all, { validation: 0.2, seed: 1 });
  assert.equal(s.by, 'stratified');
  assert.equal(s.validation.filter((x) => x.label === 'bonafide').length, 5);
  assert.equal(s.validation.filter((x) => x.label === 'spoof').length, 15);
  assert.equal(s.test.length, 0);
  assert.throws(() => splitDataset(all, { validation: 0.6, test: 0.5 }), /validation \+ test = 1\.1 must be < 1/);
});

test('classWeights are sklearn balanced weights n / (2 * count)', () => {
  const w = classWeights(['bonafide', 'spoof', 'spoof', 'spoof']);
  assert.deepEqual(w, { bonafide: 2, spoof: 4 / 6 });
  assert.deepEqual(classWeights(['spoof']), { bonafide: 0, spoof: 0.5 });
});
