import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import {
  ARCHITECTURE_INFO,
  ARCHITECTURE_NAMES,
  DEFAULT_ARCHITECTURE,
  DETECTOR_NAMES,
  GMM_DETECTOR,
  detectorChoices,
  isArchitectureName,
} from '../../src/model/registry';

test('registry: names, default and --arch choices all come from ARCHITECTURE_INFO plus the GMM baseline', () => {
  assert.deepEqual(ARCHITECTURE_NAMES, Object.keys(ARCHITECTURE_INFO));
  assert.ok(isArchitectureName(DEFAULT_ARCHITECTURE));
  assert.deepEqual(DETECTOR_NAMES, [...ARCHITECTURE_NAMES, 'gmm']);
  assert.ok(!isArchitectureName(GMM_DETECTOR.name));
  for (const name of DETECTOR_NAMES) assert.match(detectorChoices(), new RegExp(`(^|; )${name} \\(`));
});

test('specmorph train --help lists every --arch name with its summary and the default', () => {
  const root = path.join(__dirname, '../..');
  const help = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', '--help'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.ok(help.includes(`detector (default ${DEFAULT_ARCHITECTURE}): ${detectorChoices()}`), help);
});
