import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  checkOutputFile,
  nearestExistingFolder,
  probeFolder,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../src/atomicFile';

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), 'specmorph-atomic-'));
}

test('writeFileAtomic writes through a character device instead of replacing the device node', async (t) => {
  const root = scratch();
  try {
    const dev = path.join(root, 'null');
    try {
      execFileSync('mknod', [dev, 'c', '1', '3']);
    } catch {
      t.skip('mknod is not permitted here (needs root); a private /dev/null copy is the only safe device to test on');
      return;
    }
    await writeFileAtomic(dev, 'scores\n');
    const st = lstatSync(dev);
    assert.ok(st.isCharacterDevice(), 'still a character device');
    assert.equal(st.rdev, statSync('/dev/null').rdev);
    assert.deepEqual(readdirSync(root), ['null']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic writes through a FIFO to its reader', async () => {
  const root = scratch();
  try {
    const fifo = path.join(root, 'pipe');
    execFileSync('mkfifo', [fifo]);
    // timeout: had the FIFO been replaced by a file, cat would wait for a writer forever.
    const reader = spawn('timeout', ['5', 'cat', fifo]);
    let got = '';
    reader.stdout.on('data', (b: Buffer) => (got += b.toString()));
    const closed = new Promise((r) => reader.on('close', r));
    await writeFileAtomic(fifo, 'a 1\nb 2\n');
    await closed;
    assert.equal(got, 'a 1\nb 2\n');
    assert.ok(lstatSync(fifo).isFIFO());
    assert.deepEqual(readdirSync(root), ['pipe']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic via a symlink (relative, chained, dangling) replaces the target, keeps the links', async () => {
  const root = scratch();
  try {
    mkdirSync(path.join(root, 'real'));
    writeFileSync(path.join(root, 'real', 'scores.txt'), 'old\n');
    chmodSync(path.join(root, 'real', 'scores.txt'), 0o640);
    symlinkSync('real/scores.txt', path.join(root, 'link1'));
    symlinkSync('link1', path.join(root, 'link2'));
    await writeFileAtomic(path.join(root, 'link2'), 'new\n');
    assert.ok(lstatSync(path.join(root, 'link2')).isSymbolicLink());
    assert.equal(readlinkSync(path.join(root, 'link2')), 'link1');
    assert.ok(lstatSync(path.join(root, 'link1')).isSymbolicLink());
    assert.equal(readFileSync(path.join(root, 'real', 'scores.txt'), 'utf8'), 'new\n');
    assert.equal(statSync(path.join(root, 'real', 'scores.txt')).mode & 0o777, 0o640, 'permission bits kept');
    assert.deepEqual(readdirSync(path.join(root, 'real')), ['scores.txt']);
    symlinkSync('real/later.txt', path.join(root, 'dangling'));
    writeFileAtomicSync(path.join(root, 'dangling'), 'x');
    assert.ok(lstatSync(path.join(root, 'dangling')).isSymbolicLink());
    assert.equal(readFileSync(path.join(root, 'real', 'later.txt'), 'utf8'), 'x');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic refuses a folder, link loop, missing or non-folder parent in one line naming it', async () => {
  const root = scratch();
  try {
    mkdirSync(path.join(root, 'dir'));
    await assert.rejects(
      writeFileAtomic(path.join(root, 'dir'), 'x'),
      /dir: cannot write \(is a folder; give a file name\)/,
    );
    symlinkSync('loopB', path.join(root, 'loopA'));
    symlinkSync('loopA', path.join(root, 'loopB'));
    await assert.rejects(
      writeFileAtomic(path.join(root, 'loopA'), 'x'),
      /loopA: cannot write \(ELOOP: too many levels of symbolic links\)/,
    );
    await assert.rejects(
      writeFileAtomic(path.join(root, 'nope', 'f.txt'), 'x'),
      /f\.txt: cannot write \(folder .*nope does not exist\)/,
    );
    writeFileSync(path.join(root, 'plain'), 'p');
    await assert.rejects(
      writeFileAtomic(path.join(root, 'plain', 'f.txt'), 'x'),
      /f\.txt: cannot write \(ENOTDIR: a parent is not a folder\)/,
    );
    assert.deepEqual(readdirSync(root).sort(), ['dir', 'loopA', 'loopB', 'plain']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic makeFolder=true creates missing parents; a file in the way is named in the error', async () => {
  const root = scratch();
  try {
    const f = path.join(root, 'a', 'b', 'f.txt');
    await writeFileAtomic(f, 'one', { makeFolder: true });
    assert.equal(readFileSync(f, 'utf8'), 'one');
    assert.deepEqual(readdirSync(path.dirname(f)), ['f.txt']);
    writeFileSync(path.join(root, 'plain'), 'p');
    await assert.rejects(
      writeFileAtomic(path.join(root, 'plain', 'sub', 'f.txt'), 'x', { makeFolder: true }),
      /sub\/f\.txt: cannot write \(ENOTDIR: a parent is not a folder\)/,
    );
    assert.equal(readFileSync(path.join(root, 'plain'), 'utf8'), 'p');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic to a 255-byte file name works (the temp name stays short)', async () => {
  const root = scratch();
  try {
    const name = `${'n'.repeat(251)}.txt`;
    await writeFileAtomic(path.join(root, name), 'ok');
    assert.deepEqual(readdirSync(root), [name]);
    assert.throws(
      () => checkOutputFile(path.join(root, `${'n'.repeat(256)}.txt`)),
      /cannot write \(ENAMETOOLONG: file name too long\)/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("probeFolder (the writability check before long work) removes a killed probe, keeps a live writer's temp", () => {
  const root = scratch();
  try {
    // A probe is created then removed: a kill -9 in between leaves it, and nothing else writes into
    // the folder of a model that is saved as a folder, so the next probe must sweep it.
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    writeFileSync(path.join(root, `.specmorph-${pidMax + 1}-abc123.tmp`), '');
    writeFileSync(path.join(root, `.specmorph-${process.ppid}-def456.tmp`), 'live writer');
    probeFolder(root, path.join(root, 'model'));
    assert.deepEqual(readdirSync(root), [`.specmorph-${process.ppid}-def456.tmp`]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic removes temp files of killed writers, not those of live ones', async () => {
  const root = scratch();
  try {
    // A pid that cannot be alive: above the kernel's pid_max.
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    writeFileSync(path.join(root, `.specmorph-${pidMax + 1}-abc123.tmp`), 'half');
    writeFileSync(path.join(root, `.specmorph-${process.ppid}-def456.tmp`), 'live writer');
    writeFileSync(path.join(root, 'mine.tmp'), 'user file');
    await writeFileAtomic(path.join(root, 'out.txt'), 'whole');
    assert.deepEqual(readdirSync(root).sort(), [`.specmorph-${process.ppid}-def456.tmp`, 'mine.tmp', 'out.txt']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('nearestExistingFolder finds where mkdir -p starts; a dangling link or a file on the way is refused naming it', () => {
  const root = scratch();
  try {
    mkdirSync(path.join(root, 'a'));
    assert.equal(nearestExistingFolder(path.join(root, 'a', 'b', 'c'), 'out'), path.join(root, 'a'));
    symlinkSync('a', path.join(root, 'link'));
    assert.equal(nearestExistingFolder(path.join(root, 'link', 'b'), 'out'), path.join(root, 'link'));
    symlinkSync('nowhere', path.join(root, 'dangling'));
    assert.throws(
      () => nearestExistingFolder(path.join(root, 'dangling', 'sub', 'm'), 'dangling/sub/m'),
      /^DatasetError: dangling\/sub\/m: cannot create the folder \(.*dangling is a symbolic link to nowhere, which does not exist\)$/,
    );
    writeFileSync(path.join(root, 'plain'), 'p');
    assert.throws(
      () => nearestExistingFolder(path.join(root, 'plain', 'sub'), 'plain/sub'),
      /plain\/sub: cannot create the folder \(.*plain is not a folder\)/,
    );
    assert.deepEqual(readdirSync(root).sort(), ['a', 'dangling', 'link', 'plain']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
