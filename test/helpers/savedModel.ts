// A model saved to a temporary folder and loaded back, for tests that check nothing is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Grid } from '../../src/grid/grid';
import { loadModel, saveModel } from '../../src/model/io';
import type * as tf from '../../src/model/tf';
import { predictScores } from '../../src/model/train';
import type { PipelineConfig } from '../../src/pipeline/config';

/** `model` saved with `pipeline` and loaded back: the loaded model's scores of `inputs` (its folder removed, it disposed). */
export async function scoresAfterSaveAndLoad(
  model: tf.LayersModel,
  pipeline: PipelineConfig,
  inputs: readonly Grid[],
): Promise<Float32Array> {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-saved-'));
  try {
    await saveModel(join(dir, 'm'), model, { pipeline });
    const loaded = await loadModel(join(dir, 'm'));
    try {
      return predictScores(loaded.model, inputs);
    } finally {
      loaded.model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
