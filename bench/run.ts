// `npm run bench`: runs every bench/w*.ts workload (or those whose file name starts with one of the
// command-line arguments) in turn, prints their text, and writes their structured rows with the
// machine and its load to bench/results/<date>.json (`--out FILE` elsewhere, `--no-json` not at all).
// docs/benchmarks.md's table is generated from those files: `npm run bench:table`.
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { withMallocPad } from '../src/memory';
import type { BenchRow, BenchRun } from './rows';

type Load = [number, number, number];

function parseArgs(argv: string[]): { only: string[]; out: string | null; defaultMalloc: boolean } {
  const only: string[] = [];
  let defaultMalloc = false;
  const date = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  let out: string | null = join(__dirname, 'results', `${date}.json`);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-json') out = null;
    else if (argv[i] === '--default-malloc') defaultMalloc = true;
    else if (argv[i] === '--out') {
      const v = argv[++i];
      if (!v) throw new Error('--out needs a file name');
      out = v;
    } else only.push(argv[i]);
  }
  return { only, out, defaultMalloc };
}

/** Writes through a temporary file, so an interrupted write leaves no half JSON behind. */
function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Set in the child {@link inKernelEnvironment} starts, so it knows the pad is the bench's own. */
const PADDED_CHILD = 'SPECMORPH_BENCH_PADDED_CHILD';

/**
 * Runs this script again in a child with the environment the tslab kernel of `npm run setup` has
 * (src/memory.ts MALLOC_PAD_ENV), so the fresh-output timings are a notebook's; resolves to its exit
 * code, or null when this process already has it (or `--default-malloc` asks for glibc's defaults).
 */
function inKernelEnvironment(defaultMalloc: boolean): Promise<number> | null {
  if (defaultMalloc || process.env.MALLOC_TOP_PAD_ !== undefined) return null;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      env: { ...withMallocPad(process.env), [PADDED_CHILD]: '1' },
      stdio: 'inherit',
    });
    // Ctrl-C reaches both through the terminal; the child reports and exits, this one waits for it.
    process.on('SIGINT', () => {});
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const { only, out, defaultMalloc } = parseArgs(process.argv.slice(2));
  const relaunched = inKernelEnvironment(defaultMalloc);
  if (relaunched !== null) process.exit(await relaunched);
  const mallocTopPad = process.env.MALLOC_TOP_PAD_ ?? null;
  if (process.env[PADDED_CHILD]) {
    // glibc read the pad when this process started; the peers (torch, OpenCV, scikit-*) and the
    // processes a workload starts get the environment the bench was started with, as they run
    // anywhere else (a pad also fixes glibc's mmap threshold at 128 KiB, which is not theirs to get).
    delete process.env.MALLOC_TOP_PAD_;
    delete process.env[PADDED_CHILD];
  }
  const files = readdirSync(__dirname)
    .filter((f) => /^w\d.*\.ts$/.test(f))
    .sort();
  const unknown = only.filter((o) => !files.some((f) => f.startsWith(o)));
  if (unknown.length)
    throw new Error(`no bench/w*.ts workload starts with ${unknown.join(', ')} (have ${files.join(', ')})`);
  const cpu = cpus();
  const result: BenchRun = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: { model: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length },
    totalMemoryBytes: totalmem(),
    mallocTopPad,
    workloads: [],
  };
  console.log(
    `specmorph bench ${result.date} node ${result.node} ${result.platform}, ${result.cpu.cores} x ${result.cpu.model}, ${(result.totalMemoryBytes / 2 ** 30).toFixed(0)} GiB, ` +
      `MALLOC_TOP_PAD_=${result.mallocTopPad ?? "unset (glibc's default, --default-malloc)"}`,
  );
  for (const f of files) {
    if (only.length && !only.some((o) => f.startsWith(o))) continue;
    console.log(`\n== ${f}`);
    const mod = (await import(join(__dirname, f))) as { run(): Promise<BenchRow[] | undefined> };
    const started = new Date().toISOString();
    const loadBefore = loadavg() as Load;
    const t0 = process.hrtime.bigint();
    const rows = await mod.run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const loadAfter = loadavg() as Load;
    console.log(
      `(${f}: ${seconds.toFixed(0)} s, load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after)`,
    );
    if (!Array.isArray(rows)) throw new Error(`bench/${f}: run() returned no rows (it must return BenchRow[])`);
    result.workloads.push({ workload: f.replace(/\.ts$/, ''), started, seconds, loadBefore, loadAfter, rows });
    // written after every workload, so a later failure keeps what was measured
    if (out) writeJson(out, result);
  }
  if (out) console.log(`\nresults: ${out} (docs/benchmarks.md table: npm run bench:table)`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
