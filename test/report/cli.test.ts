import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ablateCommand, ABLATE_HELP } from '../../src/cli/ablate';
import { reportCommand } from '../../src/cli/report';
import { writeTinyCorpus } from '../helpers/tinyCorpus';

test('specmorph ablate: bad inputs are one-line errors naming the argument', async () => {
  await assert.rejects(
    ablateCommand(['--data', '/nonexistent/specmorph']),
    /\/nonexistent\/specmorph: data folder does not exist/,
  );
  await assert.rejects(
    ablateCommand(['--data', '/tmp', '--seeds', '0']),
    /--seeds=0 must be an integer in \[1, 1000\]/,
  );
  await assert.rejects(ablateCommand(['--epochs', 'x']), /--epochs=x must be an integer/);
  await assert.rejects(ablateCommand(['--data', '/tmp', '--jobs', '0']), /--jobs=0 must be an integer in \[1, 256\]/);
  assert.match(ABLATE_HELP, /--jobs N +trainings at a time, one worker thread each/);
  await assert.rejects(ablateCommand([]), /ablate: --data DIR \(or --protocol FILE --audio DIR\) is required/);
  await assert.rejects(ablateCommand(['--bogus']), /ablate: unknown option --bogus/);
  assert.match(ABLATE_HELP, /--seeds N/);
});

test('specmorph report: a missing data folder fails before any work', async () => {
  await assert.rejects(
    reportCommand(['--data', '/nonexistent/corpus', '--no-notebooks']),
    /\/nonexistent\/corpus: data folder does not exist/,
  );
  await assert.rejects(reportCommand(['--seeds', '-1']), /--seeds=-1 must be an integer/);
  await assert.rejects(reportCommand(['--jobs', 'two']), /--jobs=two must be an integer in \[1, 256\]/);
});

test('specmorph ablate/report refuse a bad --out before any work: a dangling link, a user folder, the notebooks they run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'specmorph-report-out-'));
  try {
    const data = join(root, 'data');
    writeTinyCorpus(data);
    const quick = ['--data', data, '--seeds', '1', '--epochs', '1', '--workers', '0', '--no-reference'];
    symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
    for (const command of [ablateCommand, reportCommand]) {
      await assert.rejects(
        command([...quick, '--out', join(root, 'dangling')]),
        /dangling: is a symbolic link to .*nowhere, which does not exist; give a folder/,
      );
      await assert.rejects(
        command([...quick, '--out', join(root, 'dangling', 'sub')]),
        /dangling\/sub: cannot create the output folder \(.*dangling is a symbolic link to .*nowhere, which does not exist\)/,
      );
    }
    const mine = join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'report.html'), '<html>my own report</html>');
    writeFileSync(join(mine, 'ablation.json'), '{"my": "numbers"}');
    for (const command of [ablateCommand, reportCommand])
      await assert.rejects(
        command([...quick, '--out', mine]),
        /mine: it holds ablation\.json, report\.html, which specmorph did not write .*refusing to replace it/,
      );
    assert.equal(readFileSync(join(mine, 'report.html'), 'utf8'), '<html>my own report</html>');
    // `report --out .` in a checkout: its notebooks/ folder is the one the report executes.
    const nbsrc = join(root, 'nbsrc');
    mkdirSync(join(nbsrc, 'notebooks'), { recursive: true });
    writeFileSync(join(nbsrc, 'notebooks', '01-mine.ipynb'), '{"cells": []}');
    await assert.rejects(
      reportCommand([...quick, '--notebooks', join(nbsrc, 'notebooks'), '--out', nbsrc]),
      /report: --out=".*nbsrc" would replace the notebooks it executes \(its notebooks folder is --notebooks=".*nbsrc\/notebooks"\); give another --out/,
    );
    assert.equal(readFileSync(join(nbsrc, 'notebooks', '01-mine.ipynb'), 'utf8'), '{"cells": []}');
    assert.deepEqual(readdirSync(root).sort(), ['dangling', 'data', 'mine', 'nbsrc']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
