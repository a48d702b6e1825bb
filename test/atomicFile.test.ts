import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
  existsSync,
  truncateSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  checkOutputFile,
  nearestExistingFolder,
  probeFolder,
  readBoundedFile,
  readBoundedFileSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../src/atomicFile';
import { DatasetError } from '../src/errors';

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

test('readBoundedFile reads a regular file, through a symlink, whole when within maxBytes', async () => {
  const root = scratch();
  try {
    writeFileSync(path.join(root, 'a.txt'), 'hello');
    symlinkSync('a.txt', path.join(root, 'link'));
    const opts = { maxBytes: 5, what: 'config' };
    assert.equal(readBoundedFileSync(path.join(root, 'a.txt'), opts).toString(), 'hello');
    assert.equal((await readBoundedFile(path.join(root, 'link'), opts)).toString(), 'hello');
    writeFileSync(path.join(root, 'empty'), '');
    assert.equal(readBoundedFileSync(path.join(root, 'empty'), opts).byteLength, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readBoundedFile maxBytes=4: a larger file is refused by its size, naming the file, size, limit and kind', () => {
  const root = scratch();
  try {
    const file = path.join(root, 'big.csv');
    writeFileSync(file, 'hello');
    assert.throws(
      () => readBoundedFileSync(file, { maxBytes: 4, what: 'meta.csv' }),
      /^DatasetError: .*big\.csv: 5 bytes, more than the 4 bytes a meta\.csv may hold; refusing to read it$/,
    );
    // Sparse: refused by its size, not read.
    truncateSync(file, 2 ** 21 + 2 ** 19);
    assert.throws(
      () => readBoundedFileSync(file, { maxBytes: 2 ** 20, what: 'config' }),
      /big\.csv: 2621440 bytes \(2\.5 MiB\), more than the 1 MiB a config may hold; refusing to read it$/,
    );
    assert.throws(
      () =>
        readBoundedFileSync(file, { maxBytes: 4, what: 'weights file', tooLarge: (s) => new DatasetError(`x: ${s}`) }),
      /^DatasetError: x: 2621440 bytes \(2\.5 MiB\)$/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readBoundedFile reads at most maxBytes+1 bytes of a file longer than its stat size (/proc/self/status)', (t) => {
  // A /proc file is regular with size 0 and yet has content: as a file grown after the check.
  if (!existsSync('/proc/self/status')) {
    t.skip('no /proc on this system');
    return;
  }
  assert.throws(
    () => readBoundedFileSync('/proc/self/status', { maxBytes: 100, what: 'score file' }),
    /^DatasetError: \/proc\/self\/status: over 100 bytes \(it grew while being read\), more than the 100 bytes a score file may hold; refusing to read it$/,
  );
  assert.match(
    readBoundedFileSync('/proc/self/status', { maxBytes: 2 ** 20, what: 'score file' }).toString(),
    /^Name:/,
  );
});

test('readBoundedFile refuses a folder, a symlink to /dev/zero and a missing file in one line naming it', async () => {
  const root = scratch();
  try {
    const opts = { maxBytes: 2 ** 20, what: 'model file', hint: '; is m a specmorph model folder?' };
    await assert.rejects(
      readBoundedFile(root, opts),
      new RegExp(`^DatasetError: ${root}: not a regular file \\(a folder\\); cannot read it as a model file$`),
    );
    symlinkSync('/dev/zero', path.join(root, 'zero'));
    await assert.rejects(
      readBoundedFile(path.join(root, 'zero'), opts),
      /zero: not a regular file \(a device, FIFO or socket\); cannot read it as a model file$/,
    );
    await assert.rejects(
      readBoundedFile(path.join(root, 'none'), opts),
      /none: cannot read model file \(ENOENT\); is m a specmorph model folder\?$/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('readBoundedFile refuses a FIFO without a writer at once, never blocking', () => {
  const root = scratch();
  try {
    const fifo = path.join(root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // In a child process with a timeout: a blocking open or read would hang this one for good.
    const script =
      `const { readBoundedFileSync } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'atomicFile'))});` +
      `try { readBoundedFileSync(${JSON.stringify(fifo)}, { maxBytes: 10, what: 'config' }); }` +
      'catch (e) { process.stdout.write(e.message); }';
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, 'readBoundedFileSync blocked on the FIFO');
    assert.match(r.stdout, /fifo: not a regular file \(a device, FIFO or socket\); cannot read it as a config$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
