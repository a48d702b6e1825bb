// Worker thread of melSpectrogramBlocksAsync: says 'ready' once loaded, then receives jobs (a
// block's frames with the samples they read) and answers each with the block (its buffer
// transferred, not copied) and the job's sample buffer back for reuse, or the error's class name
// and message. null ends the thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { MelJob, MelJobResult } from './melBlocks';
import { MelKernel, type MelPlan } from './melSpectrogram';

const kernel = new MelKernel((workerData as { plan: MelPlan }).plan);
const rows = kernel.plan.bank.rows;
parentPort!.postMessage('ready');

parentPort!.on('message', (job: MelJob | null) => {
  if (job === null) {
    parentPort!.close();
    return;
  }
  let answer: MelJobResult;
  try {
    if (job.out) {
      kernel.frames(job.x, job.t0, job.n, job.base, job.total, job.out, job.cols, job.t0);
      answer = { data: null, x: job.x };
    } else {
      const data = new Float32Array(rows * job.n);
      kernel.frames(job.x, job.t0, job.n, job.base, job.total, data, job.n, 0);
      answer = { data, x: job.x };
    }
  } catch (e) {
    const err = e as Error;
    parentPort!.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) } });
    return;
  }
  const transfer = [answer.x.buffer as ArrayBuffer];
  if (answer.data) transfer.push(answer.data.buffer as ArrayBuffer);
  parentPort!.postMessage(answer, transfer);
});
