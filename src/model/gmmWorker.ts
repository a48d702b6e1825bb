// Worker thread of fitGmmDetectorAsync: fits one mixture on the frames it is given, reports every EM
// iteration, then answers with the mixture (or the error's class name and message).
import { parentPort, workerData } from 'node:worker_threads';
import { FrameMatrix, GmmOptions, fitGmm } from './gmm';

const { frames, opts } = workerData as { frames: FrameMatrix; opts: Omit<GmmOptions, 'onIteration'> };
try {
  const gmm = fitGmm(frames, { ...opts, onIteration: (it) => parentPort!.postMessage({ it }) });
  parentPort!.postMessage({ gmm });
} catch (e) {
  const err = e as Error;
  parentPort!.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) } });
}
