// The --out folder of ablate and report: only a new, empty or earlier specmorph output folder is
// written, and a run's outputs replace the earlier ones as one set, also across kills.
import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  ABLATION_FORMAT,
  REPORT_FORMAT,
  checkOutputFolder,
  openOutputStage,
  sweepOutputLeftovers,
} from '../../src/report/outputFolder';

const root = mkdtempSync(join(tmpdir(), 'specmorph-outfolder-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A pid that cannot be alive: above the kernel's pid_max. */
const DEAD = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;

/** Writes `files` (relative name -> content) under a new folder `name` and returns its path. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

/** Every file under `dir` with its content, hidden ones included. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (f.isFile())
      out[join(f.parentPath, f.name).slice(dir.length + 1)] = readFileSync(join(f.parentPath, f.name), 'utf8');
  return out;
}

const OLD_SET = {
  'ablation.json': JSON.stringify({ format: ABLATION_FORMAT, run: 'old' }),
  'ablation.md': 'old table',
  'report.html': '<html>old</html>',
  'summary.json': JSON.stringify({ format: REPORT_FORMAT, run: 'old' }),
  'img/ablation.png': 'old png',
  'notebooks/01-spectrograms.ipynb': '{}',
};

test('checkOutputFolder accepts a new, empty, marked or pre-marker specmorph folder; refuses user files naming the first', () => {
  assert.equal(checkOutputFolder(join(root, 'new', 'deeper')), join(root, 'new', 'deeper'));
  assert.equal(checkOutputFolder(folder('empty', {})), join(root, 'empty'));
  assert.equal(checkOutputFolder(folder('marked', OLD_SET)), join(root, 'marked'));
  // Written by a version before the "format" field: its ablation.json always had these three.
  const legacy = folder('legacy', {
    'ablation.json': JSON.stringify({ specmorphVersion: '0.1.0', createdAt: '2026-11-26T10:00:00Z', arms: [] }),
    'summary.json': JSON.stringify({ data: 'x', table: [] }),
    'report.html': 'r',
    'img/opening.png': 'p',
  });
  assert.equal(checkOutputFolder(legacy), legacy);

  const mine = folder('mine', { 'report.html': '<html>my report</html>', 'ablation.json': '{"mine": 1}' });
  assert.throws(
    () => checkOutputFolder(mine),
    /mine: it holds ablation\.json, report\.html, which specmorph did not write \(no ablation\.json with "format": "specmorph-ablation\/1" nor summary\.json with "format": "specmorph-report\/1"\); refusing to replace it, give a new or empty folder/,
  );
  assert.deepEqual(contents(mine), { 'ablation.json': '{"mine": 1}', 'report.html': '<html>my report</html>' });
  const notes = folder('notes', { ...OLD_SET, 'notes.txt': 'mine' });
  assert.throws(() => checkOutputFolder(notes), /notes: it holds notes\.txt, which specmorph does not write there/);
  const photo = folder('photo', { ...OLD_SET, 'img/photo.jpg': 'mine' });
  assert.throws(
    () => checkOutputFolder(photo),
    /photo: it holds img\/photo\.jpg, which specmorph does not write there/,
  );
  const linked = folder('linked', { 'ablation.json': OLD_SET['ablation.json'] });
  symlinkSync(join(root, 'mine', 'report.html'), join(linked, 'report.html'));
  assert.throws(() => checkOutputFolder(linked), /linked: it holds report\.html \(a symbolic link\)/);
});

test('checkOutputFolder refuses a dangling link as the folder or on the way to it, and a file, before any work', () => {
  const t = folder('t', { file: 'x' });
  symlinkSync(join(t, 'nowhere'), join(t, 'dangling'));
  assert.throws(
    () => checkOutputFolder(join(t, 'dangling')),
    /t\/dangling: is a symbolic link to .*t\/nowhere, which does not exist; give a folder/,
  );
  assert.throws(
    () => checkOutputFolder(join(t, 'dangling', 'sub')),
    /dangling\/sub: cannot create the output folder \(.*t\/dangling is a symbolic link to .*t\/nowhere, which does not exist\)/,
  );
  assert.throws(
    () => checkOutputFolder(join(t, 'file')),
    /t\/file: cannot create the output folder \(.*t\/file is not a folder\)/,
  );
  assert.throws(
    () => checkOutputFolder(join(t, 'file', 'sub')),
    /file\/sub: cannot create the output folder \(.*t\/file is not a folder\)/,
  );
  assert.deepEqual(readdirSync(t).sort(), ['dangling', 'file']);
});

test('openOutputStage: commit replaces the earlier outputs as one set; discard leaves them whole', () => {
  const out = folder('swap', OLD_SET);
  const failed = openOutputStage(out);
  writeFileSync(join(failed.dir, 'ablation.json'), 'half of a run that then failed');
  failed.discard();
  assert.deepEqual(contents(out), OLD_SET);

  const stage = openOutputStage(out);
  const NEW_SET = { 'ablation.json': JSON.stringify({ format: ABLATION_FORMAT, run: 'new' }), 'ablation.html': 'new' };
  for (const [f, text] of Object.entries(NEW_SET)) writeFileSync(join(stage.dir, f), text);
  stage.commit();
  stage.discard();
  assert.deepEqual(contents(out), NEW_SET, 'the old report.html, summary.json, img and notebooks are gone with it');
  // What appeared in the folder during the run is checked again before anything is moved.
  const late = openOutputStage(out);
  writeFileSync(join(late.dir, 'ablation.json'), 'x');
  writeFileSync(join(out, 'notes.txt'), 'written during the run');
  assert.throws(() => late.commit(), /swap: it holds notes\.txt, .*\(written there while this run worked\)/);
  late.discard();
  assert.deepEqual(contents(out), { ...NEW_SET, 'notes.txt': 'written during the run' });
});

test('sweepOutputLeftovers finishes or undoes swaps of killed runs by phase, and leaves live ones alone', () => {
  const NEW = { 'ablation.json': JSON.stringify({ format: ABLATION_FORMAT, run: 'new' }), 'ablation.html': 'new' };
  const base = (dir: string, pid = DEAD) => join(dir, `.specmorph-out-${pid}-Ab12Cd`);
  // Killed while writing its outputs: the staging folder goes, the earlier set stays.
  const writing = folder('k-writing', OLD_SET);
  mkdirSync(base(writing));
  writeFileSync(join(base(writing), 'ablation.json'), 'half');
  sweepOutputLeftovers(writing);
  assert.deepEqual(contents(writing), OLD_SET);
  // Killed while moving the old outputs aside: they are moved back.
  const aside = folder('k-aside', OLD_SET);
  mkdirSync(base(aside));
  writeFileSync(join(base(aside), 'ablation.json'), NEW['ablation.json']);
  mkdirSync(`${base(aside)}-old`);
  for (const f of ['report.html', 'img']) {
    renameSync(join(aside, f), join(`${base(aside)}-old`, f));
  }
  sweepOutputLeftovers(aside);
  assert.deepEqual(contents(aside), OLD_SET);
  // Killed while moving the new outputs in (after the point of no return): the rest go in.
  const moving = folder('k-moving', { 'ablation.html': 'new' });
  folder(`k-moving/.specmorph-out-${DEAD}-Ab12Cd-new`, { 'ablation.json': NEW['ablation.json'] });
  folder(`k-moving/.specmorph-out-${DEAD}-Ab12Cd-old`, OLD_SET);
  sweepOutputLeftovers(moving);
  assert.deepEqual(contents(moving), NEW);
  // Killed while removing the old outputs after the swap.
  const removing = folder('k-removing', NEW);
  folder(`k-removing/.specmorph-out-${DEAD}-Ab12Cd-old`, OLD_SET);
  sweepOutputLeftovers(removing);
  assert.deepEqual(contents(removing), NEW);
  // A run still going (the test runner's parent): its staging folder is neither removed nor counted as foreign.
  const live = folder('live', NEW);
  mkdirSync(base(live, process.ppid));
  sweepOutputLeftovers(live);
  assert.equal(checkOutputFolder(live), live);
  assert.ok(readdirSync(live).includes(`.specmorph-out-${process.ppid}-Ab12Cd`));
});

/** An earlier report's folder after its notebooks were opened and saved in Jupyter. */
const JUPYTER_SET = {
  ...OLD_SET,
  'notebooks/.ipynb_checkpoints/01-spectrograms-checkpoint.ipynb': '{"saved": "in Jupyter"}',
  '.ipynb_checkpoints/ablation-checkpoint.md': 'saved in Jupyter',
};
const CHECKPOINTS = Object.fromEntries(Object.entries(JUPYTER_SET).filter(([f]) => f.includes('.ipynb_checkpoints')));

test('report --out with Jupyter .ipynb_checkpoints at the top and in notebooks/: accepted, and carried over to the new outputs', () => {
  const out = folder('jupyter', JUPYTER_SET);
  assert.equal(checkOutputFolder(out), out);
  const stage = openOutputStage(out);
  const NEW_SET = {
    'summary.json': JSON.stringify({ format: REPORT_FORMAT, run: 'new' }),
    'notebooks/01-spectrograms.ipynb': '{"run": "new"}',
  };
  folder(stage.dir.slice(root.length + 1), NEW_SET);
  stage.commit();
  stage.discard();
  assert.deepEqual(contents(out), { ...NEW_SET, ...CHECKPOINTS });
  // ablate writes no notebooks/: the checkpoints keep one of their own.
  const ablate = openOutputStage(out);
  writeFileSync(join(ablate.dir, 'ablation.json'), JSON.stringify({ format: ABLATION_FORMAT, run: 'ablate' }));
  ablate.commit();
  assert.deepEqual(contents(out), {
    'ablation.json': JSON.stringify({ format: ABLATION_FORMAT, run: 'ablate' }),
    ...CHECKPOINTS,
  });
  assert.equal(checkOutputFolder(out), out);
});

test('.ipynb_checkpoints that is a file or a symbolic link is refused as before, and the link and its target are left alone', () => {
  const target = folder('jupyter-target', { 'x-checkpoint.ipynb': 'mine' });
  for (const where of ['', 'notebooks/']) {
    const asFile = folder(`ckpt-file-${where.length}`, { ...OLD_SET, [`${where}.ipynb_checkpoints`]: 'a file' });
    assert.throws(
      () => checkOutputFolder(asFile),
      new RegExp(`it holds ${where}\\.ipynb_checkpoints \\(a file\\), which specmorph does not write there`),
    );
    const asLink = folder(`ckpt-link-${where.length}`, OLD_SET);
    symlinkSync(target, join(asLink, `${where}.ipynb_checkpoints`));
    assert.throws(
      () => checkOutputFolder(asLink),
      new RegExp(`it holds ${where}\\.ipynb_checkpoints \\(a symbolic link\\), which specmorph does not write there`),
    );
    assert.equal(readlinkSync(join(asLink, `${where}.ipynb_checkpoints`)), target);
  }
  assert.deepEqual(contents(target), { 'x-checkpoint.ipynb': 'mine' });
  // Whatever else is foreign is refused beside a checkpoints folder too.
  const notes = folder('ckpt-notes', { ...JUPYTER_SET, 'notebooks/notes.txt': 'mine' });
  assert.throws(() => checkOutputFolder(notes), /it holds notebooks\/notes\.txt, which specmorph does not write there/);
});

test('sweepOutputLeftovers keeps the Jupyter checkpoints of a swap killed at any step', () => {
  const NEW = { 'summary.json': JSON.stringify({ format: REPORT_FORMAT, run: 'new' }), 'notebooks/02-x.ipynb': 'new' };
  const stage = `.specmorph-out-${DEAD}-Ab12Cd`;
  const ckpt = 'notebooks/.ipynb_checkpoints/01-spectrograms-checkpoint.ipynb';
  const notebookCkpt = { [ckpt]: CHECKPOINTS[ckpt] };
  // Killed after the old outputs went aside and the checkpoints into the staged set, before the
  // point of no return: the old outputs and their checkpoints are put back.
  const before = folder('ck-before', { '.ipynb_checkpoints/ablation-checkpoint.md': 'saved in Jupyter' });
  folder(`ck-before/${stage}-old`, OLD_SET);
  folder(`ck-before/${stage}`, { ...NEW, ...notebookCkpt });
  sweepOutputLeftovers(before);
  assert.deepEqual(contents(before), JUPYTER_SET);
  // The same with a staged set without notebooks/ (ablate).
  const ablate = folder('ck-before-ablate', { '.ipynb_checkpoints/ablation-checkpoint.md': 'saved in Jupyter' });
  folder(`ck-before-ablate/${stage}-old`, OLD_SET);
  folder(`ck-before-ablate/${stage}`, { 'ablation.json': 'new', ...notebookCkpt });
  sweepOutputLeftovers(ablate);
  assert.deepEqual(contents(ablate), JUPYTER_SET);
  // Killed after the point of no return: the checkpoints go in with the new outputs.
  const committed = folder('ck-after', { '.ipynb_checkpoints/ablation-checkpoint.md': 'saved in Jupyter' });
  folder(`ck-after/${stage}-old`, OLD_SET);
  folder(`ck-after/${stage}-new`, { ...NEW, ...notebookCkpt });
  sweepOutputLeftovers(committed);
  assert.deepEqual(contents(committed), { ...NEW, ...CHECKPOINTS });
  // Undone while a checkpoints folder is back in place (saved from Jupyter meanwhile): the staged
  // one is left with the staging folder, not removed, until its place is free.
  const blocked = folder('ck-blocked', JUPYTER_SET);
  folder(`ck-blocked/${stage}`, notebookCkpt);
  mkdirSync(join(blocked, `${stage}-old`));
  writeFileSync(join(blocked, ckpt), 'saved meanwhile');
  sweepOutputLeftovers(blocked);
  assert.deepEqual(contents(blocked), {
    ...JUPYTER_SET,
    [ckpt]: 'saved meanwhile',
    [`${stage}/${ckpt}`]: CHECKPOINTS[ckpt],
  });
  rmSync(join(blocked, 'notebooks', '.ipynb_checkpoints'), { recursive: true });
  sweepOutputLeftovers(blocked);
  assert.deepEqual(contents(blocked), JUPYTER_SET);
});
