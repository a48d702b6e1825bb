// Data folders and protocols that would loop, mislabel or read without end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scanFolderDataset, readAsvspoofProtocol } from '../../src/dataset';

function tree(files: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-dss-'));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), 'x');
  }
  return root;
}

/** Warnings emitted while `fn` runs. */
async function warnings<T>(fn: () => Promise<T>): Promise<[T, string[]]> {
  const got: string[] = [];
  const on = (w: Error) => got.push(w.message);
  process.on('warning', on);
  try {
    const r = await fn();
    await new Promise((r2) => setImmediate(r2));
    return [r, got];
  } finally {
    process.off('warning', on);
  }
}

test('scanFolderDataset: ln -s . bonafide/loop lists each file once', { timeout: 20000 }, async () => {
  const root = tree(['bonafide/a.wav', 'bonafide/sub/b.wav', 'spoof/A01/s.wav']);
  try {
    symlinkSync('.', path.join(root, 'bonafide', 'loop'));
    symlinkSync('..', path.join(root, 'bonafide', 'sub', 'back'));
    const [ds, w] = await warnings(() => scanFolderDataset(root));
    assert.deepEqual(
      ds.items.map((i) => i.id),
      ['bonafide/a', 'bonafide/sub/b', 'spoof/A01/s'],
    );
    assert.ok(
      w.some((m) => /loop: skipped, the folder was already scanned/.test(m)),
      w.join('\n'),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('scanFolderDataset: ln -s .. spoof/up is skipped with a warning, bona fide files never labelled spoof', {
  timeout: 20000,
}, async () => {
  const root = tree(['bonafide/a.wav', 'bonafide/b.wav', 'spoof/A01/s.wav']);
  try {
    symlinkSync('..', path.join(root, 'spoof', 'up'));
    const [ds, w] = await warnings(() => scanFolderDataset(root));
    assert.deepEqual(
      ds.items.map((i) => [i.id, i.label, i.attack]),
      [
        ['bonafide/a', 'bonafide', null],
        ['bonafide/b', 'bonafide', null],
        ['spoof/A01/s', 'spoof', 'A01'],
      ],
    );
    assert.ok(
      w.some((m) => /up: skipped, a symbolic link to .* outside the class folder/.test(m)),
      w.join('\n'),
    );
    // A link to a folder inside its class folder is followed (once); a link to a single file is followed.
    const inner = tree(['real/one.wav', 'spoof/A02/x.wav', 'elsewhere/ext.wav']);
    symlinkSync(path.join(inner, 'elsewhere', 'ext.wav'), path.join(inner, 'real', 'linked.wav'));
    symlinkSync('A02', path.join(inner, 'spoof', 'alias'));
    const ds2 = await scanFolderDataset(inner);
    assert.deepEqual(
      ds2.items.map((i) => i.id),
      ['real/linked', 'real/one', 'spoof/A02/x'],
    );
    rmSync(inner, { recursive: true, force: true });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('scanFolderDataset gives colliding ids (a b.wav + a_b.wav, x.wav + x.flac) distinct exact ids', async () => {
  const root = tree([
    'bonafide/a b.wav',
    'bonafide/a_b.wav',
    'bonafide/c d.wav',
    'spoof/x.wav',
    'spoof/x.flac',
    'spoof/y.wav',
  ]);
  try {
    const [ds, w] = await warnings(() => scanFolderDataset(root));
    const ids = ds.items.map((i) => i.id);
    assert.deepEqual(ids, [
      'bonafide/a%20b.wav',
      'bonafide/a_b.wav',
      'bonafide/c_d',
      'spoof/x.flac',
      'spoof/x.wav',
      'spoof/y',
    ]);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(
      w.some((m) => /2 files share the id bonafide\/a_b \(a b\.wav, a_b\.wav\)/.test(m)),
      w.join('\n'),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readAsvspoofProtocol refuses a protocol or an audio entry that is a link to /dev/zero, and ../ ids', async () => {
  const root = tree(['audio/LA_1.flac', 'audio/LA_2.flac', 'proto.txt']);
  try {
    const audio = path.join(root, 'audio');
    writeFileSync(path.join(root, 'proto.txt'), 'S1 LA_1 - - bonafide\nS2 LA_2 - A01 spoof\n');
    assert.equal((await readAsvspoofProtocol(path.join(root, 'proto.txt'), audio)).items.length, 2);
    symlinkSync('/dev/zero', path.join(root, 'zero.txt'));
    await assert.rejects(
      readAsvspoofProtocol(path.join(root, 'zero.txt'), audio),
      /zero\.txt: not a regular file \(a device, FIFO or socket\)/,
    );
    symlinkSync('/dev/zero', path.join(audio, 'LA_3.flac'));
    writeFileSync(path.join(root, 'p3.txt'), 'S1 LA_1 - - bonafide\nS2 LA_3 - A01 spoof\n');
    await assert.rejects(
      readAsvspoofProtocol(path.join(root, 'p3.txt'), audio),
      /LA_3\.flac: not a regular file \(a device, FIFO, socket or folder; protocol line 2\)/,
    );
    writeFileSync(path.join(root, 'outside.flac'), 'x');
    writeFileSync(path.join(root, 'p4.txt'), 'S1 LA_1 - - bonafide\nS2 ../outside - A01 spoof\n');
    await assert.rejects(
      readAsvspoofProtocol(path.join(root, 'p4.txt'), audio),
      /p4\.txt:2: UTT_ID "\.\.\/outside" must be a plain file name \(no \/ or \.\.\)/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
