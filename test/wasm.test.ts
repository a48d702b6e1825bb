import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODULES, WAT_DIR, watText } from './fixtures/gen_wat';

for (const m of MODULES) {
  test(`wasm ${m.file}: the committed .wat is wabt's disassembly of the emitted bytes (npm run wat)`, async () => {
    const committed = readFileSync(join(WAT_DIR, `${m.file}.wat`), 'utf8');
    const now = await watText(m);
    if (now !== committed) {
      // the first differing line of the disassembly, past the header (line 2 holds the bytes' hash)
      const a = committed.split('\n');
      const b = now.split('\n');
      let i = 2;
      while (i < Math.max(a.length, b.length) && a[i] === b[i]) i++;
      const where =
        i < Math.max(a.length, b.length)
          ? `from line ${i + 1}: committed ${JSON.stringify(a[i])}, emitted now ${JSON.stringify(b[i])}`
          : `in its header only (bytes changed that the disassembly does not show): ${JSON.stringify(b[1])}`;
      assert.fail(`test/fixtures/wasm/${m.file}.wat is stale ${where}. Run \`npm run wat\` and review the diff.`);
    }
  });

  test(`wasm ${m.file}: the name section is only appended (the run-time bytes are the disassembled ones)`, () => {
    const plain = m.bytes({});
    const named = m.bytes({ names: true });
    assert.ok(named.length > plain.length, 'names add a section');
    assert.deepEqual(named.subarray(0, plain.length), plain);
    assert.equal(named[plain.length], 0, 'a custom section (id 0) follows');
  });
}
