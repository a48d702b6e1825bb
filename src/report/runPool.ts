// Runs the ablation's trainings `jobs` at a time: in the calling thread for jobs = 1, else one worker
// thread per job (report/runWorker.ts), each rebuilding the trainer from its module and reading its
// runs' features from the feature cache. Runs are seeded and independent, so where a run trains
// does not change its scores (test/report/runPool.test.ts checks this bit for bit).
import type { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { DatasetError, ParameterError, SpecmorphError } from '../errors';
import { startWorker, workerScriptPath } from '../workers';
import { fitTask, loadFeatures, type LoadedFeatures, type RunOutput, type RunTask } from './runTask';
import type { AblationEpoch, AblationTrainer } from './trainer';

/** Callbacks of {@link runTasks}. */
export interface RunPoolHandlers {
  /** A task was handed to a thread. */
  onStart: (task: RunTask) => void;
  /** An epoch of a task finished. */
  onEpoch: (task: RunTask, log: AblationEpoch) => void;
  /** A task finished; awaited before its thread gets the next task (so a run is cached before the next starts). */
  onDone: (task: RunTask, out: RunOutput) => Promise<void>;
}

/** Messages of a run worker. */
export type RunWorkerMessage =
  | { kind: 'epoch'; id: number; log: AblationEpoch }
  | { kind: 'done'; id: number; scores: Float64Array; history: AblationEpoch[]; backend: string }
  | { kind: 'error'; id: number; name: string; message: string };

/** The error a run raised, named after the run, of the same SpecmorphError class when it was one. */
function runError(task: RunTask, name: string, message: string, cause?: unknown): Error {
  const text = `${task.name} seed ${task.seed}: ${message}`;
  const options = cause === undefined ? undefined : { cause };
  if (name === 'ParameterError') return new ParameterError(text, options);
  if (name === 'DatasetError' || name === 'AudioDecodeError') return new DatasetError(text, options);
  if (name === 'SpecmorphError') return new SpecmorphError(text, options);
  return new Error(text, options);
}

function runWorkerScript(): string {
  return workerScriptPath(__filename, 'runWorker');
}

/**
 * Runs `tasks` (in order, `jobs` at a time) and reports each through `handlers`. jobs > 1 needs a
 * trainer that names how a worker rebuilds it ({@link AblationTrainer.worker}). The first failure
 * stops every worker (awaited, none is left running) and rejects with the failing run named.
 */
export async function runTasks(
  tasks: readonly RunTask[],
  trainer: AblationTrainer,
  jobs: number,
  handlers: RunPoolHandlers,
): Promise<void> {
  if (tasks.length === 0) return;
  if (jobs > 1 && !trainer.worker)
    throw new ParameterError(
      `jobs=${jobs}: trainer "${trainer.model}" names no worker module (trainer.worker); use jobs: 1`,
    );
  if (jobs <= 1 || !existsSync(runWorkerScript())) {
    let last: LoadedFeatures | null = null;
    for (const task of tasks) {
      handlers.onStart(task);
      let out: RunOutput;
      try {
        last = await loadFeatures(task.features, last);
        const features = last.features;
        out = await fitTask(task, trainer, features, (log) => handlers.onEpoch(task, log));
      } catch (e) {
        throw runError(task, (e as Error).name, (e as Error).message, e);
      }
      await handlers.onDone(task, out);
    }
    return;
  }
  const n = Math.min(jobs, tasks.length);
  // Messages name a task by its id (its place in the whole ablation, cached runs included).
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const workers: Worker[] = [];
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let finished = 0;
    let exited = 0;
    let failed = false;
    const running = new Map<Worker, RunTask>();
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      // Reject only once every worker has stopped: nothing trains on after the error is seen.
      void Promise.all(workers.map((w) => w.terminate())).then(() => reject(e));
    };
    const feed = (w: Worker): void => {
      if (failed) return;
      if (next < tasks.length) {
        const task = tasks[next++];
        running.set(w, task);
        handlers.onStart(task);
        w.postMessage(task);
      } else {
        running.delete(w);
        w.postMessage(null);
      }
    };
    for (let k = 0; k < n; k++) {
      const w = startWorker(runWorkerScript(), { trainer: trainer.worker });
      workers.push(w);
      w.on('message', (m: RunWorkerMessage) => {
        if (failed) return;
        const task = byId.get(m.id)!;
        if (m.kind === 'epoch') handlers.onEpoch(task, m.log);
        else if (m.kind === 'error') fail(runError(task, m.name, m.message));
        else
          handlers
            .onDone(task, { scores: m.scores, history: m.history, backend: m.backend })
            .then(() => {
              finished++;
              feed(w);
            })
            .catch((e: Error) => fail(e));
      });
      w.on('error', (e) => {
        const task = running.get(w);
        fail(new Error(`run worker${task ? ` (${task.name} seed ${task.seed})` : ''} failed: ${e.message}`));
      });
      w.on('exit', (code) => {
        exited++;
        if (failed) return;
        const task = running.get(w);
        if (task) fail(new Error(`run worker exited with code ${code} during ${task.name} seed ${task.seed}`));
        else if (exited === n) {
          if (finished === tasks.length) resolve();
          else fail(new Error(`run workers exited after ${finished} of ${tasks.length} runs`));
        }
      });
      feed(w);
    }
  });
}
