import type { Figure, Trace } from '../notebook/types';
import type { AblationResult } from './ablation';
import { formatMeanStd, verdict } from './conclusion';

const OP_SHORT: Record<string, string> = {
  none: 'none',
  erode: 'ero',
  dilate: 'dil',
  opening: 'open',
  closing: 'close',
  whiteTopHat: 'WTH',
  blackTopHat: 'BTH',
  morphologicalGradient: 'grad',
};

/**
 * A tick label short enough for 16 arms side by side: operator (ero, dil, open, close, WTH) and
 * footprint (sq3 = rect 3×3, t5 / f5 = line of 5 along time / frequency, d2 = disk radius 2).
 */
export function shortArmName(arm: {
  op: string;
  footprint: import('../pipeline/config').FootprintSpec | null;
}): string {
  const fp = arm.footprint;
  const f = !fp
    ? ''
    : fp.shape === 'line'
      ? `${fp.axis === 'time' ? 't' : 'f'}${fp.length}`
      : fp.shape === 'disk'
        ? `d${fp.radius}`
        : fp.shape === 'mask'
          ? 'mask'
          : fp.rows === fp.cols && fp.shape === 'rect'
            ? `sq${fp.rows}`
            : `${fp.shape[0]}${fp.rows}x${fp.cols}`;
  return `${OP_SHORT[arm.op] ?? arm.op}${f ? ` ${f}` : ''}`;
}

const AXIS_NOTE =
  'arm: operator + footprint (sq3 = rect 3x3, t5 / f5 = line of 5 along time / frequency; WTH = white top-hat)';

/**
 * The y range both renderings of an ablation plot draw: the data's span (plus `include`, e.g. 0 for
 * differences) padded by 8 % each side, so differences between arms are not squashed by an axis
 * forced to start at zero.
 */
export function paddedRange(values: number[], include: number[] = []): [number, number] {
  const v = [...values, ...include].filter(Number.isFinite);
  if (v.length === 0) return [0, 1];
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pad = (hi - lo) * 0.08 || Math.max(Math.abs(hi) * 0.1, 0.5);
  return [lo - pad, hi + pad];
}

const COLORS = ['#636efa', '#EF553B', '#00cc96', '#ab63fa', '#FFA15A', '#19d3f3'];

function opColor(op: string, ops: string[]): string {
  return op === 'none' ? '#444444' : COLORS[ops.indexOf(op) % COLORS.length];
}

/**
 * The title pinned to the top of the figure, above a horizontal legend that is anchored at its
 * bottom just over the plot: a 100 px top margin holds the title and three legend rows, so a narrow
 * window that wraps the legend pushes it into the margin, never onto the title or the data.
 */
const TITLE_ABOVE_LEGEND = { y: 0.985, yanchor: 'top' } as const;

/**
 * The ablation plot: test EER (%) of every arm, one small dot per seed and a diamond at the mean
 * with a ±1 sd bar, the baseline's mean as a dashed horizontal line. x = arm (ticks labelled with
 * the arm names), y = EER in percent.
 */
export function ablationFigure(r: AblationResult, opts: { title?: string } = {}): Figure {
  const ops = [...new Set(r.arms.map((a) => a.op).filter((o) => o !== 'none'))];
  const data: Trace[] = [];
  const xs = r.arms.map((_, i) => i);
  const base = r.arms[0].eer.mean * 100;
  data.push({
    type: 'scatter',
    mode: 'lines',
    x: [-0.5, r.arms.length - 0.5],
    y: [base, base],
    line: { color: '#888888', dash: 'dash', width: 1 },
    name: 'baseline mean',
    hoverinfo: 'skip',
  });
  if (r.reference) {
    const ref = r.reference.eer.mean * 100;
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: [-0.5, r.arms.length - 0.5],
      y: [ref, ref],
      line: { color: '#2ca02c', dash: 'dot', width: 2 },
      name: `LFCC-GMM reference ${ref.toFixed(1)}%`,
      hoverinfo: 'skip',
    });
  }
  for (const op of ['none', ...ops]) {
    const idx = r.arms.map((a, i) => (a.op === op ? i : -1)).filter((i) => i >= 0);
    const color = opColor(op, ops);
    const barX: (number | null)[] = [];
    const barY: (number | null)[] = [];
    for (const i of idx) {
      const { mean, std } = r.arms[i].eer;
      barX.push(i, i, null);
      barY.push(100 * (mean - std), 100 * (mean + std), null);
    }
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: barX,
      y: barY,
      line: { color, width: 2 },
      showlegend: false,
      hoverinfo: 'skip',
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: idx.flatMap((i) => r.arms[i].runs.map((_, k) => i + (k - (r.arms[i].runs.length - 1) / 2) * 0.12)),
      y: idx.flatMap((i) => r.arms[i].runs.map((run) => 100 * run.eer)),
      marker: { color, size: 5, opacity: 0.6 },
      showlegend: false,
      hovertemplate: 'EER %{y:.2f}%<extra>one seed</extra>',
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: idx,
      y: idx.map((i) => 100 * r.arms[i].eer.mean),
      marker: { color, size: 10, symbol: 'diamond' },
      name: op === 'none' ? 'none (baseline)' : op,
      text: idx.map((i) => `${r.arms[i].name}: ${formatMeanStd(r.arms[i].eer)}`),
      hovertemplate: '%{text}<extra></extra>',
    });
  }
  return {
    data,
    layout: {
      title: {
        text:
          opts.title ?? `Test EER by preprocessing arm (dots: ${r.seeds.length} seeds; diamond and bar: mean and 1 sd)`,
        ...TITLE_ABOVE_LEGEND,
      },
      width: Math.max(760, 60 * r.arms.length + 160),
      height: 480,
      margin: { l: 70, r: 20, t: 100, b: 70 },
      // No x zero line: x = 0 is the first arm, where Plotly's zero line reads as an error bar.
      xaxis: {
        title: { text: AXIS_NOTE },
        tickvals: xs,
        ticktext: r.arms.map(shortArmName),
        range: [-0.5, r.arms.length - 0.5],
        zeroline: false,
      },
      yaxis: {
        title: { text: 'test EER (%)' },
        range: paddedRange(data.flatMap((t) => (t.y as (number | null)[]).filter((v): v is number => v !== null))),
        zeroline: false,
      },
      // Anchored at its bottom just above the plot: a legend that wraps grows upwards, never over the data.
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
    },
    config: { displaylogo: false, responsive: true },
  };
}

/**
 * The paired comparison: for each arm, EER(arm, seed) − EER(baseline, seed) in percentage points,
 * one dot per seed and the mean with its 95 % t interval; zero (no difference) as a line.
 * Below zero = the arm beat the baseline with that seed.
 */
export function pairedFigure(r: AblationResult, opts: { title?: string } = {}): Figure {
  const arms = r.arms.slice(1);
  const ops = [...new Set(arms.map((a) => a.op))];
  const data: Trace[] = [
    {
      type: 'scatter',
      mode: 'lines',
      x: [-0.5, arms.length - 0.5],
      y: [0, 0],
      line: { color: '#888888', dash: 'dash', width: 1 },
      name: 'no difference',
      hoverinfo: 'skip',
    },
  ];
  const ciX: (number | null)[] = [];
  const ciY: (number | null)[] = [];
  arms.forEach((a, i) => {
    const c = a.vsBaseline!;
    if (c.ci95) {
      ciX.push(i, i, null);
      ciY.push(100 * c.ci95[0], 100 * c.ci95[1], null);
    }
  });
  data.push({
    type: 'scatter',
    mode: 'lines',
    x: ciX,
    y: ciY,
    line: { color: '#444444', width: 2 },
    name: '95% CI of mean Δ',
  });
  data.push({
    type: 'scatter',
    mode: 'markers',
    x: arms.flatMap((a, i) =>
      a.vsBaseline!.differences.map((_, k) => i + (k - (a.vsBaseline!.differences.length - 1) / 2) * 0.12),
    ),
    y: arms.flatMap((a) => a.vsBaseline!.differences.map((d) => 100 * d)),
    marker: {
      color: arms.flatMap((a) => a.vsBaseline!.differences.map(() => opColor(a.op, ops))),
      size: 5,
      opacity: 0.7,
    },
    name: 'one seed',
  });
  data.push({
    type: 'scatter',
    mode: 'markers',
    x: arms.map((_, i) => i),
    y: arms.map((a) => 100 * a.vsBaseline!.mean),
    marker: { color: arms.map((a) => opColor(a.op, ops)), size: 10, symbol: 'diamond' },
    name: 'mean Δ',
    text: arms.map((a) => `${a.name}: ${verdict(a)}`),
    hovertemplate: '%{text}<br>Δ %{y:.2f} pp<extra></extra>',
  });
  return {
    data,
    layout: {
      title: {
        text: opts.title ?? 'Paired difference from the baseline, same seed (below 0 = lower EER than no morphology)',
        ...TITLE_ABOVE_LEGEND,
      },
      width: Math.max(760, 60 * arms.length + 160),
      height: 460,
      margin: { l: 70, r: 20, t: 100, b: 70 },
      xaxis: {
        title: { text: AXIS_NOTE },
        tickvals: arms.map((_, i) => i),
        ticktext: arms.map(shortArmName),
        range: [-0.5, arms.length - 0.5],
        zeroline: false,
      },
      // The dashed 'no difference' trace marks 0; Plotly's own zero line would double it.
      yaxis: {
        title: { text: 'EER(arm) − EER(none), percentage points' },
        range: paddedRange(
          data.flatMap((t) => (t.y as (number | null)[]).filter((v): v is number => v !== null)),
          [0],
        ),
        zeroline: false,
      },
      // Anchored at its bottom just above the plot: a legend that wraps grows upwards, never over the data.
      legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
    },
    config: { displaylogo: false, responsive: true },
  };
}

/**
 * One row per arm for tables: mean ± sd EER, AUC and minDCF (normalised, ASVspoof 5 costs), the paired Δ with its interval, p and the
 * verdict; then the LFCC-GMM reference, when the ablation has one (no Δ: it is not an arm).
 */
export function ablationRows(r: AblationResult): Record<string, string | number>[] {
  const ref = r.reference;
  const refRow = ref
    ? [
        {
          arm: `${ref.name}, seed${ref.runs.length === 1 ? '' : 's'} ${ref.runs.map((x) => x.seed).join(', ')}`,
          // One seed has no spread to show.
          'EER % (mean ± sd)': `${(100 * ref.eer.mean).toFixed(2)}${ref.runs.length > 1 ? ` ± ${(100 * ref.eer.std).toFixed(2)}` : ''}`,
          'AUC (mean ± sd)': `${ref.auc.mean.toFixed(3)}${ref.runs.length > 1 ? ` ± ${ref.auc.std.toFixed(3)}` : ''}`,
          'minDCF (mean ± sd)': `${ref.minDcf.mean.toFixed(3)}${ref.runs.length > 1 ? ` ± ${ref.minDcf.std.toFixed(3)}` : ''}`,
          'Δ EER pp vs none': '—',
          '95% CI of Δ': '—',
          'p (paired t)': '—',
          'lower/higher seeds': '—',
          verdict: 'reference (not an arm)',
        },
      ]
    : [];
  return [
    ...r.arms.map((a) => {
      const c = a.vsBaseline;
      return {
        arm: a.name,
        'EER % (mean ± sd)': `${(100 * a.eer.mean).toFixed(2)} ± ${(100 * a.eer.std).toFixed(2)}`,
        'AUC (mean ± sd)': `${a.auc.mean.toFixed(3)} ± ${a.auc.std.toFixed(3)}`,
        'minDCF (mean ± sd)': `${a.minDcf.mean.toFixed(3)} ± ${a.minDcf.std.toFixed(3)}`,
        'Δ EER pp vs none': c ? `${(100 * c.mean).toFixed(2)}` : '—',
        '95% CI of Δ': c?.ci95 ? `[${(100 * c.ci95[0]).toFixed(2)}, ${(100 * c.ci95[1]).toFixed(2)}]` : '—',
        'p (paired t)': c?.pValue !== null && c?.pValue !== undefined ? Number(c.pValue.toPrecision(2)) : '—',
        'lower/higher seeds': c ? `${c.lower}/${c.higher}` : '—',
        verdict: verdict(a),
      };
    }),
    ...refRow,
  ];
}

/** The ablation table as GitHub markdown. */
export function ablationMarkdown(r: AblationResult): string {
  return markdownTable(ablationRows(r));
}

/** Rows of one shape as a GitHub markdown table (columns = the first row's keys); '' for no rows. */
function markdownTable(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const line = (cells: unknown[]): string => `| ${cells.map((c) => String(c)).join(' | ')} |`;
  return [line(cols), line(cols.map(() => '---')), ...rows.map((row) => line(cols.map((c) => row[c])))].join('\n');
}

/** The ablation table as fixed-width text for a terminal. */
export function ablationText(r: AblationResult): string {
  const rows = ablationRows(r);
  const cols = Object.keys(rows[0]);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((row) => String(row[c]).length)));
  const fmt = (cells: unknown[]): string =>
    cells
      .map((c, i) => String(c).padEnd(w[i]))
      .join('  ')
      .trimEnd();
  return [fmt(cols), fmt(w.map((n) => '-'.repeat(n))), ...rows.map((row) => fmt(cols.map((c) => row[c])))].join('\n');
}

/** Per-attack test EER (mean over seeds) of the baseline, every arm and the reference (when there is one): rows = attacks. */
export function perAttackRows(r: AblationResult): Record<string, string | number>[] {
  const columns = r.reference ? [...r.arms, r.reference] : r.arms;
  const attacks = [...new Set(columns.flatMap((a) => Object.keys(a.perAttack)))].sort();
  return attacks.map((atk) => {
    const row: Record<string, string | number> = {
      attack: atk,
      'test clips': r.data.split.testAttacks[atk] ?? 0,
      'in training': (r.data.split.trainAttacks[atk] ?? 0) > 0 ? 'yes' : 'no (unseen)',
    };
    for (const a of columns) row[a.name] = a.perAttack[atk] ? `${(100 * a.perAttack[atk].mean).toFixed(1)}` : '—';
    return row;
  });
}

/** {@link perAttackRows} as GitHub markdown. */
export function perAttackMarkdown(r: AblationResult): string {
  return markdownTable(perAttackRows(r));
}
