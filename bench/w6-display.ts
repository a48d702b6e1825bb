// W6: how many heatmap cells a browser draws comfortably. Renders one Plotly heatmap of a random
// dB spectrogram at full resolution in headless Chromium (the repo's plotly.js) and reports the
// median time of Plotly.newPlot and of a zoom relayout, plus the figure's MIME bundle size, for
// growing cell counts. The default `maxCells` of heatmaps comes from this table (docs/benchmarks.md).
import { chromiumMissing, launchChromium } from '../test/helpers/jupyter';
import { plotlyJs } from '../src/notebook/bundle';
import { heatmap } from '../src/notebook/heatmap';
import { mimeBundle } from '../src/notebook/bundle';
import type { Spectrogram } from '../src/grid/grid';
import { Random } from '../src/random';
import { type BenchRow, row } from './rows';
import { median } from './timing';

/** The part of plotly.js's page global the timing loop calls. */
interface PlotlyGlobal {
  purge(div: HTMLElement): void;
  newPlot(div: HTMLElement, data: unknown, layout: unknown, config: object): Promise<unknown>;
  relayout(div: HTMLElement, update: Record<string, unknown>): Promise<unknown>;
}

const SHAPES: [number, number][] = [
  [129, 201],
  [257, 201],
  [257, 501],
  [257, 1001],
  [513, 1001],
  [513, 2001],
];

function spec(rows: number, cols: number): Spectrogram {
  const rng = new Random(rows * cols);
  return {
    rows,
    cols,
    data: Float32Array.from({ length: rows * cols }, () => -80 * rng.next()),
    sampleRate: 16000,
    hopLength: 160,
    frequencies: Float64Array.from({ length: rows }, (_, r) => (r * 8000) / (rows - 1)),
    times: Float64Array.from({ length: cols }, (_, c) => (c * 160) / 16000),
    scale: 'linear',
    unit: 'dB',
  };
}

/** Rows per shape: median newPlot and zoom ms (wall, in the page), and the MIME bundle's KB. No peer. */
export async function run(): Promise<BenchRow[]> {
  const missing = chromiumMissing();
  if (missing) {
    console.log(`skipped: ${missing}`);
    return [];
  }
  const rows: BenchRow[] = [];
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent('<html><body><div id="p"></div></body></html>');
    await page.addScriptTag({ content: plotlyJs() });
    console.log('cells     shape        newPlot ms  relayout ms  bundle KB (f4, all parts)');
    for (const [r, c] of SHAPES) {
      const fig = heatmap(spec(r, c), { fullResolution: true });
      const kb =
        Object.values(mimeBundle(fig)).reduce(
          (a, v) => a + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)),
          0,
        ) / 1024;
      const times = (await page.evaluate(
        async (f) => {
          const P = (window as unknown as { Plotly: PlotlyGlobal }).Plotly;
          const plot: number[] = [];
          const zoom: number[] = [];
          for (let i = 0; i < 5; i++) {
            const div = document.getElementById('p') as HTMLElement;
            P.purge(div);
            let t = performance.now();
            await P.newPlot(div, f.data, f.layout, { ...(f.config as object), responsive: false });
            plot.push(performance.now() - t);
            t = performance.now();
            await P.relayout(div, { 'xaxis.range': [0.2, 0.8] });
            zoom.push(performance.now() - t);
          }
          return { plot, zoom };
        },
        fig as unknown as Record<string, unknown>,
      )) as { plot: number[]; zoom: number[] };
      console.log(
        `${String(r * c).padEnd(9)} ${`${r}x${c}`.padEnd(12)} ${median(times.plot).toFixed(0).padStart(10)}  ${median(times.zoom).toFixed(0).padStart(11)}  ${kb.toFixed(0).padStart(9)}`,
      );
      const what = `full-resolution heatmap ${r}x${c} (${r * c} cells)`;
      rows.push(
        row('W6', `${what}, Plotly.newPlot in headless Chromium`, { value: median(times.plot), unit: 'ms wall' }, null),
        row('W6', `${what}, zoom relayout`, { value: median(times.zoom), unit: 'ms wall' }, null),
        row('W6', `${what}, MIME bundle (all parts)`, { value: kb, unit: 'KB' }, null),
      );
    }
  } finally {
    await browser.close();
  }
  return rows;
}

if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
