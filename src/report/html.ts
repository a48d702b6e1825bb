import { mimeBundle, plotlyLoaderHtml } from '../notebook/bundle';
import { resultsTable } from '../notebook/table';
import type { Figure } from '../notebook/types';
import type { AblationResult } from './ablation';
import { conclusion } from './conclusion';
import { ablationFigure, ablationRows, pairedFigure, perAttackRows } from './figures';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Minimal markdown for generated text: paragraphs and **bold**. */
function paragraphs(md: string): string {
  return md
    .split(/\n\n+/)
    .map((p) => `<p>${esc(p).replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')}</p>`)
    .join('\n');
}

function htmlTable(rows: Record<string, unknown>[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return `<table class="sm"><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${cols.map((c) => `<td>${esc(String(r[c] ?? ''))}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Wall times of one report run: what report.html says and summary.json holds, from one clock. */
export interface ReportTiming {
  /** Feature extraction of the ablation, s. */
  features: number;
  /** Training and scoring of the runs trained now, s (runs read from the run cache cost ~0). */
  training: number;
  /** Runs trained now and runs read from the run cache. */
  runsTrained: number;
  runsCached: number;
  /** Executing the notebooks, s. */
  notebooks: number;
  /** The whole report, start to finish, s. */
  total: number;
}

/** The timing of a report: the ablation's own times plus notebooks and the report's total wall time. */
export function reportTiming(r: AblationResult, notebooks: number, total: number): ReportTiming {
  const runs = r.arms.flatMap((a) => a.runs);
  const runsCached = runs.filter((x) => x.cached).length;
  return {
    features: r.seconds.features,
    training: r.seconds.training,
    runsTrained: runs.length - runsCached,
    runsCached,
    notebooks,
    total,
  };
}

/**
 * One line of a {@link ReportTiming}, e.g.
 * `total 764 s: features 12 s, training 480 s (48 runs; 0 from cache), notebooks 240 s`.
 */
export function formatTiming(t: ReportTiming): string {
  const s = (v: number): string => `${v.toFixed(0)} s`;
  return (
    `total ${s(t.total)}: features ${s(t.features)}, training ${s(t.training)} ` +
    `(${t.runsTrained} runs trained, ${t.runsCached} read from the run cache), notebooks ${s(t.notebooks)}`
  );
}

/** Options of {@link reportHtml}. */
export interface ReportHtmlOptions {
  /** @default 'specmorph: does morphological preprocessing help deepfake-speech detection?' */
  title?: string;
  /** Extra figures (e.g. a spectrogram and its opening), shown after the results. @default [] */
  figures?: { caption: string; figure: Figure }[];
  /** Links to executed notebooks, shown at the end. @default [] */
  notebooks?: { name: string; href: string }[];
  /** The report's timing (the same object summary.json holds). @default the ablation's own times, no notebooks */
  timing?: ReportTiming;
}

/** The report's style sheet. */
const REPORT_CSS = [
  'body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45}',
  'table.sm{border-collapse:collapse;font-size:13px;margin:1em 0}' +
    'table.sm td,table.sm th{border:1px solid #ccc;padding:3px 7px;text-align:left}',
  'table.sm th{background:#e8eef6}',
].join('\n');

/**
 * A standalone, offline HTML report of an ablation: the generated conclusion, the results table,
 * the EER plot and the paired-difference plot (interactive with the inlined plotly.js, PNG when
 * JavaScript is off), per-attack EERs, the set-up (data, split, pipeline, model, backend, timings).
 */
export function reportHtml(r: AblationResult, opts: ReportHtmlOptions = {}): string {
  const title = opts.title ?? 'specmorph: does morphological preprocessing help deepfake-speech detection?';
  const fig = (f: Figure): string => mimeBundle(f)['text/html'];
  const setup = [
    [
      'data',
      `${r.data.root} — ${r.data.n} clips (${r.data.bonafide} bona fide, ${r.data.spoof} spoof), ` +
        `${Object.keys(r.data.attacks).length} attack systems`,
    ],
    [
      'split',
      `${r.data.split.by}: train ${r.data.split.train} / test ${r.data.split.test}` +
        `${r.data.split.unlisted ? ` (${r.data.split.unlisted} unlisted clips left out)` : ''}`,
    ],
    [
      'features',
      `${r.data.features.rows}×${r.data.features.cols}; ` +
        `base pipeline ${r.base.stages.map((s) => s.op).join(' → ')}; morphology after dB`,
    ],
    ['model', r.model],
    ['training', `${r.epochs} epochs for every arm and seed; seeds ${r.seeds.join(', ')}`],
    ['backend', r.backend],
    ['time', formatTiming(opts.timing ?? reportTiming(r, 0, r.seconds.total))],
    ['version', `specmorph ${r.specmorphVersion}, ${r.createdAt}`],
  ];
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${REPORT_CSS}</style></head>
<body>
${plotlyLoaderHtml()}
<h1>${esc(title)}</h1>
<h2>Conclusion (generated from the numbers below)</h2>
${paragraphs(conclusion(r))}
<h2>Results</h2>
${htmlTable(ablationRows(r))}
${fig(ablationFigure(r))}
${r.arms.length > 1 ? fig(pairedFigure(r)) : ''}
<h2>Per-attack EER (%), mean over seeds</h2>
${htmlTable(perAttackRows(r))}
${(opts.figures ?? []).map((f) => `<h3>${esc(f.caption)}</h3>\n${fig(f.figure)}`).join('\n')}
<h2>Set-up</h2>
${htmlTable(setup.map(([k, v]) => ({ item: k, value: v })))}
${
  opts.notebooks?.length
    ? `<h2>Notebooks</h2><ul>${opts.notebooks
        .map((n) => `<li><a href="${esc(n.href)}">${esc(n.name)}</a></li>`)
        .join('')}</ul>`
    : ''
}
</body></html>
`;
}

/** The results table as a Plotly table figure (for notebooks). */
export function ablationTableFigure(r: AblationResult): Figure {
  return resultsTable(ablationRows(r), { title: 'Morphology ablation: test EER by arm', width: 1000 });
}
