// W8: a corpus that does not fit in memory. Generates W8_CLIPS (default 25,000) synthetic 1 s clips
// (16 kHz, 16-bit; half bona fide: harmonic voice-like tones with vibrato and a syllable envelope;
// half spoof from 4 "attack systems": the same tones with f0 held in steps of 10-40 ms, a vocoder-like
// artefact) into a temp folder (deleted afterwards, never committed), then runs the `specmorph`
// command (dist/, built first) in child processes with a cold feature cache of their own:
//   1. `train --shard 1/1 --workers 2`: feature extraction on both cores (DEFAULT_PIPELINE cut to 1 s:
//      80 mel + 60 LFCC + 10 excitation rows x 101 frames; 8 before 2026-12-03), filling the cache; clips/s = clips / wall time.
//   2. `train --epochs W8_EPOCHS (default 1) --crop-seconds 0.5`: reads every feature from the cache
//      and trains the default CNN; training clips/s = training clips x epochs / the epochs' seconds
//      (each epoch includes scoring the 20 % validation clips).
//   3. `ablate --ops opening --seeds 1 --epochs W8_EPOCHS --no-reference --workers 2` on
//      ABLATION_PIPELINE cut to 1 s (129 x 101): 3 arms (none, opening rect 3x3, learned block), 2
//      feature pipelines extracted, 3 trainings; the LFCC-GMM reference is left out (its cost is
//      step 5's).
//   4. `train --arch gmm --shard 1/1 --workers 2`: whole-clip LFCCs (DEFAULT_GMM_PIPELINE, ~100
//      frames of 60 coefficients per clip) into the cache.
//   5. `train --arch gmm --max-iter W8_GMM_ITER (default 3)`: two 64-component GMMs whose k-means
//      start and EM passes stream the frames from the cache (on two threads, one per class); seconds
//      per EM iteration = the mean over iterations of one pass over a class's frames.
// W8_PARTS (default `cnn,gmm`) picks steps 1-3 (`cnn`) and/or 4-5 (`gmm`).
// Each child reports its peak resident set size (process.resourceUsage().maxRSS, worker threads
// included) on exit; target: under 1.5 GiB for `train`, `ablate` and `train --arch gmm`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeWav } from '../src/audio/encode';
import { Random } from '../src/random';
import { DEFAULT_PIPELINE, type PipelineConfig } from '../src/pipeline/config';
import { ABLATION_PIPELINE } from '../src/report/arms';
import { type BenchRow, row } from './rows';

const ROOT = resolve(__dirname, '..');
const RATE = 16000;
const RSS_TARGET_MIB = 1536;

/** The pipeline with its crop stage cut to `seconds` (the clips are that long: no silence padding). */
function cropTo(p: PipelineConfig, seconds: number): PipelineConfig {
  return { ...p, stages: p.stages.map((s) => (s.op === 'crop' ? { ...s, seconds } : s)) };
}

/**
 * One second of a voice-like tone: 8 harmonics of f0 (1/k amplitudes) with a 5 Hz vibrato and a
 * 4 Hz syllable envelope. `holdMs` > 0 holds f0 constant over steps of that length (the spoof
 * artefact).
 */
function tone(rng: Random, holdMs: number): Float32Array {
  const x = new Float32Array(RATE);
  const f0 = 100 + 150 * rng.next();
  const depth = 0.02 + 0.03 * rng.next();
  const hold = Math.round((holdMs / 1000) * RATE);
  const phase = new Float64Array(8);
  let f = f0;
  for (let n = 0; n < RATE; n++) {
    if (hold === 0 || n % hold === 0) f = f0 * (1 + depth * Math.sin((2 * Math.PI * 5 * n) / RATE));
    const env = 0.55 - 0.45 * Math.cos((2 * Math.PI * 4 * n) / RATE);
    let v = 0;
    for (let k = 0; k < 8; k++) {
      phase[k] += (2 * Math.PI * f * (k + 1)) / RATE;
      v += Math.sin(phase[k]) / (k + 1);
    }
    x[n] = 0.25 * env * v;
  }
  return x;
}

/**
 * Writes `n` clips: 64 base tones per class (and per attack), each clip one of them with its own
 * gain and white noise (so every file's bytes, and so its cache key, differ).
 */
function writeCorpus(dir: string, n: number): void {
  const rng = new Random(8);
  const attacks = [10, 20, 30, 40];
  const bona = Array.from({ length: 64 }, () => tone(rng, 0));
  const spoof = attacks.map((ms) => Array.from({ length: 16 }, () => tone(rng, ms)));
  for (const sub of ['bonafide', ...attacks.map((_, a) => `spoof/A0${a + 1}`)])
    mkdirSync(join(dir, sub), { recursive: true });
  const x = new Float32Array(RATE);
  for (let i = 0; i < n; i++) {
    const isBona = i % 2 === 0;
    const a = (i >> 1) % attacks.length;
    const base = isBona ? bona[(i >> 1) % 64] : spoof[a][(i >> 3) % 16];
    const gain = 0.5 + rng.next();
    for (let k = 0; k < RATE; k++) x[k] = gain * base[k] + 0.01 * rng.normal();
    const file = isBona ? join(dir, 'bonafide', `b${i}.wav`) : join(dir, 'spoof', `A0${a + 1}`, `s${i}.wav`);
    writeFileSync(file, encodeWav({ sampleRate: RATE, channels: [x] }));
  }
}

/** Total size of the files under `dir`. */
function bytesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).reduce((s, f) => {
    const st = statSync(join(dir, f));
    return s + (st.isFile() ? st.size : 0);
  }, 0);
}

interface ChildRun {
  seconds: number;
  maxRssMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs `specmorph args` from dist/ with its peak RSS written on exit; throws on a non-zero exit. */
async function specmorph(args: string[], tmp: string, cache: string): Promise<ChildRun> {
  const rssFile = join(tmp, 'maxrss');
  const hook = join(tmp, 'maxrss.cjs');
  writeFileSync(
    hook,
    "process.on('exit', () => require('fs').writeFileSync(process.env.W8_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  const load = loadavg()[0];
  const t0 = process.hrtime.bigint();
  let stdout = '';
  let stderr = '';
  const code = await new Promise<number>((res) => {
    const p = spawn(process.execPath, ['--require', hook, join(ROOT, 'dist/cli/main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, SPECMORPH_CACHE: cache, W8_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    p.on('close', (c) => res(c ?? 1));
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`specmorph ${args.join(' ')} exited with ${code}:\n${stderr.slice(-3000)}`);
  const maxRssMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  console.log(
    `  specmorph ${args[0]} ${args.includes('gmm') ? '--arch gmm ' : ''}${args.includes('--shard') ? '--shard 1/1 ' : ''}: ` +
      `${seconds.toFixed(0)} s, ` +
      `peak RSS ${maxRssMiB.toFixed(0)} MiB (load average ${load.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after)`,
  );
  return { seconds, maxRssMiB, stdout, stderr };
}

export async function run(): Promise<BenchRow[]> {
  const n = Number(process.env.W8_CLIPS ?? 25000);
  const epochs = Number(process.env.W8_EPOCHS ?? 1);
  const gmmIter = Number(process.env.W8_GMM_ITER ?? 3);
  const parts = (process.env.W8_PARTS ?? 'cnn,gmm').split(',');
  if (!(Number.isInteger(gmmIter) && gmmIter >= 1))
    throw new Error(`W8_GMM_ITER=${process.env.W8_GMM_ITER} must be an integer >= 1`);
  if (parts.length === 0 || parts.some((p) => p !== 'cnn' && p !== 'gmm'))
    throw new Error(`W8_PARTS=${process.env.W8_PARTS} must list cnn and/or gmm`);
  if (!(Number.isInteger(n) && n >= 100)) throw new Error(`W8_CLIPS=${process.env.W8_CLIPS} must be an integer >= 100`);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`W8_EPOCHS=${process.env.W8_EPOCHS} must be >= 1`);
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')],
    { encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`tsc build failed: ${build.stdout}${build.stderr}`);
  const tmp = mkdtempSync(join(tmpdir(), 'specmorph-w8-'));
  try {
    const data = join(tmp, 'data');
    const cache = join(tmp, 'cache');
    let t = Date.now();
    writeCorpus(data, n);
    console.log(
      `W8: ${n} clips of 1 s (${(bytesUnder(data) / 2 ** 20).toFixed(0)} MiB of WAV) written to ${tmp} in ` +
        `${((Date.now() - t) / 1000).toFixed(0)} s; ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}`,
    );
    const rss = { of: 'value', op: '<=', value: RSS_TARGET_MIB } as const;
    const what = `${n} synthetic 1 s clips`;
    const rows: BenchRow[] = [];
    if (parts.includes('cnn')) rows.push(...(await cnnSteps()));
    if (parts.includes('gmm')) rows.push(...(await gmmSteps()));
    return rows;

    async function cnnSteps(): Promise<BenchRow[]> {
      const trainCfg = join(tmp, 'train.json');
      const ablateCfg = join(tmp, 'ablate.json');
      writeFileSync(trainCfg, JSON.stringify(cropTo(DEFAULT_PIPELINE, 1)));
      writeFileSync(ablateCfg, JSON.stringify(cropTo(ABLATION_PIPELINE, 1)));

      const fill = await specmorph(
        ['train', '--data', data, '--config', trainCfg, '--shard', '1/1', '--workers', '2'],
        tmp,
        cache,
      );
      const extractRate = n / fill.seconds;
      const cacheMiB = bytesUnder(cache) / 2 ** 20;
      console.log(
        `  features: ${extractRate.toFixed(0)} clips/s on 2 worker threads; ${cacheMiB.toFixed(0)} MiB in the cache`,
      );

      t = Date.now();
      const train = await specmorph(
        [
          'train',
          '--data',
          data,
          '--config',
          trainCfg,
          '--out',
          join(tmp, 'model'),
          '--epochs',
          String(epochs),
          '--crop-seconds',
          '0.5',
          '--json',
        ],
        tmp,
        cache,
      );
      if (!new RegExp(`features: \\d+x\\d+, ${n} from cache`).test(train.stderr))
        throw new Error(`train recomputed features after the shard run:\n${train.stderr.slice(0, 2000)}`);
      const summary = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { train: number; epochs: number };
      const epochSeconds = [...train.stderr.matchAll(/^epoch \d+\/\d+ .*\(([\d.]+) s\)$/gm)].reduce(
        (s, m) => s + Number(m[1]),
        0,
      );
      const trainRate = (summary.train * summary.epochs) / epochSeconds;
      console.log(
        `  training: ${summary.train} clips x ${summary.epochs} epoch(s) in ${epochSeconds.toFixed(0)} s ` +
          `(with validation scoring): ${trainRate.toFixed(1)} clips/s`,
      );

      const ablate = await specmorph(
        [
          'ablate',
          '--data',
          data,
          '--config',
          ablateCfg,
          '--ops',
          'opening',
          '--seeds',
          '1',
          '--epochs',
          String(epochs),
          '--no-reference',
          '--workers',
          '2',
          '--out',
          join(tmp, 'ablation'),
        ],
        tmp,
        cache,
      );
      const result = JSON.parse(readFileSync(join(tmp, 'ablation', 'ablation.json'), 'utf8')) as {
        seconds: { features: number; training: number };
        data: { split: { train: number; test: number } };
        arms: { name: string; eer: { mean: number } }[];
      };
      const ablateExtract = (2 * n) / result.seconds.features;
      console.log(
        `  ablate: features of 2 pipelines ${result.seconds.features.toFixed(0)} s (${ablateExtract.toFixed(0)} clips/s), ` +
          `3 trainings ${result.seconds.training.toFixed(0)} s on ${result.data.split.train} training clips; ` +
          `test EER ${result.arms.map((a) => `${a.name} ${(100 * a.eer.mean).toFixed(1)}%`).join(', ')}`,
      );
      return [
        row(
          'W8',
          `feature extraction, ${what}, DEFAULT_PIPELINE (1 s), 2 worker threads, \`train --shard 1/1\``,
          {
            value: extractRate,
            unit: 'clips/s',
          },
          null,
        ),
        row(
          'W8',
          `\`train\` from the feature cache (${cacheMiB.toFixed(0)} MiB of features), ${epochs} epoch, 0.5 s crops, wasm: training`,
          { value: trainRate, unit: 'clips/s' },
          null,
        ),
        row('W8', `\`train\` peak RSS (${what})`, { value: train.maxRssMiB, unit: 'MiB' }, null, rss),
        row(
          'W8',
          `\`ablate --ops opening --seeds 1 --epochs ${epochs} --no-reference\` peak RSS (${what}, 3 arms)`,
          { value: ablate.maxRssMiB, unit: 'MiB' },
          null,
          rss,
        ),
        row(
          'W8',
          `\`ablate\` feature extraction (ABLATION_PIPELINE 1 s, 2 pipelines, 2 worker threads)`,
          {
            value: ablateExtract,
            unit: 'clips/s',
          },
          null,
        ),
        row('W8', '`train --shard 1/1` (feature extraction) peak RSS', { value: fill.maxRssMiB, unit: 'MiB' }, null),
      ];
    }

    async function gmmSteps(): Promise<BenchRow[]> {
      const fillGmm = await specmorph(
        ['train', '--arch', 'gmm', '--data', data, '--shard', '1/1', '--workers', '2'],
        tmp,
        cache,
      );
      console.log(`  LFCC features: ${(n / fillGmm.seconds).toFixed(0)} clips/s on 2 worker threads`);
      const gmm = await specmorph(
        ['train', '--arch', 'gmm', '--data', data, '--out', join(tmp, 'gmm'), '--max-iter', String(gmmIter), '--json'],
        tmp,
        cache,
      );
      if (!new RegExp(`${n} from cache, .*streamed from the cache`).test(gmm.stderr))
        throw new Error(`train --arch gmm did not stream from the cache:\n${gmm.stderr.slice(0, 2000)}`);
      const g = JSON.parse(gmm.stdout.trim().split('\n').at(-1)!) as {
        frames: { bonafide: number; spoof: number };
        secondsPerIteration: { bonafide: number; spoof: number };
        fitSeconds: number;
      };
      const perClass = Math.max(g.frames.bonafide, g.frames.spoof);
      const perIter = Math.max(g.secondsPerIteration.bonafide, g.secondsPerIteration.spoof);
      console.log(
        `  gmm: ${g.frames.bonafide} + ${g.frames.spoof} frames, ${gmmIter} EM iterations, ` +
          `${perIter.toFixed(1)} s per iteration (${(perClass / perIter / 1e6).toFixed(2)} M frames/s per thread), ` +
          `fit ${g.fitSeconds.toFixed(0)} s`,
      );
      const frames = `${((g.frames.bonafide + g.frames.spoof) / 1e6).toFixed(2)} M LFCC frames`;
      return [
        row(
          'W8',
          `\`train --arch gmm --max-iter ${gmmIter}\` peak RSS (${what}, ${frames}, EM streamed from the cache)`,
          { value: gmm.maxRssMiB, unit: 'MiB' },
          null,
          rss,
        ),
        row(
          'W8',
          `\`train --arch gmm\` one EM iteration, 64 components, ${(perClass / 1e6).toFixed(2)} M frames per class (2 threads)`,
          { value: perIter, unit: 's' },
          null,
        ),
      ];
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
