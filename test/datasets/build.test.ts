/**
 * datasets/build.py's --out rule: it writes a new or empty folder, or replaces a corpus it built
 * (meta.csv and exactly the clips meta.csv lists), and refuses anything else before any work,
 * deleting and following nothing. Runs the script with Debian's python (numpy, scipy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';
const DATASETS = join(__dirname, '..', '..', 'datasets');
const BUILD = join(DATASETS, 'build.py');

function build(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync(PYTHON, [BUILD, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** build.py's `corpus_files(folder)`: the files of a corpus it wrote there, or null. */
function corpusFiles(folder: string): string[] | null {
  const code = [
    'import json, sys',
    'from pathlib import Path',
    `sys.path.insert(0, ${JSON.stringify(DATASETS)})`,
    'import build',
    'files = build.corpus_files(Path(sys.argv[1]))',
    'print(json.dumps(None if files is None else sorted(files)))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code, folder], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-build-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--out holding a file the script did not write: refused with exit 2, the folder untouched', () => {
  withTmp((dir) => {
    const out = join(dir, 'mine');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'years of work');
    const r = build('--out', out);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--out .*mine holds files this script did not write/);
    assert.deepEqual(readdirSync(out), ['thesis.tex']);
  });
});

test('--out a symlink, a file, or under a missing folder: refused, naming the path', () => {
  withTmp((dir) => {
    const target = join(dir, 'target');
    mkdirSync(target);
    symlinkSync(target, join(dir, 'link'));
    writeFileSync(join(dir, 'file'), 'x');
    assert.match(build('--out', join(dir, 'link')).stderr, /--out .*link is a symlink/);
    assert.match(build('--out', join(dir, 'file')).stderr, /--out .*file exists and is not a folder/);
    assert.match(build('--out', join(dir, 'no', 'such')).stderr, /its parent folder .*no does not exist/);
    assert.equal(build('--out', '/dev/null').status, 2);
    assert.deepEqual(readdirSync(target), []);
  });
});

test('--extension without --out, onto its own --corpus, with a --corpus lacking meta.csv, or --per-speaker 0: refused before any work', () => {
  withTmp((dir) => {
    const r = build('--extension', '--out', join(dir, 'ext'), '--corpus', dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--corpus .*: no meta\.csv there/);
    assert.match(
      build('--extension', '--out', join(dir, 'ext'), '--per-speaker', '0').stderr,
      /--per-speaker .* got 0/,
    );
    assert.deepEqual(readdirSync(dir), []);
  });
  // the bundled corpus is a corpus the script built: an extension must never replace it
  const noOut = build('--extension');
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--extension needs --out DIR/);
  const itself = build('--extension', '--out', join(DATASETS, 'corpus'));
  assert.equal(itself.status, 2);
  assert.match(itself.stderr, /--out .*corpus is the --corpus the extension leaves out/);
});

test('the bundled corpus is one the script built; a copy with one more file, folder or symlink inside is not', () => {
  const files = corpusFiles(join(DATASETS, 'corpus'));
  assert.ok(files !== null);
  assert.ok(files.includes('meta.csv') && files.length > 600, `${files.length} files`);
  withTmp((dir) => {
    const copy = join(dir, 'corpus');
    cpSync(join(DATASETS, 'corpus'), copy, { recursive: true });
    assert.equal(corpusFiles(copy)?.length, files.length);
    writeFileSync(join(copy, 'bonafide', 'notes.txt'), 'mine');
    assert.equal(corpusFiles(copy), null);
    rmSync(join(copy, 'bonafide', 'notes.txt'));
    mkdirSync(join(copy, 'spoof', 'drafts'));
    assert.equal(corpusFiles(copy), null, 'an empty folder of the user is theirs too');
    rmSync(join(copy, 'spoof', 'drafts'), { recursive: true });
    assert.equal(corpusFiles(copy)?.length, files.length);
    symlinkSync('/etc', join(copy, 'spoof', 'etc'));
    assert.equal(corpusFiles(copy), null);
    // and the build refuses it as --out
    assert.equal(build('--out', copy).status, 2);
  });
});
