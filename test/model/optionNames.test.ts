// Misspelt options of the detector, GMM, feature and ablation functions are refused, not ignored:
// `trainClassifier(x, {epoch: 1})` used to train for the default 30 epochs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGrid } from '../../src/grid/grid';
import { lcnn, smallCnn } from '../../src/model/architectures';
import { fitGmm, fitGmmDetector, fitGmmDetectorAsync } from '../../src/model/gmm';
import { predictScores, trainClassifier } from '../../src/model/train';
import { computeFeatures } from '../../src/dataset/features';
import { runAblation } from '../../src/report/ablation';

const grids = Array.from({ length: 4 }, (_, i) => createGrid(8, 16, new Float32Array(128).fill(i % 2)));
const labels = [0, 1, 0, 1];

test('trainClassifier and the architectures refuse unknown options before any work, naming the closest', async () => {
  await assert.rejects(
    trainClassifier({ inputs: grids, labels }, { epoch: 1 } as never),
    /trainClassifier: unknown option epoch; did you mean epochs\?/,
  );
  await assert.rejects(
    trainClassifier({ inputs: grids, labels }, { learning_rate: 1e-3 } as never),
    /trainClassifier: unknown option learning_rate; did you mean learningRate\?/,
  );
  assert.throws(
    () => smallCnn([8, 16, 1], { filter: [4, 4, 4] } as never),
    /smallCnn \(modelOptions\): unknown option filter; did you mean filters\?/,
  );
  assert.throws(
    () => lcnn([8, 16, 1], { dropOut: 0.5 } as never),
    /lcnn \(modelOptions\): unknown option dropOut; did you mean dropout\?/,
  );
  await assert.rejects(
    trainClassifier(
      { inputs: grids, labels },
      { epochs: 1, modelOptions: { batchnorm: false } as never, progress: false, log: null },
    ),
    /smallCnn \(modelOptions\): unknown option batchnorm; did you mean batchNorm\?/,
  );
  assert.throws(
    () => predictScores(null as never, grids, { batch: 8 } as never),
    /predictScores: unknown option batch; did you mean batchSize\?/,
  );
});

test('the GMM, feature and ablation functions refuse unknown options, naming the closest', async () => {
  const frames = createGrid(
    2,
    50,
    Float32Array.from({ length: 100 }, (_, i) => Math.sin(i)),
  );
  assert.throws(
    () => fitGmm(frames, { n_components: 2 } as never),
    /fitGmm: unknown option n_components; did you mean nComponents\?/,
  );
  assert.throws(() => fitGmmDetector(frames, frames, { init: {} } as never), /fitGmmDetector: unknown option init/);
  await assert.rejects(
    fitGmmDetectorAsync(frames, frames, { maxIters: 3 } as never),
    /fitGmmDetectorAsync: unknown option maxIters; did you mean maxIter\?/,
  );
  await assert.rejects(
    computeFeatures([], { stages: [] }, { worker: 1 } as never),
    /computeFeatures: unknown option worker; did you mean workers\?/,
  );
  await assert.rejects(
    runAblation('/nonexistent', { seed: [0] } as never),
    /runAblation: unknown option seed; did you mean seeds\?/,
  );
});
