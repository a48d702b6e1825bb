// Executed notebooks as the report leaves them: numbered cells and one shared plotly.js; the private
// kernel folder the report registers them with is removed when it ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { figureHtml, plotlyJsPath, plotlyLoaderHtml } from '../../src/notebook/bundle';
import { heatmap } from '../../src/notebook/heatmap';
import { renderPng } from '../../src/notebook/png';
import { finishExecutedNotebook, padKernelSpec, SHARED_PLOTLY } from '../../src/report/execute';
import { ROOT, chromiumMissing, jupyterMissing, launchChromium } from '../helpers/jupyter';
import { writeTinyCorpus } from '../helpers/tinyCorpus';

const REQUIRE_JS = '/usr/share/javascript/requirejs/require.js';

test('finishExecutedNotebook numbers code cells 1..n and swaps the inlined plotly.js for a loader of plotly.min.js', () => {
  const loader = { output_type: 'display_data', data: { 'text/html': plotlyLoaderHtml(), 'text/plain': 'plotly.js' } };
  const other = { output_type: 'display_data', data: { 'text/html': '<b>figure</b>', 'text/plain': 'fig' } };
  const nb = {
    cells: [
      { cell_type: 'markdown' },
      { cell_type: 'code', execution_count: null, outputs: [loader, other] },
      {
        cell_type: 'code',
        execution_count: null,
        outputs: [{ output_type: 'execute_result', execution_count: null, data: { 'text/plain': '3' } }],
      },
    ],
  };
  const size = JSON.stringify(nb).length;
  finishExecutedNotebook(nb);
  assert.deepEqual(
    nb.cells.map((c) => (c as { execution_count?: number }).execution_count),
    [undefined, 1, 2],
  );
  assert.equal((nb.cells[2].outputs![0] as { execution_count?: number }).execution_count, 2);
  const html = String((nb.cells[1].outputs![0].data as Record<string, string>)['text/html']);
  assert.match(html, /s\.src = "plotly\.min\.js"/);
  assert.ok(
    html.length < 1000 && JSON.stringify(nb).length < size / 1000,
    `the notebook shrinks from ${size} to ${JSON.stringify(nb).length} bytes`,
  );
  assert.deepEqual(nb.cells[1].outputs![1], other);
});

test('chromium: a saved notebook page loading the shared plotly.min.js under require.js draws its figure interactively', {
  skip: chromiumMissing() ?? (existsSync(REQUIRE_JS) ? false : `${REQUIRE_JS} missing`),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-shared-plotly-'));
  const browser = await launchChromium();
  try {
    copyFileSync(plotlyJsPath(), join(dir, SHARED_PLOTLY));
    copyFileSync(REQUIRE_JS, join(dir, 'require.js'));
    const nb = finishExecutedNotebook({
      cells: [
        { cell_type: 'code', outputs: [{ output_type: 'display_data', data: { 'text/html': plotlyLoaderHtml() } }] },
      ],
    });
    const fig = heatmap({ rows: 3, cols: 4, data: new Float32Array(12).map((_, i) => i) });
    const page = `<!DOCTYPE html><html><head><script src="require.js"></script></head><body>${String(nb.cells[0].outputs![0].data!['text/html'])}${figureHtml(fig, renderPng(fig).toString('base64'))}</body></html>`;
    writeFileSync(join(dir, 'nb.html'), page);
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`file://${join(dir, 'nb.html')}`);
    await p.waitForSelector('.specmorph-plotly .heatmaplayer image, .specmorph-plotly .hm', { timeout: 15000 });
    assert.equal(
      await p.evaluate(() => typeof (window as unknown as { define?: unknown }).define),
      'function',
      'require.js define restored',
    );
    assert.equal(await p.locator('img.specmorph-png').count(), 0, 'the PNG was replaced by the interactive plot');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('padKernelSpec adds the malloc pad to a kernel.json env, keeps every other entry and a pad the user set, errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-kernelspec-'));
  try {
    const file = join(dir, 'kernel.json');
    const spec = {
      argv: ['/x/tslab', 'kernel', '--config-path', '{connection_file}'],
      display_name: 'TypeScript',
      language: 'typescript',
    };
    writeFileSync(file, JSON.stringify(spec));
    padKernelSpec(dir);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { ...spec, env: { MALLOC_TOP_PAD_: '268435456' } });
    const written = statSync(file).mtimeMs;
    padKernelSpec(dir);
    assert.equal(statSync(file).mtimeMs, written, 'a second call leaves the file alone');

    writeFileSync(file, JSON.stringify({ ...spec, env: { A: 'b', MALLOC_TOP_PAD_: '0' } }));
    padKernelSpec(dir);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).env, { A: 'b', MALLOC_TOP_PAD_: '0' });

    writeFileSync(file, '{ not json');
    assert.throws(
      () => padKernelSpec(dir),
      (e: Error) => e.message.startsWith(`${file}: not a readable kernel spec (`),
    );
    assert.throws(
      () => padKernelSpec(join(dir, 'missing')),
      /missing\/kernel\.json: not a readable kernel spec \(ENOENT/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A notebook of one TypeScript cell for the tslab kernel. */
function notebookJson(source: string): string {
  return JSON.stringify({
    cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [source] }],
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

test('report removes its private tslab kernel folder when it ends: a notebook failed, or SIGTERM during one', {
  skip: jupyterMissing() ?? false,
  timeout: 600000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'specmorph-kernel-cleanup-'));
  const tmp = join(root, 'tmp');
  mkdirSync(tmp);
  const kernels = () => readdirSync(tmp).filter((n) => n.startsWith('specmorph-kernel-'));
  try {
    const data = join(root, 'data');
    writeTinyCorpus(data);
    const nb = join(root, 'nb');
    mkdirSync(nb);
    writeFileSync(join(nb, '01-ok.ipynb'), notebookJson('2 + 2'));
    writeFileSync(join(nb, '02-fails.ipynb'), notebookJson("throw new Error('on purpose')"));
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'src', 'cli', 'main.ts'),
      'report',
      '--data',
      data,
      '--notebooks',
      nb,
      '--out',
      join(root, 'out'),
      '--seeds',
      '1',
      '--epochs',
      '1',
      '--workers',
      '0',
      '--no-reference',
    ];
    const env = { ...process.env, TMPDIR: tmp, SPECMORPH_CACHE: join(root, 'cache') };
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, args, { cwd: ROOT, env });
      let stderr = '';
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      p.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /report: 1 notebook\(s\) failed: 02-fails\.ipynb/);
    assert.ok(existsSync(join(root, 'out', 'notebooks', '01-ok.ipynb')), 'the other notebook was executed');
    assert.deepEqual(kernels(), [], 'no kernel folder left after a failed notebook');

    const killed = await new Promise<{ signal: string | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, args, { cwd: ROOT, env });
      let stderr = '';
      p.stderr.on('data', (b: Buffer) => {
        if (!/executing/.test(stderr) && /executing/.test(stderr + b.toString()))
          setTimeout(() => p.kill('SIGTERM'), 500);
        stderr += b.toString();
      });
      p.on('close', (_code, signal) => resolve({ signal, stderr }));
    });
    assert.equal(killed.signal, 'SIGTERM', killed.stderr);
    assert.deepEqual(kernels(), [], 'no kernel folder left after SIGTERM');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
