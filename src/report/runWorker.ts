// Worker thread of report/runPool.ts: rebuilds the ablation's trainer from the module it names,
// then trains the runs it is sent one at a time (null ends it), keeping the last arm's opened
// features (checked once) so consecutive seeds of one arm stream them from the cache directly.
import { parentPort, workerData } from 'node:worker_threads';
import { fitTask, loadFeatures, type LoadedFeatures, type RunTask } from './runTask';
import type { RunWorkerMessage } from './runPool';
import type { AblationTrainer, TrainerModule } from './trainer';

const spec = (workerData as { trainer: TrainerModule }).trainer;
const trainer = (require(spec.module) as Record<string, (o: unknown) => AblationTrainer>)[spec.factory](spec.options);
let last: LoadedFeatures | null = null;

const post = (m: RunWorkerMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

parentPort!.on('message', (task: RunTask | null) => {
  if (task === null) {
    parentPort!.close();
    return;
  }
  (async () => {
    last = await loadFeatures(task.features, last);
    const out = await fitTask(task, trainer, last.features, (log) => post({ kind: 'epoch', id: task.id, log }));
    post({ kind: 'done', id: task.id, ...out }, [out.scores.buffer as ArrayBuffer]);
  })().catch((e: unknown) => {
    const err = e as Error;
    post({ kind: 'error', id: task.id, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
  });
});
