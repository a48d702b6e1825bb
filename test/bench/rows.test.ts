import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atMost, row, type Target, targetMet } from '../../bench/rows';

const ms = (value: number) => ({ value, unit: 'ms CPU' });

test('bench row: ratio ours/peer from the same run, target <= 0.5x met at 0.5 and missed above', () => {
  const met = row('W1', 'stft', ms(4), { name: 'torch', measure: ms(8) }, atMost(0.5));
  assert.equal(met.ratio, 0.5);
  assert.equal(met.met, true);
  assert.equal(met.peerName, 'torch');
  assert.deepEqual(met.peer, ms(8));
  const missed = row('W1', 'stft', ms(26), { name: 'torch', measure: ms(8) }, atMost(0.5));
  assert.equal(missed.ratio, 3.25);
  assert.equal(missed.met, false);
});

test('bench row: >= target for throughputs, no target gives met null', () => {
  const ips = (value: number) => ({ value, unit: 'img/s' });
  const atLeast = (value: number): Target => ({ of: 'ratio', op: '>=', value });
  assert.equal(row('W3', 'train', ips(30), { name: 'pytorch', measure: ips(25) }, atLeast(1)).met, true);
  assert.equal(row('W3', 'train', ips(20), { name: 'pytorch', measure: ips(25) }, atLeast(1)).met, false);
  assert.equal(row('W3', 'train', ips(20), { name: 'pytorch', measure: ips(25) }).met, null);
});

test('bench row: without a peer the ratio is null and a ratio target undecided; a value target still decides', () => {
  const noPeer = row('W1', 'stft', ms(4), null, atMost(0.5));
  assert.deepEqual([noPeer.peerName, noPeer.peer, noPeer.ratio, noPeer.met], [null, null, null, null]);
  const wall = (value: number) => ({ value, unit: 's wall' });
  assert.equal(row('W4', 'npm start', wall(599), null, { of: 'value', op: '<=', value: 600 }).met, true);
  assert.equal(row('W4', 'npm start', wall(601), null, { of: 'value', op: '<=', value: 600 }).met, false);
});

test('bench row: difference target compares |ours - peer| in the unit, either sign', () => {
  const eer = (value: number) => ({ value, unit: '% EER' });
  const within2 = { of: 'difference', op: '<=', value: 2 } as const;
  assert.equal(targetMet(eer(28), eer(27), within2), true);
  assert.equal(targetMet(eer(26), eer(28.5), within2), false);
  assert.equal(targetMet(eer(26), null, within2), null);
});

test('bench row: a peer in another unit is refused with both units named', () => {
  assert.throws(
    () => row('W1', 'stft', ms(4), { name: 'torch', measure: { value: 8, unit: 'ms wall' } }),
    /bench row W1 stft: peer unit ms wall differs from ours ms CPU/,
  );
});
