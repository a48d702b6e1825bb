// A slow mel worker that marks its blocks, to see which blocks melSpectrogramBlocksAsync's 'auto'
// mode computed in the calling thread: it computes each block as the real worker does, waits 80 ms,
// and sets the block's first value to -1 (a power spectrum is never negative).
import { parentPort, workerData } from 'node:worker_threads';
import type { MelJob } from '../../src/spectral/melBlocks';
import { MelKernel, type MelPlan } from '../../src/spectral/melSpectrogram';

const kernel = new MelKernel((workerData as { plan: MelPlan }).plan);
const rows = kernel.plan.bank.rows;
const pause = new Int32Array(new SharedArrayBuffer(4));
parentPort!.postMessage('ready');
parentPort!.on('message', (job: MelJob | null) => {
  if (job === null) return;
  const data = new Float32Array(rows * job.n);
  kernel.frames(job.x, job.t0, job.n, job.base, job.total, data, job.n, 0);
  Atomics.wait(pause, 0, 0, 80);
  data[0] = -1;
  parentPort!.postMessage({ data, x: job.x }, [data.buffer as ArrayBuffer, job.x.buffer as ArrayBuffer]);
});
