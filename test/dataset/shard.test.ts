import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseShard, shardOf } from '../../src/dataset/shard';

test('shardOf: shards 1..N of a list are disjoint, cover it, keep its order and differ in size by at most 1', () => {
  fc.assert(
    fc.property(fc.array(fc.string(), { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (items, n) => {
      const tagged = items.map((x, i) => `${i}:${x}`);
      const parts = Array.from({ length: n }, (_, k) => shardOf(tagged, { index: k + 1, count: n }));
      assert.deepEqual(parts.flat().sort(), [...tagged].sort());
      for (const p of parts)
        assert.deepEqual(
          p,
          tagged.filter((x) => p.includes(x)),
        );
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }),
  );
  assert.deepEqual(shardOf(['a', 'b', 'c', 'd', 'e'], { index: 2, count: 2 }), ['b', 'd']);
});

test('parseShard reads K/N and names the bad part', () => {
  assert.deepEqual(parseShard('3/8'), { index: 3, count: 8 });
  assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
  assert.throws(() => parseShard('0/4'), /--shard="0\/4": K=0 must be in \[1, 4\]/);
  assert.throws(() => parseShard('5/4'), /K=5 must be in \[1, 4\]/);
  assert.throws(() => parseShard('1/0'), /N=0 must be an integer >= 1/);
  assert.throws(() => parseShard('2'), /--shard="2" must be K\/N/);
  assert.throws(() => parseShard('-1/3'), /must be K\/N/);
  assert.throws(() => shardOf([1], { index: 2, count: 1 }), /shard=\{"index":2,"count":1\} must have/);
});
