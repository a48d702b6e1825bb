// Worker thread of fitGmmDetectorAsync: fits one mixture on the clips it is given (copied to it), or
// on a clip source it reopens here (`openClipSource` of the source's module, e.g. the feature cache,
// streamed clip by clip), reports every EM iteration, then answers with the mixture (or the error's
// class name and message).
import { parentPort, workerData } from 'node:worker_threads';
import { ClipSource, Frames, GmmOptions, fitGmm } from './gmm';

const { frames, opts } = workerData as {
  frames: { clips: Frames[] } | { open: { module: string; data: unknown } };
  opts: Omit<GmmOptions, 'onIteration'>;
};
try {
  const clips =
    'open' in frames
      ? (require(frames.open.module) as { openClipSource(data: unknown): ClipSource }).openClipSource(frames.open.data)
      : frames.clips;
  const gmm = fitGmm(clips, { ...opts, onIteration: (it) => parentPort!.postMessage({ it }) });
  parentPort!.postMessage({ gmm });
} catch (e) {
  const err = e as Error;
  parentPort!.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e) } });
}
