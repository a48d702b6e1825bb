import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../atomicFile';
import { DatasetError } from '../errors';
import { withMallocPad } from '../memory';
import { PLOTLY_LOADER_MARK, plotlyFileLoaderHtml, plotlyJsPath } from '../notebook/bundle';

/** The file executed notebooks in one folder share for plotly.js (see {@link finishExecutedNotebook}). */
export const SHARED_PLOTLY = 'plotly.min.js';

interface NotebookJson {
  cells: {
    cell_type: string;
    execution_count?: number | null;
    outputs?: { output_type: string; execution_count?: number | null; data?: Record<string, unknown> }[];
  }[];
}

/**
 * Finishes a notebook nbconvert executed with tslab: code cells numbered 1, 2, ... in order (tslab
 * sends no execute_input message, from which nbclient takes the count, so exports would read
 * "In [ ]:"), and the inlined plotly.js output replaced by a loader of `plotlySrc`, so the notebooks
 * of one folder share one copy. Returns the notebook (changed in place).
 */
export function finishExecutedNotebook<N extends NotebookJson>(nb: N, plotlySrc = SHARED_PLOTLY): N {
  let count = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.execution_count = ++count;
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'execute_result') o.execution_count = count;
      const html = o.data?.['text/html'];
      const text = Array.isArray(html) ? html.join('') : String(html ?? '');
      if (o.data && text.includes(PLOTLY_LOADER_MARK)) o.data['text/html'] = plotlyFileLoaderHtml(plotlySrc);
    }
  }
  return nb;
}

/** Debian's python with Jupyter (the `python3` first on PATH may be another one). */
export const JUPYTER_PYTHON = '/usr/bin/python3';

/** Why notebooks cannot be executed here (Jupyter or tslab missing), or null when they can. */
export function notebookRunnerMissing(root: string): string | null {
  if (!existsSync(JUPYTER_PYTHON))
    return `${JUPYTER_PYTHON} is missing (Debian python3 with Jupyter; run npm run setup)`;
  const r = spawnSync(JUPYTER_PYTHON, ['-c', 'import nbconvert, nbclient, jupyter_client'], { encoding: 'utf8' });
  if (r.status !== 0)
    return `Jupyter is missing for ${JUPYTER_PYTHON} (apt-get install python3-nbclient jupyter-nbconvert)`;
  if (!existsSync(path.join(root, 'node_modules/.bin/tslab'))) return 'node_modules/.bin/tslab is missing (npm ci)';
  return null;
}

let kernelPath: string | undefined;
let kernelPrefix: string | undefined;

/** Removes the kernel folder, then lets `signal` end the process as it would have without us. */
function removeKernelOn(signal: NodeJS.Signals): void {
  removePrivateTslabKernel();
  process.kill(process.pid, signal);
}
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Registers this checkout's tslab kernel in a private prefix (a `specmorph-kernel-XXXXXX` folder in
 * the temp folder) and returns the JUPYTER_PATH that finds it. The folder is made once per process
 * and removed by {@link removePrivateTslabKernel}, or at the latest when the process exits or is
 * ended by SIGINT, SIGTERM or SIGHUP.
 */
export function privateTslabKernel(root: string): string {
  if (kernelPath) return kernelPath;
  const prefix = mkdtempSync(path.join(tmpdir(), 'specmorph-kernel-'));
  kernelPrefix = prefix;
  process.on('exit', removePrivateTslabKernel);
  for (const s of SIGNALS) process.once(s, removeKernelOn);
  const bin = path.join(root, 'node_modules/.bin/tslab');
  const r = spawnSync(bin, ['install', `--python=${JUPYTER_PYTHON}`, `--binary=${bin}`, `--prefix=${prefix}`], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    removePrivateTslabKernel();
    throw new DatasetError(`tslab install failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }
  kernelPath = path.join(prefix, 'share', 'jupyter');
  padKernelSpec(path.join(kernelPath, 'kernels', 'tslab'));
  return kernelPath;
}

/** Removes the folder {@link privateTslabKernel} made, if any (the next call makes a new one). */
export function removePrivateTslabKernel(): void {
  if (kernelPrefix === undefined) return;
  rmSync(kernelPrefix, { recursive: true, force: true });
  kernelPrefix = kernelPath = undefined;
  process.off('exit', removePrivateTslabKernel);
  for (const s of SIGNALS) process.off(s, removeKernelOn);
}

/**
 * Adds memory.ts's `MALLOC_PAD_ENV` ({@link withMallocPad}) to the `env` of the kernel spec in `kernelDir` (its kernel.json),
 * keeping every other entry and a `MALLOC_TOP_PAD_` already there; Jupyter starts the kernel with
 * it. Used for the report's private kernel and by `npm run setup` for the registered one.
 */
export function padKernelSpec(kernelDir: string): void {
  const file = path.join(kernelDir, 'kernel.json');
  let spec: { env?: Record<string, string> };
  try {
    spec = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DatasetError(`${file}: not a readable kernel spec (${(e as Error).message})`);
  }
  const env = withMallocPad(spec.env ?? {}) as Record<string, string>;
  if (JSON.stringify(env) === JSON.stringify(spec.env)) return;
  writeFileAtomicSync(file, `${JSON.stringify({ ...spec, env }, null, 1)}\n`);
}

/** Options of {@link executeNotebookFile}. */
export interface ExecuteOptions {
  /** The checkout (for node_modules/.bin/tslab). */
  root: string;
  /** Extra environment for the kernel (e.g. SPECMORPH_DATA). @default {} */
  env?: Record<string, string>;
  /** Per-cell timeout in seconds. @default 900 */
  timeoutSec?: number;
  /** Also export HTML next to the executed notebook. @default true */
  html?: boolean;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

/** Copies `from` to `to` unless `to` already has the same size (one plotly.js for a whole folder). */
async function copyIfChanged(from: string, to: string): Promise<void> {
  const [a, b] = await Promise.all([fs.stat(from), fs.stat(to).catch(() => null)]);
  if (b?.isFile() && b.size === a.size) return;
  await writeFileAtomic(to, await fs.readFile(from));
}

/**
 * Executes `notebook` headless with the tslab kernel (nbconvert --execute, cwd = the notebook's
 * folder) and writes `outDir/NAME.ipynb` (and `NAME.html`), numbered and sharing `outDir/plotly.min.js`
 * (see {@link finishExecutedNotebook}). Resolves to the paths and wall time;
 * throws a DatasetError with nbconvert's last error line when a cell fails.
 */
export async function executeNotebookFile(
  notebook: string,
  outDir: string,
  opts: ExecuteOptions,
): Promise<{ ipynb: string; html: string | null; seconds: number }> {
  const t0 = Date.now();
  const env = {
    ...process.env,
    ...(opts.env ?? {}),
    JUPYTER_PATH: privateTslabKernel(opts.root),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  const name = path.basename(notebook, '.ipynb');
  const timeout = opts.timeoutSec ?? 900;
  const r = await run(
    JUPYTER_PYTHON,
    [
      '-m',
      'jupyter',
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      '--ExecutePreprocessor.kernel_name=tslab',
      `--ExecutePreprocessor.timeout=${timeout}`,
      '--output-dir',
      outDir,
      '--output',
      name,
      notebook,
    ],
    env,
    path.dirname(notebook),
  );
  if (r.code !== 0) {
    const why =
      r.stderr
        .split('\n')
        .filter((l) => /Error|error/.test(l))
        .slice(-3)
        .join(' / ') || r.stderr.trim().split('\n').pop();
    throw new DatasetError(`${notebook}: execution failed (${why})`);
  }
  const ipynb = path.join(outDir, `${name}.ipynb`);
  const nb = finishExecutedNotebook(JSON.parse(await fs.readFile(ipynb, 'utf8')) as NotebookJson);
  await writeFileAtomic(ipynb, `${JSON.stringify(nb, null, 1)}\n`);
  await copyIfChanged(plotlyJsPath(), path.join(outDir, SHARED_PLOTLY));
  let html: string | null = null;
  if (opts.html ?? true) {
    const h = await run(
      JUPYTER_PYTHON,
      ['-m', 'jupyter', 'nbconvert', '--to', 'html', '--output-dir', outDir, '--output', name, ipynb],
      env,
      outDir,
    );
    if (h.code === 0) html = path.join(outDir, `${name}.html`);
  }
  return { ipynb, html, seconds: (Date.now() - t0) / 1000 };
}
