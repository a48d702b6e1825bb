// W1: power spectrogram of 60 s of 16 kHz audio (nFft 512, winLength 400, hop 160, periodic Hann,
// centred, zero padding). W1m: the same + 80 Slaney mel bands + powerToDb (ref 1, topDb 80).
// Peer: bench/w1_torch.py (torch.stft + |.|^2; torchaudio MelSpectrogram + AmplitudeToDB), one thread,
// same signal, same run, with glibc's default malloc and tuned (targets judged against the tuned
// run). Also: log-mel of one hour of audio, block-wise and whole, and its peak extra memory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spectrogram,
  logMelSpectrogram,
  logMelSpectrogramAsync,
  type MelBlock,
  melSpectrogramBlocks,
  melSpectrogramBlocksAsync,
  powerToDb,
} from '../src/spectral';
import { FrameAnalyser } from '../src/spectral/analyser';
import { frameCount, resolveStft } from '../src/spectral/options';
import { powerColumnsFftJs } from '../src/spectral/spectrogram';
import { Random } from '../src/random';
import { atMost, type BenchRow, type Measure, type Peer, row } from './rows';
import { median, timeRuns } from './timing';
import { TUNED_MALLOC } from './tunedMalloc';

const SR = 16000;
const RUNS = 7;
/** Calls of the fresh-output W1 in a row (see run()). */
const FRESH_RUNS = 31;
const W1 = { nFft: 512, winLength: 400, hopLength: 160, window: 'hann' as const, center: true, sampleRate: SR };
const W1_MEL = { ...W1, nMels: 80, htk: false, norm: 'slaney' as const };
const W1M = { ...W1_MEL, ref: 1, topDb: 80 };

function speechLike(n: number, seed: number): Float32Array {
  const r = new Random(seed);
  const x = new Float32Array(n);
  let f0 = 120;
  for (let i = 0; i < n; i++) {
    if (i % 1600 === 0) f0 = 90 + 150 * r.next();
    const t = i / SR;
    x[i] = 0.3 * Math.sin(2 * Math.PI * f0 * t) + 0.1 * Math.sin(2 * Math.PI * 3 * f0 * t) + 0.05 * r.normal();
  }
  return x;
}

const time = (fn: () => unknown) => timeRuns(fn, RUNS);

const ms = (s: number): string => `${(s * 1e3).toFixed(1)} ms`;

/** What one pass of the long-audio workload measured. */
interface LongRun {
  wall: number;
  cpu: number;
  peakArrayBuffers: number;
  peakRss: number;
}

async function longAudio(): Promise<BenchRow[]> {
  // One hour of 16 kHz audio, fed as 10 s chunks; blocks are copied into the preallocated output
  // (nMels x frames) and converted to dB in place at the end. Extra memory = everything allocated
  // beyond the input and the output, sampled after every block. Four passes in this process: in
  // this thread (melSpectrogramBlocks), then melSpectrogramBlocksAsync on 1 and on 2 worker threads
  // and with workers 'auto' (one per core, this thread computing blocks until they have loaded).
  // Wall times include starting the workers; RSS includes their heaps.
  const hours = Number(process.env.SPECMORPH_BENCH_HOURS ?? 1);
  const n = Math.round(hours * 3600 * SR);
  const x = new Float32Array(n);
  const seg = speechLike(10 * SR, 7);
  for (let i = 0; i < n; i += seg.length) x.set(seg.subarray(0, Math.min(seg.length, n - i)), i);
  const frames = 1 + Math.floor(n / W1.hopLength);
  const out = new Float32Array(80 * frames);
  out.fill(1); // make the output's pages resident now, so RSS growth below is extra memory only
  function* chunks(): Generator<Float32Array> {
    for (let i = 0; i < n; i += 10 * SR) yield x.subarray(i, Math.min(n, i + 10 * SR));
  }
  const opts = { ...W1_MEL, blockFrames: 8192 }; // mel power blocks: the dB step is the caller's
  async function pass(blocks: Iterable<MelBlock> | AsyncIterable<MelBlock>): Promise<LongRun> {
    global.gc?.();
    const base = process.memoryUsage();
    let peakArrayBuffers = 0;
    let peakRss = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for await (const b of blocks) {
      for (let r = 0; r < 80; r++) out.set(b.data.subarray(r * b.cols, (r + 1) * b.cols), r * frames + b.firstFrame);
      const m = process.memoryUsage();
      peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers - base.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss - base.rss);
    }
    powerToDb({ rows: 80, cols: frames, data: out }, { ref: 1, topDb: 80, out });
    const cpu = process.cpuUsage(c0);
    return {
      wall: Number(process.hrtime.bigint() - t0) / 1e9,
      cpu: (cpu.user + cpu.system) / 1e6,
      peakArrayBuffers: peakArrayBuffers / 2 ** 20,
      peakRss: peakRss / 2 ** 20,
    };
  }
  const load0 = loadavg()[0];
  const inThread = await pass(melSpectrogramBlocks(chunks(), opts));
  const one = await pass(melSpectrogramBlocksAsync(chunks(), { ...opts, workers: 1 }));
  const two = await pass(melSpectrogramBlocksAsync(chunks(), { ...opts, workers: 2 }));
  const auto = await pass(melSpectrogramBlocksAsync(chunks(), { ...opts, workers: 'auto' }));
  // The whole signal at once, the workers writing into one shared output (a fresh 80 x frames
  // array, whose first-touch page faults are part of the cost here), against logMelSpectrogram.
  const whole = async (workers: number | 'auto' | null): Promise<LongRun> => {
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peakRss = 0;
    const sample = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss - base);
    }, 5);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const s =
      workers === null
        ? logMelSpectrogram(x, W1M)
        : await logMelSpectrogramAsync(x, { ...W1M, blockFrames: 8192, workers });
    const cpu = process.cpuUsage(c0);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sample);
    peakRss = Math.max(peakRss, process.memoryUsage().rss - base);
    // beyond the output itself
    return {
      wall,
      cpu: (cpu.user + cpu.system) / 1e6,
      peakArrayBuffers: 0,
      peakRss: Math.max(0, peakRss - s.data.byteLength) / 2 ** 20,
    };
  };
  const wholeIn = await whole(null);
  const whole1 = await whole(1);
  const whole2 = await whole(2);
  const wholeAuto = await whole('auto');
  const load1 = loadavg()[0];
  const what = `long audio: ${hours} h @ 16 kHz block-wise log-mel (80 x ${frames}, 10 s chunks)`;
  const say = (name: string, r: LongRun): void =>
    console.log(
      `${what}, ${name}: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s cpu (this process, all threads); ` +
        `peak extra ArrayBuffer memory (this thread) ${r.peakArrayBuffers.toFixed(1)} MiB, peak extra RSS ${r.peakRss.toFixed(1)} MiB`,
    );
  console.log(
    `long audio: input ${(x.byteLength / 2 ** 20).toFixed(0)} MiB, output ${(out.byteLength / 2 ** 20).toFixed(0)} MiB, ` +
      `dB in place; ${availableParallelism()} cores, load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after`,
  );
  say('in this thread', inThread);
  say('1 worker thread', one);
  say('2 worker threads', two);
  say(`workers 'auto' (${availableParallelism()})`, auto);
  const wholeWhat = `long audio: ${hours} h whole-signal log-mel into a fresh output (80 x ${frames})`;
  const sayWhole = (name: string, r: LongRun): void =>
    console.log(
      `${wholeWhat}, ${name}: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s cpu (all threads); ` +
        `peak extra RSS beyond the output ${r.peakRss.toFixed(1)} MiB`,
    );
  sayWhole('logMelSpectrogram in this thread', wholeIn);
  sayWhole('logMelSpectrogramAsync on 1 worker', whole1);
  sayWhole('logMelSpectrogramAsync on 2 workers', whole2);
  sayWhole(`logMelSpectrogramAsync, workers 'auto' (${availableParallelism()})`, wholeAuto);
  console.log(
    `long audio: 2 workers are ${(one.wall / two.wall).toFixed(2)}x faster than 1 (blocks), ` +
      `${(whole1.wall / whole2.wall).toFixed(2)}x (whole signal); ` +
      `'auto' ${(inThread.wall / auto.wall).toFixed(2)}x (blocks), ${(wholeIn.wall / wholeAuto.wall).toFixed(2)}x ` +
      '(whole signal) faster than this thread alone (wall)',
  );
  const sWall = (v: number): Measure => ({ value: v, unit: 's wall' });
  const mib = (v: number): Measure => ({ value: v, unit: 'MiB' });
  return [
    row('W1m', `${what}, in this thread, process CPU`, { value: inThread.cpu, unit: 's CPU' }, null),
    row('W1m', `${what}, in this thread, wall`, sWall(inThread.wall), null),
    row('W1m', `${what}, in this thread, peak extra ArrayBuffer memory`, mib(inThread.peakArrayBuffers), null),
    row('W1m', `${what}, 1 worker thread, wall`, sWall(one.wall), null),
    row('W1m', `${what}, 2 worker threads, wall`, sWall(two.wall), {
      name: 'the same on 1 worker thread, same run',
      measure: sWall(one.wall),
    }),
    row('W1m', `${what}, workers 'auto' (${availableParallelism()} cores), wall`, sWall(auto.wall), {
      name: 'the same in this thread alone, same run',
      measure: sWall(inThread.wall),
    }),
    row('W1m', `${what}, 2 worker threads, peak extra RSS (workers' heaps included)`, mib(two.peakRss), null),
    row('W1m', `${wholeWhat}, logMelSpectrogram in this thread, wall`, sWall(wholeIn.wall), null),
    row('W1m', `${wholeWhat}, logMelSpectrogramAsync on 1 worker, wall`, sWall(whole1.wall), null),
    row('W1m', `${wholeWhat}, logMelSpectrogramAsync on 2 workers, wall`, sWall(whole2.wall), {
      name: 'the same on 1 worker, same run',
      measure: sWall(whole1.wall),
    }),
    row(
      'W1m',
      `${wholeWhat}, logMelSpectrogramAsync, workers 'auto' (${availableParallelism()} cores), wall`,
      sWall(wholeAuto.wall),
      {
        name: 'logMelSpectrogram in this thread, same run',
        measure: sWall(wholeIn.wall),
      },
    ),
    row(
      'W1m',
      `${wholeWhat}, logMelSpectrogramAsync on 2 workers, peak extra RSS beyond the output`,
      mib(whole2.peakRss),
      null,
    ),
  ];
}

/** `runs` timed calls after one warm-up, plus the minor page faults per call (the warm-up call included). */
function timeAndFaults(fn: () => unknown, runs = RUNS): { wall: number[]; cpu: number[]; faults: number } {
  const f0 = process.resourceUsage().minorPageFault;
  const t = timeRuns(fn, runs);
  return { ...t, faults: (process.resourceUsage().minorPageFault - f0) / (runs + 1) };
}

/** W1 through the portable fft.js path (the path before the SIMD kernel), into `out`. */
function w1FftJs(x: Float32Array, out: Float32Array): void {
  const cfg = resolveStft(W1);
  const cols = frameCount(x.length, cfg);
  powerColumnsFftJs(new FrameAnalyser(cfg), x, 0, x.length, 0, cols, 2, out, cols, 0);
}

/** Rows (process CPU, median of RUNS calls; ratios against torch from the same run when it ran). */
export async function run(): Promise<BenchRow[]> {
  const x = speechLike(60 * SR, 1);
  const shape = spectrogram(x, W1);
  // The out= rows first: process CPU counts V8's collector threads too, and after the fresh rows they
  // were still freeing those outputs (2026-12-02 02:13: out= 5.77 ms CPU for 3.9 ms wall).
  const ours1Out = timeAndFaults(() => spectrogram(x, { ...W1, out: shape.data }), FRESH_RUNS);
  const fftJsOut = time(() => w1FftJs(x, shape.data));
  // A fresh 6 MB output is ~1500 pages touched for the first time: when the allocator has handed the
  // previous outputs' memory back to the kernel (glibc returns large freed blocks; V8 frees them only
  // at GC), each page faults, which some VMs charge 10-40 us for. torch frees by reference count
  // and reuses the block at once. With `out` the loop reuses one buffer: the cost of the transform.
  // The kernel's malloc pad (src/memory.ts) keeps the freed blocks, so a loop of fresh calls stops
  // faulting once the first GC has freed some: FRESH_RUNS calls, so the median is that steady state.
  const ours1 = timeAndFaults(() => spectrogram(x, W1), FRESH_RUNS);
  const oursM = timeRuns(() => logMelSpectrogram(x, W1M), FRESH_RUNS);
  console.log(
    `W1  ours: median wall ${ms(median(ours1.wall))}, cpu ${ms(median(ours1.cpu))} over ${FRESH_RUNS} runs (${shape.rows} x ${shape.cols}); ` +
      `${ours1.faults.toFixed(0)} minor page faults per call (${ours1Out.faults.toFixed(0)} with out=)`,
  );
  console.log(`W1  ours with out=: median wall ${ms(median(ours1Out.wall))}, cpu ${ms(median(ours1Out.cpu))}`);
  console.log(
    `W1  fft.js path (before the SIMD kernel) with out=: median wall ${ms(median(fftJsOut.wall))}, cpu ${ms(median(fftJsOut.cpu))}`,
  );
  console.log(`W1m ours: median wall ${ms(median(oursM.wall))}, cpu ${ms(median(oursM.cpu))} over ${FRESH_RUNS} runs`);

  // The peer twice: with glibc's default malloc and tuned (TUNED_MALLOC); targets are judged against
  // the tuned one, which does not fault its fresh tensors in.
  const peers: TorchW1[] = [];
  const py = '/usr/bin/python3';
  if (existsSync(py)) {
    const dir = mkdtempSync(join(tmpdir(), 'specmorph-w1-'));
    try {
      const file = join(dir, 'x.f32');
      writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
      for (const tuned of [false, true]) {
        const p = torchW1(py, file, tuned);
        if (typeof p === 'string') console.log(`torch peer skipped: ${p}`);
        else peers.push(p);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.log('torch peer skipped: /usr/bin/python3 not found');
  }
  for (const p of peers) {
    const line = (
      name: string,
      ours: { wall: number[]; cpu: number[] },
      wall: number[],
      cpu: number[],
      target: number,
    ) =>
      console.log(
        `${name}: median wall ${ms(median(wall))}, cpu ${ms(median(cpu))}; ratio ours/theirs wall ` +
          `${(median(ours.wall) / median(wall)).toFixed(2)}, cpu ${(median(ours.cpu) / median(cpu)).toFixed(2)} (target <= ${target})`,
      );
    const how = p.tuned ? 'malloc tuned' : 'default malloc';
    line(
      `W1  torch ${p.torch} stft+|.|^2, ${how} (${p.w1Faults.toFixed(0)} minor page faults per call)`,
      ours1,
      p.w1,
      p.w1Cpu,
      0.5,
    );
    line(`W1  (ours with out=) vs the same`, ours1Out, p.w1, p.w1Cpu, 0.5);
    line(`W1  (fft.js path with out=, before the SIMD kernel) vs the same`, fftJsOut, p.w1, p.w1Cpu, 0.5);
    line(`W1m torchaudio MelSpectrogram+AmplitudeToDB, ${how}`, oursM, p.w1m, p.w1mCpu, 1.0);
  }
  const what = `power spectrogram, 60 s @ 16 kHz, nFft 512, win 400, hop 160, Hann, centred (${shape.rows} x ${shape.cols})`;
  // One set of rows per peer (none without one); the target only on the tuned peer's rows.
  const rows = (peer: TorchW1 | null): BenchRow[] => {
    const judged = peer === null || peer.tuned;
    const how = peer?.tuned ? ', glibc malloc tuned (no page faults)' : ", glibc's default malloc";
    const w1: Peer | null = peer && {
      name: `torch ${peer.torch} stft + |.|^2, 1 thread${how}`,
      measure: cpuMs(peer.w1Cpu),
    };
    const w1m: Peer | null = peer && {
      name: `torchaudio (torch ${peer.torch}) MelSpectrogram + AmplitudeToDB${how}`,
      measure: cpuMs(peer.w1mCpu),
    };
    const t = (x: number) => (judged ? atMost(x) : null);
    return [
      row('W1', `${what}, fresh output, median of ${FRESH_RUNS} calls in a row`, cpuMs(ours1.cpu), w1, t(0.5)),
      row('W1', `${what}, reused output (out=)`, cpuMs(ours1Out.cpu), w1, t(0.5)),
      row('W1', `${what}, fft.js path with out= (before the SIMD kernel)`, cpuMs(fftJsOut.cpu), w1, t(0.5)),
      row('W1m', 'W1 + 80 Slaney mel bands + powerToDb (ref 1, topDb 80), fresh output', cpuMs(oursM.cpu), w1m, t(1)),
    ];
  };
  return [...(peers.length ? peers.flatMap(rows) : rows(null)), ...(await longAudio())];
}

/** The torch peer's timings (seconds per call) from one run of w1_torch.py. */
interface TorchW1 {
  torch: string;
  tuned: boolean;
  w1: number[];
  w1Cpu: number[];
  w1m: number[];
  w1mCpu: number[];
  w1Faults: number;
}

/** Runs w1_torch.py on the signal in `file` (FRESH_RUNS calls per workload), tuned or not; a string says why it could not. */
function torchW1(py: string, file: string, tuned: boolean): TorchW1 | string {
  const script = join(__dirname, 'w1_torch.py');
  const r = spawnSync(py, [script, file, String(FRESH_RUNS)], {
    encoding: 'utf8',
    env: {
      ...process.env,
      OMP_NUM_THREADS: '1',
      MKL_NUM_THREADS: '1',
      OPENBLAS_NUM_THREADS: '1',
      ...(tuned ? TUNED_MALLOC : {}),
    },
  });
  if (r.status !== 0) return `${py} ${script} exited ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`;
  const o = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { torch: o.torch, tuned, w1: o.w1, w1Cpu: o.w1_cpu, w1m: o.w1m, w1mCpu: o.w1m_cpu, w1Faults: o.w1_minflt };
}

/** Median process CPU of per-call seconds, in ms. */
function cpuMs(cpuSeconds: number[]): Measure {
  return { value: median(cpuSeconds) * 1e3, unit: 'ms CPU' };
}
