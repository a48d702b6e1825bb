// The five notebooks executed by the real tslab kernel (nbconvert, headless) on the bundled corpus,
// with SPECMORPH_QUICK=1 so training is a 1-2 epoch smoke run. Skips, naming what is missing, when
// Jupyter/tslab or the corpus are absent. Checks: no error output, every figure is one display_data
// with the four MIME types, audio players present, and notebook 04's conclusion matches its numbers.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  ARTIFACTS,
  ROOT,
  buildDist,
  cellSource,
  executeNotebook,
  jupyterMissing,
  type Notebook,
  type NotebookOutput,
} from '../helpers/jupyter';

const CORPUS = join(ROOT, 'datasets/corpus');
const NAMES = [
  '01-spectrograms',
  '02-morphology',
  '03-detect-deepfakes',
  '04-ablation-report',
  '05-learned-morphology',
];
const FOUR = ['application/vnd.plotly.v1+json', 'image/png', 'text/html', 'text/plain'];
const skip =
  jupyterMissing() ??
  (existsSync(join(CORPUS, 'meta.csv')) ? null : `${CORPUS}/meta.csv is missing (the bundled corpus)`);
const run: Record<string, Notebook> = {};

before(() => {
  if (skip) return;
  buildDist();
  // The notebooks read these from the kernel's environment (executeNotebook passes process.env on).
  process.env.SPECMORPH_QUICK = '1';
  process.env.SPECMORPH_DATA = CORPUS;
  process.env.SPECMORPH_CACHE = join(mkdtempSync(join(tmpdir(), 'specmorph-nbtest-')), 'features');
  for (const n of NAMES)
    run[n] = executeNotebook(join(ROOT, 'notebooks', `${n}.ipynb`), join(ARTIFACTS, 'notebooks'), 600).nb;
});

const outputs = (nb: Notebook): NotebookOutput[] => nb.cells.flatMap((c) => c.outputs ?? []);
const isLoader = (o: NotebookOutput): boolean => String(o.data?.['text/html'] ?? '').includes('embedded by specmorph');
const isFigure = (o: NotebookOutput): boolean =>
  o.output_type === 'display_data' && 'application/vnd.plotly.v1+json' in (o.data ?? {});

for (const n of NAMES) {
  test(`${n}: runs in the tslab kernel with no error output; every figure carries plotly json + html + png + text`, {
    skip: skip ?? false,
  }, () => {
    const nb = run[n];
    for (const o of outputs(nb)) assert.notEqual(o.output_type, 'error', `${o.ename}: ${o.evalue}`);
    const figs = outputs(nb).filter(isFigure);
    assert.ok(figs.length >= 3, `${n} shows ${figs.length} figures`);
    for (const f of figs) assert.deepEqual(Object.keys(f.data ?? {}).sort(), FOUR);
    assert.equal(outputs(nb).filter(isLoader).length, 1, 'plotly.js embedded once');
    for (const c of nb.cells.filter((x) => x.cell_type === 'code'))
      assert.ok(
        (c.outputs ?? []).length > 0 || /^\s*(import|const|let)\b[^\n]*;?\s*$/.test(cellSource(c)),
        `a code cell of ${n} has no output:\n${cellSource(c).slice(0, 80)}`,
      );
  });
}

test('01/02: audio players for the clip, its spoof and the Griffin-Lim reconstructions', {
  skip: skip ?? false,
}, () => {
  const players = (nb: Notebook) =>
    outputs(nb).filter((o) => String(o.data?.['text/html'] ?? '').includes('<audio controls'));
  assert.equal(players(run['01-spectrograms']).length, 2);
  assert.equal(players(run['02-morphology']).length, 3);
});

test('03: prints a test EER and shows ROC, DET and saliency figures', { skip: skip ?? false }, () => {
  const text = outputs(run['03-detect-deepfakes'])
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : String(o.text)))
    .join('');
  const eer = /test EER (\d+\.\d\d)% \(95% interval (\d+\.\d)-(\d+\.\d)%\), ROC AUC (0\.\d{3}|1\.000)/.exec(text);
  assert.ok(eer, `no test EER line in:\n${text}`);
  const [point, low, high] = eer.slice(1, 4).map(Number);
  assert.ok(low <= point + 0.05 && point <= high + 0.05 && high > low, `interval ${low}-${high}% around ${point}%`);
  const titles = outputs(run['03-detect-deepfakes'])
    .filter(isFigure)
    .map((o) => String(o.data?.['text/plain']));
  assert.ok(titles.some((t) => /ROC/.test(t)) && titles.some((t) => /DET/.test(t)));
  assert.ok(titles.filter((t) => /gradient × input|Grad-CAM|score/.test(t)).length >= 2, titles.join('\n'));
  // The classical reference and the ablation's baseline come through the run cache (trained when absent).
  assert.match(text, /LFCC-GMM reference \(4 components\): (from the run cache|trained in \d+ s); baseline arm: /);
});

test('04: the conclusion markdown is generated and quotes the baseline EER shown in the table', {
  skip: skip ?? false,
}, () => {
  const nb = run['04-ablation-report'];
  const md = outputs(nb).find((o) => o.data && 'text/markdown' in o.data);
  assert.ok(md, 'a text/markdown output');
  const text = String(
    Array.isArray(md!.data!['text/markdown'])
      ? (md!.data!['text/markdown'] as string[]).join('')
      : md!.data!['text/markdown'],
  );
  const table = outputs(nb)
    .filter(isFigure)
    .map(
      (o) => o.data!['application/vnd.plotly.v1+json'] as { data: { type: string; cells?: { values: string[][] } }[] },
    )
    .find((f) => f.data[0].type === 'table')!;
  const baseline = table.data[0].cells!.values[1][0]; // column 'EER % (mean ± sd)', row 'none'
  const mean = baseline.split(' ± ')[0];
  assert.match(
    text,
    new RegExp(`EER of ${Number(mean).toFixed(1).replace('.', '\\.')}% ±`),
    `conclusion should quote ${mean}%:\n${text}`,
  );
  assert.match(text, /Caveats:/);
});

test('05: frozen layer = sm.erode exactly; structuring functions, their evolution, bona fide vs spoof shown', {
  skip: skip ?? false,
}, () => {
  const nb = run['05-learned-morphology'];
  const text = outputs(nb)
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : String(o.text)))
    .join('');
  assert.match(text, /max \|layer − sm\.erode\| = 0\n/);
  const figs = outputs(nb)
    .filter(isFigure)
    .map(
      (o) =>
        o.data!['application/vnd.plotly.v1+json'] as {
          layout: { title?: { text?: string }; sliders?: { steps: unknown[] }[] };
        },
    );
  const titles = figs.map((f) => f.layout.title?.text ?? '');
  assert.ok(
    titles.some((t) => /morph_erode: learned structuring functions \(erode\)/.test(t)) &&
      titles.some((t) => /morph_dilate: learned structuring functions \(dilate\)/.test(t)),
    titles.join('\n'),
  );
  const evolution = figs.find((f) => f.layout.sliders);
  assert.equal(evolution?.layout.sliders?.[0].steps.length, 2, 'one slider step per quick-mode epoch');
  assert.equal(
    titles.filter((t) => /^learned (erode|dilate): bonafide\/.* vs spoof\//.test(t)).length,
    2,
    titles.join('\n'),
  );
  // With and without the block: the ablation's baseline and learned arms (2 quick-mode seeds), paired.
  const tables = outputs(nb)
    .filter(isFigure)
    .map(
      (o) => o.data!['application/vnd.plotly.v1+json'] as { data: { type: string; cells?: { values: string[][] } }[] },
    )
    .filter((f) => f.data[0].type === 'table');
  assert.deepEqual(tables.at(-1)?.data[0].cells?.values[0], ['none', 'learned (morph-cnn)']);
  assert.match(text, /\d of 4 runs from the run cache/);
});
