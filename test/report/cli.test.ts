import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ablateCommand, ABLATE_HELP } from '../../src/cli/ablate';
import { reportCommand } from '../../src/cli/report';

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
