import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  rmSync,
  readdirSync,
  writeFileSync,
  mkdirSync,
  readFileSync,
  existsSync,
  symlinkSync,
  lstatSync,
  renameSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '../../src/model/tf';
import { saveModel, loadModel, MODEL_FILES } from '../../src/model/io';
import { DEFAULT_PIPELINE } from '../../src/pipeline/config';

function tinyModel(seed: number): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [4, 3, 1] }));
  m.add(
    tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
  );
  return m;
}

function scratch(): string {
  return mkdtempSync(path.join(tmpdir(), 'specmorph-folder-'));
}

test('saveModel never replaces a user folder that merely holds a metadata.json (thesis + figures)', async () => {
  await tf.setBackend('cpu');
  const root = scratch();
  try {
    const thesis = path.join(root, 'thesis');
    mkdirSync(path.join(thesis, 'figures'), { recursive: true });
    writeFileSync(path.join(thesis, 'metadata.json'), '{"title": "my thesis"}');
    writeFileSync(path.join(thesis, 'thesis.tex'), '\\documentclass{article}');
    writeFileSync(path.join(thesis, 'figures', 'a.pdf'), 'pdf');
    await assert.rejects(
      saveModel(thesis, tinyModel(1), { pipeline: DEFAULT_PIPELINE, overwrite: true }),
      /thesis: folder exists and is not a specmorph model folder \(it holds figures, thesis\.tex\); refusing to replace it/,
    );
    assert.deepEqual(readdirSync(thesis).sort(), ['figures', 'metadata.json', 'thesis.tex']);
    assert.equal(readFileSync(path.join(thesis, 'thesis.tex'), 'utf8'), '\\documentclass{article}');
    // Exactly the five model file names but the user's own metadata.json (no format marker): refused too.
    const lookalike = path.join(root, 'lookalike');
    mkdirSync(lookalike);
    for (const f of Object.values(MODEL_FILES)) writeFileSync(path.join(lookalike, f), '{}');
    await assert.rejects(
      saveModel(lookalike, tinyModel(1), { pipeline: DEFAULT_PIPELINE }),
      /lookalike: .*its metadata\.json has no "format": "specmorph-model\/1" marker/,
    );
    assert.equal(readFileSync(path.join(lookalike, 'weights.bin'), 'utf8'), '{}');
    // Its metadata.json a link to /dev/zero: refused by kind, not read without end; the link stays.
    rmSync(path.join(lookalike, 'metadata.json'));
    symlinkSync('/dev/zero', path.join(lookalike, 'metadata.json'));
    await assert.rejects(
      saveModel(lookalike, tinyModel(1), { pipeline: DEFAULT_PIPELINE, overwrite: true }),
      /lookalike: .*its metadata\.json cannot be read \(.*metadata\.json: not a regular file \(a device, FIFO or socket\)/,
    );
    assert.ok(lstatSync(path.join(lookalike, 'metadata.json')).isSymbolicLink());
    // A model folder with one extra user file is no longer only a model: refused.
    const m = path.join(root, 'm');
    await saveModel(m, tinyModel(1), { pipeline: DEFAULT_PIPELINE });
    assert.equal(JSON.parse(readFileSync(path.join(m, 'metadata.json'), 'utf8')).format, 'specmorph-model/1');
    writeFileSync(path.join(m, 'notes.txt'), 'mine');
    await assert.rejects(saveModel(m, tinyModel(2), { pipeline: DEFAULT_PIPELINE }), /m: .*it holds notes\.txt/);
    assert.equal(readFileSync(path.join(m, 'notes.txt'), 'utf8'), 'mine');
    assert.deepEqual(readdirSync(root).sort(), ['lookalike', 'm', 'thesis']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('saveModel replaces a specmorph model folder only when overwrite is allowed; a link to it is kept', async () => {
  await tf.setBackend('cpu');
  const root = scratch();
  try {
    const m = path.join(root, 'm');
    await saveModel(m, tinyModel(1), { pipeline: DEFAULT_PIPELINE, seed: 1 });
    await assert.rejects(
      saveModel(m, tinyModel(2), { pipeline: DEFAULT_PIPELINE, overwrite: false }),
      /m: a specmorph model folder is already there; replacing it needs overwrite: true/,
    );
    assert.equal((await loadModel(m)).metadata.seed, 1);
    symlinkSync('m', path.join(root, 'current'));
    await saveModel(path.join(root, 'current'), tinyModel(2), { pipeline: DEFAULT_PIPELINE, seed: 2 });
    assert.ok(lstatSync(path.join(root, 'current')).isSymbolicLink());
    assert.equal((await loadModel(m)).metadata.seed, 2);
    assert.deepEqual(readdirSync(root).sort(), ['current', 'm']);
    writeFileSync(path.join(root, 'file'), 'x');
    await assert.rejects(
      saveModel(path.join(root, 'file'), tinyModel(2), { pipeline: DEFAULT_PIPELINE }),
      /file: exists and is not a folder/,
    );
    await assert.rejects(
      saveModel(path.join(root, 'file', 'sub'), tinyModel(2), { pipeline: DEFAULT_PIPELINE }),
      /sub: cannot create the model folder \(.*file is not a folder\)/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('saveModel cleans leftovers of killed saves and restores the old model when the kill fell between the renames', async () => {
  await tf.setBackend('cpu');
  const root = scratch();
  try {
    const m = path.join(root, 'm');
    await saveModel(m, tinyModel(1), { pipeline: DEFAULT_PIPELINE, seed: 1 });
    // Simulate kill -9 after "move old aside" and before "move new in": m is gone, its copy sits in -old.
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const { modelTempPrefix } = await import('../../src/model/folder');
    const dead = modelTempPrefix(m).replace(`-${process.pid}-`, `-${pidMax + 1}-`);
    renameSync(m, `${dead}abcdef-old`);
    mkdirSync(`${dead}abcdef`);
    writeFileSync(path.join(`${dead}abcdef`, 'model.json'), '{"half": true}');
    mkdirSync(`${dead}zzzzzz`);
    assert.equal(existsSync(m), false);
    await assert.rejects(
      saveModel(m, tinyModel(2), { pipeline: DEFAULT_PIPELINE, overwrite: false }),
      /a specmorph model folder is already there/,
    );
    assert.deepEqual(readdirSync(root), ['m'], 'leftovers removed, old model restored');
    assert.equal((await loadModel(m)).metadata.seed, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('concurrent saveModel calls to one folder leave one whole model; a loser fails with one clear line', async () => {
  await tf.setBackend('cpu');
  const root = scratch();
  try {
    const m = path.join(root, 'm');
    await saveModel(m, tinyModel(0), { pipeline: DEFAULT_PIPELINE, seed: 0 });
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5, 6].map((s) => saveModel(m, tinyModel(s), { pipeline: DEFAULT_PIPELINE, seed: s })),
    );
    for (const r of results) {
      if (r.status === 'rejected')
        assert.match(
          String(r.reason.message),
          /m: another process wrote a model folder there at the same time; this run's model was not kept/,
        );
    }
    assert.ok(results.some((r) => r.status === 'fulfilled'));
    const seed = (await loadModel(m)).metadata.seed;
    assert.ok(seed !== null && seed >= 1 && seed <= 6);
    assert.deepEqual(readdirSync(root), ['m']);
    assert.deepEqual(readdirSync(m).sort(), Object.values(MODEL_FILES).sort());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
