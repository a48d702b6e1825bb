// The live classic Notebook: Debian's `jupyter-notebook` serving on 127.0.0.1, display.ipynb opened
// in headless Chromium and run with Run All, as a user would. Asserts what the page then shows:
// interactive Plotly figures (no PNG left), the audio player, the progress bar at 100 %, one live
// chart, and no page errors. Skips, naming what is missing, without Jupyter, the classic Notebook
// or Chromium (CI installs all three).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ARTIFACTS,
  buildDist,
  chromiumMissing,
  jupyterMissing,
  launchChromium,
  PYTHON,
  tslabKernelPath,
} from '../helpers/jupyter';

function classicMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import notebook.notebookapp'], { encoding: 'utf8' });
  return r.status === 0 ? null : `the classic Notebook is missing for ${PYTHON} (apt-get install jupyter-notebook)`;
}

const missing = jupyterMissing() ?? classicMissing() ?? chromiumMissing();
const token = randomBytes(12).toString('hex');
let server: ChildProcess | undefined;
let serverLog = '';
let base = '';
let scratch = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  if (missing) return;
  buildDist(); // display.ipynb imports ../../dist
  // A copy two levels below the checkout, like test/notebook/, so its `../../dist` import resolves;
  // autosave may write to it, never to the committed notebook.
  const dir = join(ARTIFACTS, 'live');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(__dirname, 'display.ipynb'), join(dir, 'display.ipynb'));
  scratch = mkdtempSync(join(tmpdir(), 'specmorph-live-'));
  const port = await freePort();
  server = spawn(
    PYTHON,
    [
      '-m',
      'notebook',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--port-retries=0',
      '--allow-root',
      `--NotebookApp.token=${token}`,
      `--notebook-dir=${dir}`,
    ],
    {
      env: {
        ...process.env,
        JUPYTER_PATH: tslabKernelPath(),
        JUPYTER_CONFIG_DIR: join(scratch, 'config'),
        JUPYTER_RUNTIME_DIR: join(scratch, 'runtime'),
        JUPYTER_DATA_DIR: join(scratch, 'data'),
        PYDEVD_DISABLE_FILE_VALIDATION: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
  server.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/api/status?token=${token}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 150 || server.exitCode !== null) throw new Error(`the Notebook server did not start:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

after(() => {
  if (server && server.exitCode === null) server.kill('SIGTERM');
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('classic Notebook live: Run All gives interactive Plotly figures, a player, a finished progress bar, one live chart, no page errors', {
  skip: missing ?? false,
  timeout: 300_000,
}, async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}/notebooks/display.ipynb?token=${token}`);
    await page.waitForFunction(
      'window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()',
      undefined,
      { timeout: 120_000 },
    );
    await page.evaluate('Jupyter.notebook.set_autosave_interval(0); Jupyter.notebook.execute_all_cells();');
    // Done when every code cell has its prompt number and the kernel is idle again.
    await page.waitForFunction(
      "Jupyter.notebook.get_cells().every(function (c) { return c.cell_type !== 'code' || typeof c.input_prompt_number === 'number'; }) && !Jupyter.notebook.kernel_busy && [].filter.call(document.querySelectorAll('.specmorph-plotly'), function (gd) { return gd.querySelector('.main-svg'); }).length >= 8",
      undefined,
      { timeout: 240_000, polling: 500 },
    );
    const state = (await page.evaluate(`(function () {
      var q = function (s) { return document.querySelectorAll(s).length; };
      var progress = [].map.call(document.querySelectorAll('.specmorph-progress'), function (e) { return e.textContent; });
      var errorsShown = q('.output_error');
      var traces = [].map.call(document.querySelectorAll('.specmorph-plotly'), function (gd) { return gd._fullData ? gd._fullData.length : 0; });
      return { plots: [].filter.call(document.querySelectorAll('.specmorph-plotly'), function (gd) { return gd.querySelector('.main-svg'); }).length, pngsLeft: q('img.specmorph-png'), audio: q('.specmorph-audio audio[src^="data:audio/wav;base64,"]'), progress: progress, errorsShown: errorsShown, traces: traces, heatmaps: q('.specmorph-plotly .heatmaplayer image, .specmorph-plotly .hm image') };
    })()`)) as {
      plots: number;
      pngsLeft: number;
      audio: number;
      progress: string[];
      errorsShown: number;
      traces: number[];
      heatmaps: number;
    };
    await page.screenshot({ path: join(ARTIFACTS, 'classic-notebook-live.png'), fullPage: true });
    assert.equal(state.errorsShown, 0, 'no error output in any cell');
    // heatmap, stages, difference, footprint, live chart, ROC, slider, table.
    assert.equal(state.plots, 8, `interactive figures: ${state.plots}`);
    assert.equal(state.pngsLeft, 0, 'every PNG placeholder became an interactive plot');
    assert.ok(
      state.traces.every((n) => n > 0),
      `every plot has traces: ${state.traces}`,
    );
    assert.ok(state.heatmaps >= 3, `heatmap layers drawn: ${state.heatmaps}`);
    assert.equal(state.audio, 1, 'one audio player');
    assert.equal(state.progress.length, 1, 'one progress output, updated in place');
    assert.match(state.progress[0], /100% 5\/5 finished/);
    assert.deepEqual(errors, [], 'no page errors');
  } finally {
    await browser.close();
  }
});
