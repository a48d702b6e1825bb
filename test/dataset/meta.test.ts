// A data folder's meta.csv: columns it may lack, and rows that contradict each other or the folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { matchCorpusMeta, parseCorpusMeta, parseCsv, readMetaFile, scanFolderDataset } from '../../src/dataset';
import { captureWarnings } from '../helpers/warnings';

const FILE = '/d/meta.csv';
const parse = (text: string) => parseCorpusMeta(parseCsv(text, FILE), FILE);

/** A folder of placeholder clips (scanFolderDataset does not decode them). */
function tree(files: string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'specmorph-meta-'));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), 'x');
  }
  return root;
}

test('parseCorpusMeta without a split column: rows read, split null, hasSplit false', () => {
  const m = parse('path,class,speaker\nbonafide/a.wav,bonafide,s1\n./spoof/A/b.wav,spoof,s2\n');
  assert.equal(m.hasSplit, false);
  assert.deepEqual(m.columns, ['path', 'class', 'speaker']);
  assert.deepEqual([...m.rows.keys()], ['bonafide/a.wav', 'spoof/A/b.wav']);
  assert.equal(m.rows.get('bonafide/a.wav')!.split, null);
  assert.equal(m.rows.get('spoof/A/b.wav')!.label, 'spoof');
  assert.throws(
    () => parse('file,label\na.wav,spoof\n'),
    /\/d\/meta\.csv: header has no "path" column \(found file, label\)/,
  );
});

test('parseCorpusMeta: one path in two splits is an error naming the file, the path and both lines', () => {
  // The quoted newline makes line numbers differ from row numbers: the message gives editor lines.
  const text = 'path,split,text\nspoof/A/x.wav,train,"two\nlines"\nbonafide/b.wav,train,\nspoof/A/x.wav,test,\n';
  assert.throws(
    () => parse(text),
    /^DatasetError: \/d\/meta\.csv: spoof\/A\/x\.wav is listed twice, line 2 with split "train" and line 5 with split "test"; a clip belongs to one split$/,
  );
  assert.throws(
    () => parse('path,class\nbonafide/b.wav,bonafide\nbonafide\\b.wav,spoof\n'),
    /bonafide\/b\.wav is listed twice, line 2 with class "bonafide" and line 3 with class "spoof"/,
  );
});

test('parseCorpusMeta: a repeated identical row warns once and keeps one row; a bad class value names its line', async () => {
  let m: ReturnType<typeof parse> | undefined;
  const got = await captureWarnings(() => {
    m = parse('path,split\nbonafide/b.wav,train\nspoof/s.wav,train\nbonafide/b.wav,train\n');
  });
  assert.equal(m!.rows.size, 2);
  assert.equal(m!.rows.get('bonafide/b.wav')!.line, 2);
  assert.equal(got.length, 1);
  assert.match(got[0], /1 row repeats an earlier row's path .*: bonafide\/b\.wav \(lines 2 and 4\)/);
  assert.throws(
    () => parse('path,class\nbonafide/b.wav,bonafide\nspoof/s.wav,maybe\n'),
    /\/d\/meta\.csv line 3: class="maybe" must be one of bonafide, .*spoof/,
  );
});

test('matchCorpusMeta: a class column contradicting the class folder is an error naming the line', async () => {
  const root = tree(['bonafide/a.wav', 'spoof/A/b.wav']);
  const ds = await scanFolderDataset(root);
  const file = path.join(root, 'meta.csv');
  const meta = parseCorpusMeta(
    parseCsv('path,class,split\nbonafide/a.wav,spoof,train\nspoof/A/b.wav,spoof,train\n'),
    file,
  );
  assert.throws(
    () => matchCorpusMeta(ds, meta),
    /meta\.csv line 2: class="spoof" but bonafide\/a\.wav is in the bona fide folder bonafide$/,
  );
  // Aliases of a class folder name its class; an empty cell says nothing.
  const ok = parseCorpusMeta(parseCsv('path,class\nbonafide/a.wav,Bona-Fide\nspoof/A/b.wav,\n'), file);
  assert.deepEqual(
    matchCorpusMeta(ds, ok).rowOf.map((r) => r?.label),
    ['bonafide', null],
  );
});

test('matchCorpusMeta: rows naming missing files warn once with the count and the first paths', async () => {
  const rows = ['path,split', 'bonafide/a.wav,train', 'spoof/A/b.wav,train'];
  for (let i = 0; i < 5; i++) rows.push(`bonafide/gone${i}.wav,test`);
  const root = tree(['bonafide/a.wav', 'spoof/A/b.wav', 'spoof/A/c.wav']);
  const ds = await scanFolderDataset(root);
  const meta = parseCorpusMeta(parseCsv(`${rows.join('\n')}\n`), path.join(root, 'meta.csv'));
  let match: ReturnType<typeof matchCorpusMeta> | undefined;
  const got = await captureWarnings(() => {
    match = matchCorpusMeta(ds, meta);
  });
  assert.equal(got.length, 1);
  assert.match(
    got[0],
    /meta\.csv: 5 of its 7 rows name no clip of .* left out: bonafide\/gone0\.wav, bonafide\/gone1\.wav, bonafide\/gone2\.wav, \.\.\.$/,
  );
  assert.equal(match!.missing.length, 5);
  assert.deepEqual(
    match!.unlisted.map((it) => path.relative(root, it.path)),
    [path.join('spoof', 'A', 'c.wav')],
  );
});

test('readMetaFile reads only a regular file: a link to /dev/zero or a named pipe is refused, not read', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'specmorph-meta-dev-'));
  try {
    symlinkSync('/dev/zero', path.join(dir, 'meta.csv'));
    assert.throws(() => readMetaFile(dir), /meta\.csv: not a regular file/);
    rmSync(path.join(dir, 'meta.csv'));
    execFileSync('mkfifo', [path.join(dir, 'meta.csv')]);
    assert.throws(() => readMetaFile(dir), /meta\.csv: not a regular file/);
    rmSync(path.join(dir, 'meta.csv'));
    writeFileSync(path.join(dir, 'meta.csv'), 'path,split\nbonafide/a.wav,train\n');
    assert.equal(readMetaFile(dir)?.rows.size, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
