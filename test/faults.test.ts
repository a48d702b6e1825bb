// Fault injection: full disk (a 1 MB tmpfs), read-only folders (a read-only remount as root, and a
// chmod 555 folder as the unprivileged user nobody), and kill -9 at points of `specmorph train`.
// Corrupted cache and model files and symlink loops are in test/dataset/cache.test.ts,
// test/model/integrity.test.ts and test/dataset/safety.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '../src/model/tf';
import { writeFileAtomic, checkOutputFile } from '../src/atomicFile';
import { checkOutputFolder } from '../src/report/outputFolder';
import { savePng } from '../src/notebook/png';
import { heatmap } from '../src/notebook/heatmap';
import { createGrid } from '../src/grid/grid';
import { saveModel, loadModel } from '../src/model/io';
import { computeFeatures } from '../src/dataset/features';
import { DEFAULT_PIPELINE } from '../src/pipeline/config';
import { encodeWav, sine, whiteNoise } from '../src/audio';
import { jupyterMissing } from './helpers/jupyter';

const repo = path.join(__dirname, '..');
const main = path.join(repo, 'src', 'cli', 'main.ts');
const isRoot = process.getuid?.() === 0;
let root = '';
let data = '';
let cfg = '';

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-faults-'));
  chmodSync(root, 0o755);
  data = path.join(root, 'data');
  for (let i = 0; i < 4; i++) {
    mkdirSync(path.join(data, 'bonafide'), { recursive: true });
    mkdirSync(path.join(data, 'spoof'), { recursive: true });
    writeFileSync(
      path.join(data, 'bonafide', `b${i}.wav`),
      encodeWav({
        sampleRate: 16000,
        channels: [sine(300 + 60 * i, { sampleRate: 16000, duration: 0.1, amplitude: 0.5 })],
      }),
    );
    writeFileSync(
      path.join(data, 'spoof', `s${i}.wav`),
      encodeWav({
        sampleRate: 16000,
        channels: [whiteNoise({ sampleRate: 16000, duration: 0.1, amplitude: 0.3, seed: i })],
      }),
    );
  }
  cfg = path.join(root, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      stages: [
        { op: 'crop', seconds: 0.1 },
        { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
        { op: 'db' },
        { op: 'resize', rows: 12, cols: 12 },
        { op: 'normalise' },
      ],
    }),
  );
});

after(() => rmSync(root, { recursive: true, force: true }));

/** Mounts a tmpfs of `size` at a new folder; null (with the reason) when this machine does not allow it. */
function tmpfs(size: string): { dir: string; done: () => void } | string {
  if (!isRoot) return 'mounting a tmpfs needs root';
  const dir = mkdtempSync(path.join(root, 'fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch (e) {
    return `mount -t tmpfs failed here (${(e as Error).message.split('\n')[0]})`;
  }
  return { dir, done: () => execFileSync('umount', [dir]) };
}

/** Fills the file system holding `dir` with a file `filler` until ENOSPC. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(64 * 1024, 7);
  const f = path.join(dir, 'filler');
  try {
    for (;;) writeFileSync(f, chunk, { flag: 'a' });
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
}

test('fault: full disk keeps the old file, PNG and model whole, names the file, leaves no temp', async (t) => {
  const m = tmpfs('1m');
  if (typeof m === 'string') return t.skip(m);
  try {
    await tf.setBackend('cpu');
    const scores = path.join(m.dir, 'scores.txt');
    writeFileSync(scores, 'old scores\n');
    const png = path.join(m.dir, 'fig.png');
    savePng(
      heatmap(
        createGrid(
          8,
          8,
          new Float32Array(64).map((_, i) => i),
        ),
      ),
      png,
    );
    const oldPng = readFileSync(png);
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [60, 60, 1] }), tf.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    const mdir = path.join(m.dir, 'model');
    await saveModel(mdir, model, { pipeline: DEFAULT_PIPELINE, seed: 1 });
    fill(m.dir);
    const before = readdirSync(m.dir).sort();

    await assert.rejects(
      writeFileAtomic(scores, 'x'.repeat(200_000)),
      /scores\.txt: cannot write \(ENOSPC: no space left on device\)/,
    );
    assert.equal(readFileSync(scores, 'utf8'), 'old scores\n');
    const big = heatmap(
      createGrid(
        300,
        300,
        new Float32Array(90000).map(() => Math.random()),
      ),
      { title: 'noise' },
    );
    assert.throws(
      () => savePng(big, png, { width: 1600, height: 1200 }),
      /fig\.png: cannot write \(ENOSPC: no space left on device\)/,
    );
    assert.deepEqual(readFileSync(png), oldPng);
    await assert.rejects(
      saveModel(mdir, model, { pipeline: DEFAULT_PIPELINE, seed: 2 }),
      /model: cannot write \(ENOSPC: no space left on device\)/,
    );
    const loaded = await loadModel(mdir);
    assert.equal(loaded.metadata.seed, 1);
    loaded.model.dispose();
    assert.deepEqual(readdirSync(m.dir).sort(), before, 'no temp files or folders left');
    // The feature cache only saves time: a full cache disk warns and the features still come.
    const warned: string[] = [];
    const onWarn = (w: Error) => warned.push(w.message);
    process.on('warning', onWarn);
    try {
      const f = await computeFeatures([path.join(data, 'bonafide', 'b0.wav')], JSON.parse(readFileSync(cfg, 'utf8')), {
        workers: 0,
        cacheDir: path.join(m.dir, 'cache'),
      });
      assert.equal(f.features.length, 1);
      await new Promise((r) => setImmediate(r));
      assert.ok(
        warned.some((w) =>
          /feature cache not written \(ENOSPC: no space left on device\); continuing without caching/.test(w),
        ),
        warned.join('\n'),
      );
    } finally {
      process.off('warning', onWarn);
    }
    model.dispose();
  } finally {
    m.done();
  }
});

function run(
  args: string[],
  opts: { asNobody?: boolean } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = opts.asNobody ? 'setpriv' : process.execPath;
  const pre = opts.asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [];
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...pre, '--import', 'tsx', main, ...args],
      { cwd: repo, env: { ...process.env, HOME: root, SPECMORPH_CACHE: path.join(root, 'cache-cli') } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

function oneLine(r: { code: number; stderr: string }, re: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: refused before any work: ${r.stderr}`);
  assert.match(lines[0], re, what);
}

test('fault: a read-only file system refuses --out and --scores before any work (EROFS, even for root)', async (t) => {
  const m = tmpfs('1m');
  if (typeof m === 'string') return t.skip(m);
  try {
    writeFileSync(path.join(m.dir, 'keep.txt'), 'k');
    execFileSync('mount', ['-o', 'remount,ro', m.dir]);
    assert.throws(
      () => checkOutputFile(path.join(m.dir, 's.txt')),
      /s\.txt: cannot write \(EROFS: read-only file system\)/,
    );
    const [a, b] = await Promise.all([
      run(['train', '--data', data, '--out', path.join(m.dir, 'm'), '--config', cfg]),
      run(['evaluate', '--model', path.join(root, 'none'), '--data', data, '--scores', path.join(m.dir, 'keep.txt')]),
    ]);
    oneLine(a, /m: cannot write \(EROFS: read-only file system\)/, 'train --out on a read-only fs');
    oneLine(b, /keep\.txt: cannot write \(EROFS: read-only file system\)/, 'evaluate --scores on a read-only fs');
  } finally {
    m.done();
  }
});

test('fault: a chmod 555 folder, a 0444 file refuse --out/--scores for a normal user before any work', async (t) => {
  let asNobody = false;
  if (isRoot) {
    // As root chmod stops nothing: run the command as the unprivileged user nobody.
    try {
      execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
      asNobody = true;
    } catch {
      return t.skip('running as root without setpriv: chmod does not stop root, and there is no way to drop to nobody');
    }
  }
  const ro = path.join(root, 'ro');
  mkdirSync(ro);
  writeFileSync(path.join(ro, 'old-scores.txt'), 'keep\n');
  const rw = path.join(root, 'rw');
  mkdirSync(rw);
  writeFileSync(path.join(rw, 'locked.txt'), 'locked\n');
  chmodSync(path.join(rw, 'locked.txt'), 0o444);
  chmodSync(ro, 0o555);
  if (asNobody) execFileSync('chown', ['65534:65534', rw]);
  else chmodSync(rw, 0o755);
  try {
    const rs = await Promise.all([
      run(['train', '--data', data, '--out', path.join(ro, 'm'), '--config', cfg], { asNobody }),
      run(
        ['evaluate', '--model', path.join(root, 'none'), '--data', data, '--scores', path.join(ro, 'old-scores.txt')],
        { asNobody },
      ),
    ]);
    oneLine(rs[0], /ro[/\\]m: cannot write \(EACCES: permission denied\)/, 'train --out in a read-only folder');
    oneLine(
      rs[1],
      /old-scores\.txt: cannot write \(EACCES: permission denied\)/,
      'evaluate --scores in a read-only folder',
    );
    const r = await run(
      ['evaluate', '--model', path.join(root, 'none'), '--data', data, '--scores', path.join(rw, 'locked.txt')],
      { asNobody },
    );
    oneLine(r, /locked\.txt: cannot write \(EACCES: permission denied\)/, 'evaluate --scores onto a read-only file');
    assert.equal(readFileSync(path.join(rw, 'locked.txt'), 'utf8'), 'locked\n');
    assert.deepEqual(readdirSync(ro), ['old-scores.txt']);
    assert.deepEqual(readdirSync(rw), ['locked.txt']);
  } finally {
    chmodSync(ro, 0o755);
  }
});

/**
 * Runs a specmorph command and kills it with SIGKILL `delay` ms after the first stderr line matching
 * `at` (null: never), with the feature cache in `cache` and `env` added to its environment.
 */
function killedRun(
  args: string[],
  at: RegExp | null,
  delay: number,
  cache = path.join(root, 'cache-kill', 'features'),
  env: NodeJS.ProcessEnv = {},
): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      cwd: repo,
      env: { ...process.env, SPECMORPH_CACHE: cache, ...env },
    });
    let stderr = '';
    let armed = false;
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (!armed && at !== null && at.test(stderr)) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), delay);
      }
    });
    p.on('close', (_code, signal) => resolve({ killed: signal === 'SIGKILL', stderr }));
  });
}

/** Every entry below `dir` whose name marks a temporary of ours. */
function temporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => path.basename(f).startsWith('.specmorph-'));
}

test('fault: kill -9 at points of train leaves the old model or the new one, never a mix; the next run cleans up', {
  timeout: 240000,
}, async (t) => {
  await tf.setBackend('cpu');
  const parent = path.join(root, 'models');
  mkdirSync(parent);
  const out = path.join(parent, 'm');
  const args = [
    'train',
    '--data',
    data,
    '--out',
    out,
    '--config',
    cfg,
    '--epochs',
    '1',
    '--workers',
    '0',
    '--validation',
    '0',
  ];
  const first = await killedRun(args, null, 0);
  assert.equal(first.killed, false, first.stderr);
  const dates = new Set([JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8')).date as string]);
  // Kill points: during features, right after the epoch (inside the save), and a random moment after it.
  const points: [RegExp, number][] = [
    [/^data: /m, 0],
    [/^epoch 1\/1/m, 0],
    [/^epoch 1\/1/m, Math.floor(Math.random() * 400)],
  ];
  for (const [at, delay] of points) {
    const started = new Date().toISOString();
    const r = await killedRun([...args, '--overwrite'], at, delay);
    const leftovers = readdirSync(parent).filter((n) => n !== 'm');
    // Whatever the kill point: a whole model (every file present and consistent), either one that
    // was there before or the one this run completed (a kill can land after the save).
    assert.ok(existsSync(out), `after a kill ${delay} ms after ${at}: ${out} is missing`);
    const loaded = await loadModel(out);
    const date = loaded.metadata.date;
    loaded.model.dispose();
    t.diagnostic(
      `kill ${delay} ms after ${at}: ${r.killed ? 'killed' : 'finished first'}; ` +
        `model ${dates.has(date) ? 'old' : 'new'}; ` +
        `left beside --out: ${leftovers.join(', ') || 'nothing'}`,
    );
    assert.ok(
      dates.has(date) || date >= started,
      `after a kill ${delay} ms after ${at}: a model from no run (${date})`,
    );
    dates.add(date);
  }
  const last = await killedRun([...args, '--overwrite'], null, 0);
  assert.equal(last.killed, false, last.stderr);
  assert.deepEqual(readdirSync(parent), ['m'], 'the next run removed every leftover');
  assert.deepEqual(temporaries(path.join(root, 'cache-kill')), []);
});

test('fault: kill -9 at random points of ablate/report leaves whole files; the next run leaves no temporaries', {
  timeout: 400000,
}, async (t) => {
  const base = path.join(root, 'kill-report');
  const cache = path.join(base, 'cache', 'features');
  const runs = path.join(base, 'cache', 'ablation-runs');
  const outs = { ablate: path.join(base, 'ablate-out'), report: path.join(base, 'report-out') };
  const cmd = (c: 'ablate' | 'report') => [
    c,
    '--data',
    data,
    '--seeds',
    '1',
    '--epochs',
    '1',
    '--workers',
    '0',
    '--no-reference',
    '--out',
    outs[c],
    ...(c === 'report' ? ['--no-notebooks'] : []),
  ];
  const files = {
    ablate: ['ablation.json', 'ablation.md', 'ablation.html'],
    report: ['ablation.json', 'ablation.md', 'report.html', 'summary.json', 'img/ablation.png'],
  };
  /** Each output file is absent or whole: JSON parses, HTML is closed, the PNG ends with IEND. */
  const whole = (c: 'ablate' | 'report', when: string) => {
    for (const f of files[c]) {
      const p = path.join(outs[c], f);
      if (!existsSync(p)) continue;
      const b = readFileSync(p);
      if (f.endsWith('.json')) assert.doesNotThrow(() => JSON.parse(b.toString()), `${when}: ${f} is half-written`);
      if (f.endsWith('.html')) assert.match(b.toString(), /<\/html>\s*$/, `${when}: ${f} is half-written`);
      if (f.endsWith('.png'))
        assert.equal(b.subarray(-8, -4).toString('latin1'), 'IEND', `${when}: ${f} is half-written`);
    }
    for (const f of existsSync(runs) ? readdirSync(runs).filter((n) => n.endsWith('.json')) : []) {
      assert.doesNotThrow(
        () => JSON.parse(readFileSync(path.join(runs, f), 'utf8')),
        `${when}: run cache ${f} is half-written`,
      );
    }
  };
  for (const c of ['ablate', 'report'] as const) {
    // Kill while runs are trained and cached, then while the outputs are written, at a random moment.
    for (const [at, delay] of [
      [/run 1\//, Math.floor(Math.random() * 1500)],
      [/^backend: /m, Math.floor(Math.random() * 300)],
    ] as [RegExp, number][]) {
      const r = await killedRun(cmd(c), at, delay, cache);
      t.diagnostic(
        `${c}: kill ${delay} ms after ${at}: ${r.killed ? 'killed' : 'finished first'}; temporaries: ` +
          `${[...temporaries(base)].join(', ') || 'none'}`,
      );
      whole(c, `${c} killed ${delay} ms after ${at}`);
    }
    const done = await killedRun(cmd(c), null, 0, cache);
    assert.equal(done.killed, false);
    whole(c, `${c} after a full run`);
    for (const f of files[c]) assert.ok(existsSync(path.join(outs[c], f)), `${c}: ${f} written`);
  }
  assert.deepEqual(temporaries(base), [], 'the next runs removed every temporary');
});

test('fault: train --out a mount point (a tmpfs, a bind mount: the Docker volume case) is refused before any work', async (t) => {
  const m = tmpfs('1m');
  if (typeof m === 'string') return t.skip(m);
  const bound = path.join(root, 'bound');
  mkdirSync(path.join(root, 'bind-source'));
  mkdirSync(bound);
  try {
    execFileSync('mount', ['--bind', path.join(root, 'bind-source'), bound]);
    for (const mp of [m.dir, bound]) {
      const r = await run(['train', '--data', data, '--out', mp, '--config', cfg, '--epochs', '1']);
      oneLine(
        r,
        /: is a mount point, which cannot be replaced, and a model folder is written beside it and renamed into its place; give a folder inside it, e\.g\. .*\/model$/,
        `train --out ${mp}`,
      );
      assert.deepEqual(readdirSync(mp), []);
    }
    // What it suggests works, and ablate/report write inside their folder, so a mount point is fine for them.
    const ok = await run([
      'train',
      '--data',
      data,
      '--out',
      path.join(m.dir, 'model'),
      '--config',
      cfg,
      '--epochs',
      '1',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(checkOutputFolder(bound), bound);
  } finally {
    execFileSync('umount', [bound], { stdio: 'ignore' });
    m.done();
  }
});

test("fault: as nobody, train refuses a writable folder in a read-only parent, and another user's empty folder, with the true reason", async (t) => {
  if (!isRoot) return t.skip('needs root to make folders of two users');
  try {
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
  } catch {
    return t.skip('setpriv cannot drop to nobody here');
  }
  const shared = path.join(root, 'shared');
  mkdirSync(path.join(shared, 'alice'), { recursive: true });
  execFileSync('chown', ['65534:65534', path.join(shared, 'alice')]);
  const r = await run(['train', '--data', data, '--out', path.join(shared, 'alice'), '--config', cfg], {
    asNobody: true,
  });
  oneLine(
    r,
    /shared\/alice: its parent folder .*shared is not writable \(EACCES: permission denied\), and a model folder is written beside it and renamed into its place; give a folder inside it, e\.g\. .*shared\/alice\/model$/,
    'train --out a writable folder in a read-only parent',
  );
  // A folder of root's in a folder nobody may write: renaming it would work, but leave nobody's folder in its place.
  const lab = path.join(root, 'lab');
  mkdirSync(path.join(lab, 'roots'), { recursive: true });
  execFileSync('chown', ['65534:65534', lab]);
  chmodSync(path.join(lab, 'roots'), 0o777);
  const o = await run(['train', '--data', data, '--out', path.join(lab, 'roots'), '--config', cfg], { asNobody: true });
  oneLine(
    o,
    /lab\/roots: belongs to another user \(uid 0\), .*which would make it yours \(uid 65534\); give a folder inside it/,
    "another user's folder",
  );
  assert.deepEqual(readdirSync(path.join(shared, 'alice')), []);
  assert.deepEqual(readdirSync(lab), ['roots']);
});

test('fault: train into an existing empty folder keeps its owner, group and mode (setgid 2775); a new folder gets the umask mode', async (t) => {
  if (!isRoot) return t.skip('needs root to give the folder to another user');
  const common = ['--data', data, '--config', cfg, '--epochs', '1', '--workers', '0', '--validation', '0'];
  const given = path.join(root, 'given');
  mkdirSync(given);
  execFileSync('chown', ['65534:65534', given]);
  chmodSync(given, 0o2775);
  const r = await run(['train', ...common, '--out', given]);
  assert.equal(r.code, 0, r.stderr);
  const st = statSync(given);
  assert.deepEqual([st.uid, st.gid, (st.mode & 0o7777).toString(8)], [65534, 65534, '2775']);
  assert.ok(readdirSync(given).includes('weights.bin'));
  // Replacing a model (--overwrite) keeps them too.
  const again = await run(['train', ...common, '--out', given, '--overwrite']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((statSync(given).mode & 0o7777).toString(8), '2775');
  const before = process.umask(0o027);
  let fresh: Promise<{ code: number; stderr: string }>;
  try {
    fresh = run(['train', ...common, '--out', path.join(root, 'fresh')]);
  } finally {
    process.umask(before);
  }
  const f = await fresh;
  assert.equal(f.code, 0, f.stderr);
  assert.equal((statSync(path.join(root, 'fresh')).mode & 0o7777).toString(8), '750', 'as mkdir with umask 027');
});

/** Every file below `dir` (temporaries of ours left out) with a hash of its bytes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String)) {
    const p = path.join(dir, f);
    if (f.split(path.sep).some((part) => part.startsWith('.specmorph-')) || !statSync(p).isFile()) continue;
    out[f] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

test("fault: kill -9 during report's notebook phase leaves the previous report whole; the next run replaces it as a set", {
  skip: jupyterMissing() ?? false,
  timeout: 600000,
}, async () => {
  const base = path.join(root, 'kill-notebooks');
  const nb = path.join(base, 'nb');
  mkdirSync(nb, { recursive: true });
  // One cell that sleeps 5 s in the kernel, so the kill lands while it runs.
  writeFileSync(
    path.join(nb, '01-slow.ipynb'),
    JSON.stringify({
      cells: [
        {
          cell_type: 'code',
          execution_count: null,
          metadata: {},
          outputs: [],
          source: ['Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);'],
        },
      ],
      metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const out = path.join(base, 'out');
  const cache = path.join(base, 'cache', 'features');
  const cmd = ['report', '--data', data, '--notebooks', nb, '--out', out, '--seeds', '1', '--epochs', '1'];
  const cmdArgs = [...cmd, '--workers', '0', '--no-reference'];
  // Its own temp folder: a kill -9 leaves the kernel folder there (no process can remove it then).
  const tmp = path.join(base, 'tmp');
  mkdirSync(tmp);
  const env = { TMPDIR: tmp };
  const first = await killedRun(cmdArgs, null, 0, cache, env);
  assert.equal(first.killed, false, first.stderr);
  const before = snapshot(out);
  assert.ok(before['notebooks/01-slow.ipynb'] && before['summary.json'], Object.keys(before).join(', '));
  const r = await killedRun(cmdArgs, /notebook 01-slow\.ipynb: executing/, 1500, cache, env);
  assert.equal(r.killed, true, r.stderr);
  assert.deepEqual(
    snapshot(out),
    before,
    'the previous report, whole: no new ablation.json beside the old report.html',
  );
  const last = await killedRun(cmdArgs, null, 0, cache, env);
  assert.equal(last.killed, false, last.stderr);
  const after = snapshot(out);
  assert.deepEqual(Object.keys(after).sort(), Object.keys(before).sort());
  assert.notEqual(after['summary.json'], before['summary.json']);
  assert.deepEqual(temporaries(out), [], 'the staging folder of the killed run is gone');
});
