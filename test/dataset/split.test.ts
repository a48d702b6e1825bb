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

test('splitDataset by speaker: a part takes at most its share of an attack, and an attack whose only voice would be drawn stays in training', () => {
  // Five bona fide speakers, each with vocoded copies of their clips, two one-voice attacks and one of
  // ten small voices.
  const all = [
    ...Array.from({ length: 5 }, (_, s) =>
      Array.from({ length: 12 }, (_, i) => ({
        id: `b${s}-${i}`,
        label: (i < 6 ? 'bonafide' : 'spoof') as Label,
        attack: i < 6 ? null : 'vocoder',
        speaker: `S${s}`,
      })),
    ).flat(),
    ...Array.from({ length: 12 }, (_, i) => ({
      id: `d${i}`,
      label: 'spoof' as Label,
      attack: 'diphone',
      speaker: 'D',
    })),
    { id: 'f0', label: 'spoof' as Label, attack: 'flite', speaker: 'F' },
    ...Array.from({ length: 30 }, (_, i) => ({
      id: `m${i}`,
      label: 'spoof' as Label,
      attack: 'many',
      speaker: `M${i % 10}`,
    })),
  ];
  const blind = all.map(({ attack: _attack, ...it }) => it);
  let moved = 0;
  let over = 0;
  for (let seed = 0; seed < 20; seed++) {
    const s = splitDataset(all, { validation: 0.2, test: 0.1, seed });
    assert.equal(s.by, 'speaker');
    // Shares of 30 'many' clips: at most ceil(0.2 * 30) = 6 in validation, ceil(0.1 * 30) = 3 in test.
    assert.ok(s.validation.filter((it) => it.attack === 'many').length <= 6, `seed ${seed}`);
    assert.ok(s.test.filter((it) => it.attack === 'many').length <= 3, `seed ${seed}`);
    for (const attack of ['vocoder', 'diphone', 'flite', 'many'])
      assert.ok(
        s.train.some((it) => it.attack === attack),
        `seed ${seed}: ${attack} has training clips`,
      );
    for (const label of ['bonafide', 'spoof'])
      assert.ok(
        s.train.some((it) => it.label === label),
        `seed ${seed}: ${label} has training clips`,
      );
    const spk = (xs: { speaker: string | null }[]) => new Set(xs.map((x) => x.speaker));
    assert.equal([...spk(s.train)].filter((x) => spk(s.validation).has(x) || spk(s.test).has(x)).length, 0);
    // Without the attacks, the same draw moves the diphone voice out of training in some seeds.
    const b = splitDataset(blind, { validation: 0.2, test: 0.1, seed });
    if (!b.train.some((it) => it.speaker === 'D')) moved++;
    if (b.validation.filter((it) => it.id.startsWith('m')).length > 6) over++;
  }
  assert.ok(moved > 0, 'without attacks the diphone voice leaves training in some seed');
  assert.ok(over > 0, "without attacks validation takes more than its share of 'many' in some seed");
});
