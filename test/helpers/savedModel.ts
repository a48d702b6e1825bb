// A model saved to a temporary folder and loaded back, for tests that check nothing is lost.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Grid } from '../../src/grid/grid';
import { loadModel, saveModel } from '../../src/model/io';
import type * as tf from '../../src/model/tf';
import { predictScores } from '../../src/model/train';
import type { PipelineConfig } from '../../src/pipeline/config';

/**
 * Asserts that `model`, saved with `pipeline` and loaded back, scores `inputs` as it does (to 1e-5);
 * the folder is removed and the loaded model disposed.
 */
export async function assertSameScoresAfterSaveAndLoad(
  model: tf.LayersModel,
  pipeline: PipelineConfig,
  inputs: readonly Grid[],
): Promise<void> {
  const before = predictScores(model, inputs);
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-saved-'));
  try {
    await saveModel(join(dir, 'm'), model, { pipeline });
    const loaded = await loadModel(join(dir, 'm'));
    try {
      const after = predictScores(loaded.model, inputs);
      assert.ok(
        after.every((v, i) => Math.abs(v - before[i]) < 1e-5),
        'saved and loaded, the same scores',
      );
    } finally {
      loaded.model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
