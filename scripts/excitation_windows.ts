// Writes the excitation expert's pooled statistics of every scoring window of a model's clips, one
// JSON line per clip: {"id", "label", "attack", "windows": [[log kurtosis, log crest factor, phase
// concentration (null: too few voiced frames)], ...]}. What the model's excitation_pool layer gives
// its z-score, read out for offline probes of that expert (scripts/calibration_probe.py).
// Run: node --import tsx scripts/excitation_windows.ts MODEL_DIR DATA_DIR SPLIT OUT.jsonl
// (features from the default cache, $SPECMORPH_CACHE or ~/.cache/specmorph/features).
import { writeFileSync } from 'node:fs';
import { loadDataArgs, selectSplit } from '../src/cli/data';
import { defaultCacheDir } from '../src/dataset/cache';
import { cacheFeatures } from '../src/dataset/features';
import { initBackend } from '../src/model/backend';
import { loadDetector } from '../src/model/detector';
import * as tf from '../src/model/tf';
import { windowOutputs, windowStarts } from '../src/model/train';

async function main(): Promise<void> {
  const [model, data, split, out] = process.argv.slice(2);
  if (!out) throw new Error('usage: excitation_windows.ts MODEL_DIR DATA_DIR SPLIT OUT.jsonl');
  await initBackend();
  const ds = selectSplit(
    await loadDataArgs({ data }, 'excitation_windows'),
    { data, split },
    'excitation_windows',
    null,
  );
  const detector = await loadDetector(model);
  const pool = detector.kind === 'tfjs' ? detector.model.layers.find((l) => l.name === 'excitation_pool') : undefined;
  if (detector.kind !== 'tfjs' || !pool) throw new Error(`${model}: no excitation expert (no excitation_pool layer)`);
  const stats = tf.model({ inputs: detector.model.inputs, outputs: pool.output as tf.SymbolicTensor });
  const feats = await cacheFeatures(
    ds.items.map((it) => it.path),
    detector.pipeline,
    { cacheDir: defaultCacheDir() },
  );
  const width = detector.metadata.inputShape[1];
  const set = {
    length: ds.items.length,
    get: (i: number) => feats.features.get(i).data,
    rows: feats.rows,
    cols: feats.cols,
    channels: 1,
    streamed: true,
  };
  const rows = windowOutputs(
    stats,
    set,
    ds.items.map((_, i) => i),
    width,
  );
  const per = windowStarts(feats.cols, width).length;
  const lines = ds.items.map((it, i) => {
    const windows = rows.slice(i * per, (i + 1) * per).map((r) => Array.from(r));
    return JSON.stringify({ id: it.id, label: it.label, attack: it.attack ?? '-', windows });
  });
  writeFileSync(out, `${lines.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
