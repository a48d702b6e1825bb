// A mel worker that fails, for the error paths of melSpectrogramBlocksAsync's worker threads: with
// 20 mel bands it answers every job with the error a failed allocation gives; otherwise it throws an
// uncaught exception on the job of frame 0 (that thread dies with an 'error' event) and never
// answers the others (those threads run until terminated).
import { parentPort, workerData } from 'node:worker_threads';
import type { MelJob } from '../../src/spectral/melBlocks';

const { plan } = workerData as { plan: { bank: { rows: number } } };
parentPort!.postMessage('ready');
parentPort!.on('message', (job: MelJob | null) => {
  if (job === null) return;
  if (plan.bank.rows === 20) {
    parentPort!.postMessage({ error: { name: 'RangeError', message: 'Array buffer allocation failed' } });
    return;
  }
  if (job.t0 === 0) throw new Error(`kernel crashed at frame ${job.t0}`);
});
