// W3: training and prediction throughput of the default detector, as `specmorph train` runs it:
// trainClassifier's default `cnn` (conv 16-32-64 with batch norm, per-frequency standardisation,
// the excitation and prosody experts, which have no weights to train) on random 2 s crops of the default
// pipeline's features (80 mel bands + 10 excitation rows x 401 frames; 8 before the prosody rows of
// 2026-12-03), batch 32; prediction is predictScores on whole
// clips (mean of the window logits). The default pipeline's 60 LFCC rows are left out: the GMM expert
// that reads them trains no weights per step (its EM runs once before the first epoch; W7 times it
// against scikit-learn), so W3 stays the same per-step workload as before that expert. Per tfjs backend, against the same model, data and loop in
// PyTorch (bench/w3_torch.py, 1 and 2 threads, with glibc's default malloc and tuned) in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBackendInfo, initBackend, type BackendName } from '../src/model/backend';
import { DEFAULT_CROP_SECONDS, DEFAULT_ARCHITECTURE } from '../src/model/registry';
import { predictScores, trainClassifier } from '../src/model/train';
import { cropFramesFor } from '../src/cli/train';
import {
  DEFAULT_PIPELINE,
  excitationRowCount,
  type PipelineConfig,
  resolvePipelineConfig,
} from '../src/pipeline/config';
import { runPipeline } from '../src/pipeline/run';
import { Random } from '../src/random';
import { type BenchRow, type Target, row } from './rows';
import { median } from './timing';
import { TUNED_MALLOC } from './tunedMalloc';

const BATCH = 32;
const REPS = 5;
const SAMPLE_RATE = 16000;
/** The issue's target: training at least as fast as PyTorch on the same model. */
const TRAIN_TARGET: Target = { of: 'ratio', op: '>=', value: 1 };

/** The features file shared by every child and the PyTorch peer: a JSON header line, then float32 data. */
interface Features {
  clips: number;
  rows: number;
  cols: number;
  excitationRows: number;
  cropFrames: number;
  labels: number[];
  data: Float32Array;
}

/** DEFAULT_PIPELINE without its LFCC rows (see the header). */
const W3_PIPELINE: PipelineConfig = { ...DEFAULT_PIPELINE, lfcc: null };

/**
 * `clips` 4 s clips through DEFAULT_PIPELINE without its LFCC rows (W3_PIPELINE): half "bona fide" (a pulse train at a wandering f0
 * through a resonance, plus a little noise), half "spoof" (the same with noise excitation), so the
 * dB values and the excitation rows look like speech features, not uniform noise.
 */
function makeFeatures(clips: number): Features {
  const rng = new Random(0);
  const n = 4 * SAMPLE_RATE;
  let shape: [number, number] | null = null;
  const grids: Float32Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < clips; c++) {
    const label = c % 2;
    const x = new Float32Array(n);
    const f0 = 90 + 120 * rng.next();
    let phase = 0;
    let y1 = 0;
    let y2 = 0;
    const r = 0.97;
    const w = (2 * Math.PI * (500 + 1500 * rng.next())) / SAMPLE_RATE;
    for (let i = 0; i < n; i++) {
      phase += (f0 * (1 + 0.1 * Math.sin((2 * Math.PI * i) / SAMPLE_RATE))) / SAMPLE_RATE;
      let e = 0.01 * rng.normal();
      if (label === 1 && phase >= 1) {
        phase -= 1;
        e += 1;
      } else if (label === 0) e += 0.1 * rng.normal();
      const y = e + 2 * r * Math.cos(w) * y1 - r * r * y2;
      y2 = y1;
      y1 = y;
      x[i] = y;
    }
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    for (let i = 0; i < n; i++) x[i] *= 0.5 / peak;
    const g = runPipeline({ sampleRate: SAMPLE_RATE, channels: [x] }, W3_PIPELINE, { keep: false }).output;
    shape ??= [g.rows, g.cols];
    grids.push(g.data);
    labels.push(label);
  }
  const [rows, cols] = shape!;
  const data = new Float32Array(clips * rows * cols);
  grids.forEach((g, i) => data.set(g, i * rows * cols));
  return {
    clips,
    rows,
    cols,
    excitationRows: excitationRowCount(resolvePipelineConfig(W3_PIPELINE)),
    cropFrames: cropFramesFor(W3_PIPELINE, cols, DEFAULT_CROP_SECONDS),
    labels,
    data,
  };
}

function writeFeatures(file: string, f: Features): void {
  const { data, ...header } = f;
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from(`${JSON.stringify(header)}\n`),
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    ]),
  );
}

function readFeatures(file: string): Features {
  const buf = readFileSync(file);
  const nl = buf.indexOf(10);
  const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Omit<Features, 'data'>;
  const bytes = buf.subarray(nl + 1);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { ...header, data };
}

/** Images/s of wall time per timed epoch, images per CPU-second of this process, windows/s predicted. */
type Result = { backend: string; info: string; trainIps: number[]; trainCpuIps: number[]; predictWps: number[] };

/** Thrown from onEpoch to end a slow backend's run at its time budget. */
class Budget extends Error {}

/** Runs in a child process so every backend/thread setting starts from a fresh tfjs. */
async function child(backend: BackendName, threads: number, file: string, budgetMs: number): Promise<Result> {
  const info = await initBackend({ backend, threads });
  const f = readFeatures(file);
  const size = f.rows * f.cols;
  const inputs = Array.from({ length: f.clips }, (_, i) => f.data.subarray(i * size, (i + 1) * size));
  const trainIps: number[] = [];
  const trainCpuIps: number[] = [];
  const start = performance.now();
  let cpu = process.cpuUsage();
  let model: Awaited<ReturnType<typeof trainClassifier>>['model'] | null = null;
  const opts = {
    labels: f.labels,
    inputShape: [f.rows, f.cols, 1] as [number, number, number],
    model: DEFAULT_ARCHITECTURE,
    cropFrames: f.cropFrames,
    // What `specmorph train` passes for a pipeline with excitation rows; everything else default.
    modelOptions: { excitation: { rows: f.excitationRows } },
    // The first epoch is the warm-up (kernel compilation, first allocations).
    epochs: REPS + 1,
    recalibrateBatchNorm: false,
    progress: false,
    log: null,
    onEpoch: (l: { epoch: number; ms: number }) => {
      // CPU time from the end of the previous epoch: steadier than wall time on a shared machine.
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      if (l.epoch > 0) trainCpuIps.push((f.clips * 1e6) / (used.user + used.system));
      if (l.epoch > 0) trainIps.push((f.clips * 1000) / l.ms);
      if (l.epoch > 0 && performance.now() - start > budgetMs) throw new Budget();
    },
  };
  try {
    model = (await trainClassifier(inputs, opts)).model;
  } catch (e) {
    if (!(e instanceof Budget)) throw e;
  }
  const predictWps: number[] = [];
  if (model) {
    // Windows scored per clip: predictScores' hop of half a window, the last one flush right.
    const windows = f.cols <= f.cropFrames ? 1 : Math.ceil((f.cols - f.cropFrames) / (f.cropFrames >> 1)) + 1;
    const clips = inputs.slice(0, BATCH);
    const o = { inputShape: opts.inputShape };
    predictScores(model, clips, o);
    for (let r = 0; r < REPS; r++) {
      const t = performance.now();
      predictScores(model, clips, o);
      predictWps.push((clips.length * windows * 1000) / (performance.now() - t));
    }
  }
  return {
    backend: `${backend}${backend === 'wasm' ? ` x${info.threads}` : ''}`,
    info: formatBackendInfo(info),
    trainIps,
    trainCpuIps,
    predictWps,
  };
}

/** The pure-JS cpu backend can take many minutes for one step: past this the child is stopped. */
const CPU_TIMEOUT_MS = 5 * 60 * 1000;

function spawnChild(
  backend: BackendName,
  threads: number,
  file: string,
  clips: number,
  budgetMs: number,
): Result | null {
  const timeout = backend === 'cpu' ? CPU_TIMEOUT_MS : 30 * 60 * 1000;
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', __filename, '--child', backend, String(threads), file, String(budgetMs)],
    { encoding: 'utf8', cwd: join(__dirname, '..'), timeout },
  );
  if (r.signal) {
    // Warm-up and one timed epoch did not finish: an upper bound is all we know.
    const bound = (2 * clips * 1000) / timeout;
    console.log(
      `  ${backend} x${threads}: no timed epoch within ${timeout / 1000} s, so train < ${bound.toFixed(2)} images/s`,
    );
    return null;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    console.log(`  ${backend} x${threads}: failed (${(r.stderr || r.stdout).trim().split('\n').pop()})`);
    return null;
  }
}

type Peer = {
  trainIps: number[];
  trainCpuIps: number[];
  predictWps: number[];
  torch: string;
  threads: number;
  tuned: boolean;
};

/** What a peer's rows call it. */
function peerName(p: Peer): string {
  return (
    `PyTorch ${p.torch} (same model and loop), ${p.threads} thread${p.threads > 1 ? 's' : ''}` +
    `${p.tuned ? ', glibc malloc tuned (no page faults)' : ", glibc's default malloc"}`
  );
}

function torchPeer(file: string, threads: number, tuned: boolean): Peer | null {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return null;
  const r = spawnSync(py, [join(__dirname, 'w3_torch.py'), file, String(REPS), String(threads)], {
    encoding: 'utf8',
    timeout: 30 * 60 * 1000,
    env: tuned ? { ...process.env, ...TUNED_MALLOC } : process.env,
  });
  try {
    const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
    return {
      trainIps: o.train_ips,
      trainCpuIps: o.train_cpu_ips,
      predictWps: o.predict_wps,
      torch: o.torch,
      threads,
      tuned,
    };
  } catch {
    console.log(`  pytorch x${threads}${tuned ? ' tuned' : ''}: failed (${r.stderr.trim().split('\n').pop()})`);
    return null;
  }
}

/** Prints images/s (median of 5 epochs after a warm-up one; cpu: as many as fit in 60 s) per backend, then ours/PyTorch ratios. */
export async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-w3-'));
  try {
    const wide = makeFeatures(3 * BATCH);
    const file = join(dir, 'features.bin');
    writeFeatures(file, wide);
    const cpuFile = join(dir, 'features-cpu.bin');
    const size = wide.rows * wide.cols;
    writeFeatures(cpuFile, {
      ...wide,
      clips: BATCH,
      labels: wide.labels.slice(0, BATCH),
      data: wide.data.subarray(0, BATCH * size),
    });
    const model =
      `default cnn (BN, standardisation, excitation expert) on ${wide.rows}x${wide.cropFrames} crops ` +
      `of ${wide.rows}x${wide.cols}, batch ${BATCH}, Adam`;
    console.log(`W3 train: ${model}; images/s, median of ${REPS} epochs (shared machine: preliminary)`);
    const results: Result[] = [];
    const peers: Peer[] = [];
    // Each PyTorch peer right after the wasm run with its thread count, and the slow cpu backend
    // last, so that the pairs the ratios compare run minutes, not a cpu timeout, apart (the load
    // of a shared machine changes within minutes).
    for (const [backend, threads, f, clips, budget] of [
      ['tensorflow', 1, file, wide.clips, Infinity],
      ['wasm', 1, file, wide.clips, Infinity],
      ['pytorch', 1, file, wide.clips, Infinity],
      ['pytorch-tuned', 1, file, wide.clips, Infinity],
      ['wasm', 2, file, wide.clips, Infinity],
      ['pytorch', 2, file, wide.clips, Infinity],
      ['pytorch-tuned', 2, file, wide.clips, Infinity],
      ['cpu', 1, cpuFile, BATCH, 60_000],
    ] as const) {
      if (backend === 'pytorch' || backend === 'pytorch-tuned') {
        const p = torchPeer(file, threads, backend === 'pytorch-tuned');
        if (!p) continue;
        peers.push(p);
        console.log(
          `  ${`pytorch x${p.threads}${p.tuned ? ' tuned' : ''}`.padEnd(16)} train ${median(p.trainIps).toFixed(1).padStart(7)} (${median(p.trainCpuIps).toFixed(1)} per CPU-s)  predict ${median(p.predictWps).toFixed(1).padStart(7)} windows/s   [torch ${p.torch}]`,
        );
        continue;
      }
      if (backend === 'tensorflow') {
        try {
          require.resolve('@tensorflow/tfjs-node');
        } catch {
          console.log('  tfjs-node: not installed (optional dependency failed), skipped');
          continue;
        }
      }
      const r = spawnChild(backend, threads, f, clips, budget);
      if (!r) continue;
      results.push(r);
      const reps =
        r.trainIps.length < REPS ? ` (${r.trainIps.length} epoch${r.trainIps.length > 1 ? 's' : ''}: time budget)` : '';
      console.log(
        `  ${r.backend.padEnd(10)} train ${median(r.trainIps).toFixed(1).padStart(7)} (${median(r.trainCpuIps).toFixed(1)} per CPU-s)  predict ${median(r.predictWps).toFixed(1).padStart(7)} windows/s${reps}   [${r.info}]`,
      );
    }
    if (!peers.length)
      console.log(
        '  pytorch: no peer ran (torch missing from /usr/bin/python3, or its runs failed above), ratios skipped',
      );
    const rows: BenchRow[] = [];
    for (const r of results)
      for (const p of peers.length ? peers : [null]) {
        const peer = (v: number[] | undefined, unit: string) =>
          p && v
            ? {
                name: peerName(p),
                measure: { value: median(v), unit },
              }
            : null;
        rows.push(
          row(
            'W3',
            `train, ${model}, tfjs ${r.backend}`,
            { value: median(r.trainIps), unit: 'img/s' },
            peer(p?.trainIps, 'img/s'),
            // judged against the peer that does not fault (see TUNED_MALLOC), and without a peer
            !p || p.tuned ? TRAIN_TARGET : null,
          ),
        );
        // One thread each: images per CPU-second compare the code, whatever else runs on the machine.
        if (p && p.threads === 1 && r.backend === 'wasm x1')
          rows.push(
            row(
              'W3',
              `train, ${model}, tfjs ${r.backend}, images per CPU-second`,
              { value: median(r.trainCpuIps), unit: 'img/CPU-s' },
              {
                name: peerName(p),
                measure: { value: median(p.trainCpuIps), unit: 'img/CPU-s' },
              },
            ),
          );
        if (r.predictWps.length)
          rows.push(
            row(
              'W3',
              `predict (predictScores, whole clips, ${wide.cropFrames}-frame windows), tfjs ${r.backend}`,
              { value: median(r.predictWps), unit: 'windows/s' },
              peer(p?.predictWps, 'windows/s'),
            ),
          );
        if (p) {
          const tr = median(r.trainIps) / median(p.trainIps);
          const pr = r.predictWps.length ? (median(r.predictWps) / median(p.predictWps)).toFixed(2) : '-';
          console.log(
            `  ratio ${r.backend}/pytorch x${p.threads}${p.tuned ? ' tuned' : ''}: train ${tr.toFixed(2)}x  predict ${pr}x`,
          );
        }
      }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , backend, threads, file, budget] = process.argv;
  child(backend as BackendName, Number(threads), file, Number(budget)).then(
    (r) => console.log(JSON.stringify(r)),
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
}
