// Worker thread of computeFeatures / cacheFeatures: receives {index, file} tasks, answers with the
// feature grid (its buffer transferred, not copied; only its shape when `keep` is false: the
// feature stays in the cache) or the error's class name and message.
import { parentPort, workerData } from 'node:worker_threads';
import { extractFeature } from './extract';
import { PipelineConfig } from '../pipeline/config';

interface Init {
  config: PipelineConfig;
  fingerprint: string;
  cacheDir: string | null;
  keep: boolean;
}
const init = workerData as Init;

parentPort!.on('message', (task: { index: number; file: string } | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  extractFeature(task.file, init.config, init.fingerprint, init.cacheDir, !init.keep).then(
    ({ grid, hash, cached }) => {
      if (!init.keep) {
        parentPort!.postMessage({ index: task.index, rows: grid.rows, cols: grid.cols, data: null, hash, cached });
        return;
      }
      parentPort!.postMessage({ index: task.index, rows: grid.rows, cols: grid.cols, data: grid.data, hash, cached }, [
        grid.data.buffer as ArrayBuffer,
      ]);
    },
    (e: unknown) => {
      const err = e as Error;
      parentPort!.postMessage({
        index: task.index,
        error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) },
      });
    },
  );
});
