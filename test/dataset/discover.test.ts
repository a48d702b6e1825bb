import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { scanFolderDataset, scanPngDataset, readAsvspoofProtocol, datasetSummary } from '../../src/dataset';

function tree(files: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-ds-'));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    if (!f.endsWith('/')) writeFileSync(path.join(root, f), 'x');
  }
  return root;
}

test('scanFolderDataset: class folder aliases, any depth, attack = first folder under spoof', async () => {
  const root = tree([
    'Real/a.wav',
    'original/sub/deep/b.FLAC',
    'fake/A01/x.wav',
    'fake/A01/y/z.flac',
    'deepfake/A10/w.wav',
    'spoof/loose.wav',
    'spoof/notes.txt',
    'other/q.wav',
    'real/.hidden.wav',
  ]);
  try {
    const ds = await scanFolderDataset(root);
    assert.equal(ds.kind, 'audio');
    assert.deepEqual(
      ds.items.map((i) => [i.id, i.label, i.attack]),
      [
        ['Real/a', 'bonafide', null],
        ['deepfake/A10/w', 'spoof', 'A10'],
        ['fake/A01/x', 'spoof', 'A01'],
        ['fake/A01/y/z', 'spoof', 'A01'],
        ['original/sub/deep/b', 'bonafide', null],
        ['spoof/loose', 'spoof', 'unknown'],
      ],
    );
    assert.ok(ds.items.every((i) => path.isAbsolute(i.path) && i.speaker === null));
    assert.deepEqual(datasetSummary(ds.items), {
      n: 6,
      bonafide: 2,
      spoof: 4,
      attacks: { A10: 1, A01: 2, unknown: 1 },
      speakers: 0,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('scanFolderDataset errors name the folder: missing, empty, no class folders, empty or missing class', async () => {
  const root = tree(['bonafide/a.wav', 'spoof/readme.txt']);
  const empty = tree([]);
  const noClass = tree(['music/a.wav']);
  const oneClass = tree(['real/a.wav']);
  try {
    await assert.rejects(scanFolderDataset(path.join(empty, 'nope')), /nope: data folder does not exist \(ENOENT\)/);
    await assert.rejects(scanFolderDataset(empty), /data folder is empty/);
    await assert.rejects(scanFolderDataset(noClass), /no class folders at the top .*found music/);
    await assert.rejects(
      scanFolderDataset(root),
      /spoof: class folder holds no \.wav\/\.flac files \(the spoof class is empty\)/,
    );
    await assert.rejects(scanFolderDataset(oneClass), /no spoof folder \(spoof\|fake\|deepfake\)/);
    await assert.rejects(scanFolderDataset(path.join(root, 'bonafide', 'a.wav')), /a\.wav: not a folder/);
  } finally {
    for (const d of [root, empty, noClass, oneClass]) rmSync(d, { recursive: true, force: true });
  }
});

test('scanPngDataset finds .png files in the same layout', async () => {
  const root = tree(['bonafide/a.png', 'spoof/b.png', 'spoof/c.wav']);
  try {
    const ds = await scanPngDataset(root);
    assert.equal(ds.kind, 'png');
    assert.deepEqual(
      ds.items.map((i) => i.id),
      ['bonafide/a', 'spoof/b'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readAsvspoofProtocol: SPEAKER UTT_ID - SYSTEM_ID KEY, flac/ subfolder, errors with line numbers', async () => {
  const root = tree(['audio/LA_T_1.flac', 'audio/LA_T_2.wav', 'audio/flac/LA_T_3.flac']);
  try {
    const proto = path.join(root, 'p.txt');
    writeFileSync(proto, 'LA_0079 LA_T_1 - - bonafide\nLA_0080 LA_T_2 - A01 spoof\n\nLA_0079 LA_T_3 - A02 spoof\n');
    const ds = await readAsvspoofProtocol(proto, path.join(root, 'audio'));
    assert.deepEqual(
      ds.items.map((i) => [i.id, i.label, i.attack, i.speaker, path.relative(root, i.path)]),
      [
        ['LA_T_1', 'bonafide', null, 'LA_0079', 'audio/LA_T_1.flac'],
        ['LA_T_2', 'spoof', 'A01', 'LA_0080', 'audio/LA_T_2.wav'],
        ['LA_T_3', 'spoof', 'A02', 'LA_0079', 'audio/flac/LA_T_3.flac'],
      ],
    );
    writeFileSync(proto, 'LA_0079 LA_T_1 - - bonafide\nLA_0080 LA_T_2 A01 spoof\n');
    await assert.rejects(readAsvspoofProtocol(proto, path.join(root, 'audio')), /p\.txt:2: expected 5 fields/);
    writeFileSync(proto, 'LA_0079 LA_T_1 - - bonafide\nLA_0080 LA_T_9 - A01 spoof\n');
    await assert.rejects(
      readAsvspoofProtocol(proto, path.join(root, 'audio')),
      /LA_T_9\.flac: audio file not found \(1 of 2/,
    );
    writeFileSync(proto, 'LA_0079 LA_T_1 - - genuine\n');
    await assert.rejects(
      readAsvspoofProtocol(proto, path.join(root, 'audio')),
      /p\.txt:1: KEY="genuine" must be bonafide or spoof/,
    );
    await assert.rejects(
      readAsvspoofProtocol(path.join(root, 'none.txt'), root),
      /none\.txt: cannot read protocol \(ENOENT\)/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
