// Runs notebooks headless through the real tslab kernel (Debian Jupyter) and opens HTML in headless
// Chromium. Every function reports what is missing instead of throwing, so tests can skip with a reason.
import { spawnSync } from 'node:child_process';
import { privateTslabKernel } from '../../src/report/execute';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
/** Debian's python, which has Jupyter (the `python3` on PATH may be another one). */
export const PYTHON = '/usr/bin/python3';
export const CHROMIUM = '/usr/bin/chromium';
/** Flags for a quiet, offline, sandbox-free headless Chromium (CI containers run as root). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** What is missing to execute notebooks, or null when Jupyter (nbconvert + nbclient) and tslab are there. */
export function jupyterMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} (Debian python3 with Jupyter) is missing`;
  const r = spawnSync(PYTHON, ['-c', 'import nbconvert, nbclient, jupyter_client'], { encoding: 'utf8' });
  if (r.status !== 0)
    return (
      `Jupyter is missing for ${PYTHON} (apt-get install python3-nbclient jupyter-nbconvert): ` +
      `${r.stderr.trim().split('\n').pop()}`
    );
  if (!existsSync(join(ROOT, 'node_modules/.bin/tslab'))) return 'node_modules/.bin/tslab is missing (run npm ci)';
  return null;
}

/** What is missing to drive Chromium, or null. */
export function chromiumMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is missing (npm ci)';
  }
  return null;
}

/**
 * Registers the tslab kernel of this checkout in a private prefix (not the user's registry, which
 * other checkouts share), removed when the test process ends, and returns the JUPYTER_PATH that finds it.
 */
export function tslabKernelPath(): string {
  return privateTslabKernel(ROOT);
}

function jupyterEnv(): NodeJS.ProcessEnv {
  return { ...process.env, JUPYTER_PATH: tslabKernelPath(), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
}

/** Notebook JSON (nbformat 4), loosely typed. */
export interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: NotebookOutput[] }[];
  [key: string]: unknown;
}
export interface NotebookOutput {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/**
 * Executes `notebook` with the tslab kernel (cwd = the notebook's folder, so relative imports
 * resolve there) and writes the result to `outDir`; returns the executed notebook and its path.
 */
export function executeNotebook(
  notebook: string,
  outDir = ARTIFACTS,
  timeoutSec = 300,
): { nb: Notebook; path: string } {
  mkdirSync(outDir, { recursive: true });
  const name = basename(notebook).replace(/\.ipynb$/, '.executed.ipynb');
  const r = spawnSync(
    PYTHON,
    [
      '-m',
      'jupyter',
      'nbconvert',
      '--to',
      'notebook',
      '--execute',
      '--ExecutePreprocessor.kernel_name=tslab',
      `--ExecutePreprocessor.timeout=${timeoutSec}`,
      '--output-dir',
      outDir,
      '--output',
      name,
      notebook,
    ],
    { encoding: 'utf8', env: jupyterEnv(), cwd: dirname(notebook), timeout: (timeoutSec + 60) * 1000 },
  );
  if (r.status !== 0) throw new Error(`nbconvert --execute failed (status ${r.status}):\n${r.stderr}`);
  const path = join(outDir, name);
  return { nb: JSON.parse(readFileSync(path, 'utf8')) as Notebook, path };
}

/** Exports an executed notebook to HTML with nbconvert (`template` e.g. 'lab' or 'classic'); returns the path. */
export function exportHtml(notebook: string, outDir = ARTIFACTS, template = 'lab'): string {
  const name = basename(notebook).replace(/\.ipynb$/, `.${template}`);
  const r = spawnSync(
    PYTHON,
    [
      '-m',
      'jupyter',
      'nbconvert',
      '--to',
      'html',
      `--template=${template}`,
      '--output-dir',
      outDir,
      '--output',
      name,
      notebook,
    ],
    { encoding: 'utf8', env: jupyterEnv() },
  );
  if (r.status !== 0) throw new Error(`nbconvert --to html failed (status ${r.status}):\n${r.stderr}`);
  return join(outDir, `${name}.html`);
}

/** Builds dist/ from the current src (the notebooks import it). */
export function buildDist(): void {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')],
    { encoding: 'utf8', cwd: ROOT },
  );
  if (r.status !== 0) throw new Error(`tsc build failed:\n${r.stdout}${r.stderr}`);
}

/** Launches headless Chromium through playwright-core. */
export async function launchChromium(): Promise<import('playwright-core').Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * A blank page of `browser` with the package's plotly.js loaded, `viewport` pixels, for tests that
 * draw figures with the real plotly.js.
 */
export async function openPlotlyPage(
  browser: import('playwright-core').Browser,
  viewport: { width: number; height: number },
): Promise<import('playwright-core').Page> {
  const { plotlyJs } = await import('../../src/notebook/bundle');
  const page = await browser.newPage({ viewport });
  await page.setContent('<!DOCTYPE html><html><body style="margin:0"></body></html>');
  await page.addScriptTag({ content: plotlyJs() });
  // tsx compiles the callbacks the tests evaluate with esbuild's keepNames, which calls a `__name` helper.
  await page.addScriptTag({ content: 'window.__name = function (f) { return f; };' });
  return page;
}

/** Source text of a cell. */
export function cellSource(cell: { source: string | string[] }): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}
