// Slider figures: each frame carries what differs between the steps (colour axis ranges, axis
// ranges, annotations, titles), so that moving the slider to step k shows step k's own figure from
// whichever step is showing. Checked by merging frames the way plotly.js does (Plots.extendLayout),
// and in Chromium by animating the real plotly.js (skipped, naming what is missing, without it).
// biome-ignore-all lint/suspicious/noExplicitAny: page code reads untyped plotly.js internals (_fullLayout)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Grid } from '../../src/grid/grid';
import { footprint, whiteTopHat } from '../../src/morphology';
import { compareStages } from '../../src/notebook/compare';
import { footprintFigure } from '../../src/notebook/footprint';
import { heatmap } from '../../src/notebook/heatmap';
import { shownRanges } from '../../src/notebook/ranges';
import { sliderFigure } from '../../src/notebook/slider';
import type { Figure } from '../../src/notebook/types';
import { chromiumMissing, launchChromium, openPlotlyPage } from '../helpers/jupyter';
import { synthSpectrogram } from './synth';

const S = synthSpectrogram(0.3, 8000, 128, 80); // 65 x 31 dB, Hz rows, seconds columns
const tophat = (k: number): Figure =>
  compareStages(
    [
      { name: 'input', grid: S },
      { name: `top-hat ${k}×${k}`, grid: whiteTopHat(S, footprint.rect(k, k)) },
    ],
    { sharedScale: false },
  );
const fpFigure = (k: number): Figure => footprintFigure(footprint.rect(k, k));

/** Layout keys plotly.js merges element by element (Plots.layoutArrayContainers). */
const CONTAINERS = new Set(['annotations', 'shapes', 'images', 'selections', 'sliders', 'updatemenus']);

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** plotly.js's merge of a frame's layout into the current layout (extendDeepNoArrays + containers). */
function mergeLayout(into: Record<string, any>, frame: Record<string, any>, container = false): Record<string, any> {
  const out: Record<string, any> = { ...into };
  for (const [k, v] of Object.entries(frame)) {
    if (Array.isArray(v) && (container || CONTAINERS.has(k))) {
      const cur = Array.isArray(out[k]) ? [...out[k]] : [];
      v.forEach((el, i) => {
        cur[i] = el === null ? null : mergeLayout(isObject(cur[i]) ? cur[i] : {}, el);
      });
      out[k] = cur;
    } else if (isObject(v)) out[k] = mergeLayout(isObject(out[k]) ? out[k] : {}, v);
    else out[k] = v;
  }
  return out;
}

/** A layout part as plotly.js reads it: null values unset, hidden padding annotations dropped. */
function effective(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((el) => !(isObject(el) && el.visible === false)).map(effective);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => [k, effective(x)]),
  );
}

/** Step k's layout with the ranges it shows written in (a frame must set them: animations do not autorange). */
function shownLayout(fig: Figure): Record<string, any> {
  const l: Record<string, any> = JSON.parse(JSON.stringify(fig.layout));
  for (const [key, range] of Object.entries(shownRanges(fig))) l[key] = { ...l[key], range };
  return l;
}

const OWN = ['width', 'height', 'margin', 'sliders'];

/** From every step j, animating to every step k gives step k's layout (all but the slider's own keys). */
function assertFramesShowTheirStep(values: number[], build: (v: number) => Figure, label: string): void {
  const fig = sliderFigure(values, build);
  const steps = values.map(build);
  const frames = fig.frames ?? [];
  assert.equal(frames.length, values.length);
  for (let j = 0; j < steps.length; j++) {
    for (let k = 0; k < steps.length; k++) {
      const got = mergeLayout(mergeLayout(fig.layout, frames[j].layout ?? {}), frames[k].layout ?? {});
      const want = shownLayout(steps[k]);
      for (const key of Object.keys(want).filter((x) => !OWN.includes(x))) {
        const w = want[key];
        const g = got[key];
        // A range the frame did not set is plotly.js's autorange of step k's data when j = k.
        if (/^[xy]axis\d*$/.test(key) && !Array.isArray(g?.range)) {
          assert.deepEqual(shownRanges(steps[j])[key], w.range, `${label} ${j}->${k}: ${key} range left unset`);
          const { range: _, ...rest } = w;
          assert.deepEqual(effective(g), effective(rest), `${label} ${j}->${k}: ${key}`);
        } else assert.deepEqual(effective(g), effective(w), `${label} ${j}->${k}: ${key}`);
      }
    }
  }
}

test('sliderFigure over compareStages sharedScale=false: each frame sets its step colour axes, panel names and titles', () => {
  const fig = sliderFigure([1, 9], tophat);
  const k9 = tophat(9).layout.coloraxis2 as { cmin: number; cmax: number };
  const k1 = tophat(1).layout.coloraxis2 as { cmin: number; cmax: number };
  assert.notDeepEqual([k1.cmin, k1.cmax], [k9.cmin, k9.cmax], 'the two steps have different top-hat ranges');
  const frame = (fig.frames ?? [])[1].layout as Record<string, any>;
  assert.deepEqual([frame.coloraxis2.cmin, frame.coloraxis2.cmax], [k9.cmin, k9.cmax]);
  assertFramesShowTheirStep([1, 3, 9], tophat, 'compareStages');
});

test('sliderFigure over footprint sizes 3, 9, 5: frames set the axis ranges (±1.5 -> ±4.5, y reversed) and the title', () => {
  const fig = sliderFigure([3, 9, 5], fpFigure);
  const frame = (fig.frames ?? [])[1].layout as Record<string, any>;
  assert.deepEqual(frame.xaxis.range, [-4.5, 4.5]);
  assert.deepEqual(frame.yaxis.range, [4.5, -4.5]);
  assert.equal(frame.title.text, 'Footprint 9×9 (81 members)');
  // The figure is as large as the largest step's (plus the slider below).
  assert.equal(fig.layout.height, (fpFigure(9).layout.height as number) + 90);
  assertFramesShowTheirStep([3, 9, 5], fpFigure, 'footprint');
});

test('sliderFigure: annotations a step lacks are hidden by its frame and come back with the step that has them', () => {
  const g: Grid = { rows: 3, cols: 4, data: new Float32Array(12).map((_, i) => i) };
  const build = (k: number): Figure => {
    const f = heatmap(g, { title: `k=${k}` });
    if (k > 1)
      f.layout.annotations = [{ text: `note ${k}`, x: 0.5, y: 1, xref: 'paper', yref: 'paper', font: { size: 9 } }];
    else
      f.layout.annotations = [
        { text: 'a', x: 0, y: 0 },
        { text: 'b', x: 1, y: 1 },
      ];
    return f;
  };
  const fig = sliderFigure([1, 2], build);
  const ann = ((fig.frames ?? [])[1].layout as Record<string, any>).annotations;
  assert.equal(ann.length, 2);
  assert.equal(ann[1].visible, false);
  assertFramesShowTheirStep([1, 2, 3], build, 'annotations');
});

test('sliderFigure refuses a builder result that is not a figure, naming the step value', () => {
  assert.throws(
    () => sliderFigure([1], () => 5 as never),
    /^ParameterError: sliderFigure: build\(1\) returned 5; it must return a figure \{data, layout\}/,
  );
  assert.throws(
    () =>
      sliderFigure(['a', 'b'], (v) =>
        v === 'b' ? ({ data: [] } as never) : heatmap({ rows: 1, cols: 1, data: new Float32Array(1) }),
      ),
    /sliderFigure: build\("b"\) returned \{"data":\[\]\}/,
  );
  assert.throws(() => sliderFigure([2], () => null as never), /build\(2\) returned null/);
});

// ---- the real plotly.js ----

const missing = chromiumMissing();
let browser: Browser;
let page: Page;

before(async () => {
  if (missing) return;
  browser = await launchChromium();
  page = await openPlotlyPage(browser, { width: 1400, height: 1000 });
});

after(async () => {
  await browser?.close();
});

interface Shown {
  axes: Record<string, [number, number]>;
  colors: Record<string, [number, number]>;
  annotations: string[];
  title: string;
}

/** Plots `fig`, then animates through `path` (frame names); what is shown after each step. */
async function animate(fig: Figure, path: string[]): Promise<Shown[]> {
  return (await page.evaluate(
    async ([f, names]: [Figure, string[]]) => {
      document.body.innerHTML = '';
      const gd: any = document.createElement('div');
      document.body.appendChild(gd);
      const P = (window as any).Plotly;
      await P.newPlot(gd, f.data, f.layout, { ...f.config, responsive: false });
      if (f.frames) await P.addFrames(gd, f.frames);
      const snap = () => {
        const fl = gd._fullLayout;
        const axes: Record<string, unknown> = {};
        const colors: Record<string, unknown> = {};
        for (const k of Object.keys(fl)) {
          if (/^[xy]axis\d*$/.test(k)) axes[k] = fl[k].range.slice();
          if (/^coloraxis\d*$/.test(k)) colors[k] = [fl[k].cmin, fl[k].cmax];
        }
        const annotations = [...gd.querySelectorAll('.annotation-text')].map((e: Element) => e.textContent);
        return { axes, colors, annotations, title: gd.querySelector('.gtitle')?.textContent ?? '' };
      };
      const out = [snap()];
      for (const n of names) {
        await P.animate(gd, [n], {
          mode: 'immediate',
          frame: { duration: 0, redraw: true },
          transition: { duration: 0 },
        });
        out.push(snap());
      }
      return out;
    },
    [fig, path] as never,
  )) as Shown[];
}

function close(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-9 * Math.max(1, Math.abs(v)));
}

test('chromium: animating a compareStages slider and a footprint slider shows each step as its own figure does', {
  skip: missing ?? false,
}, async () => {
  for (const [label, values, build] of [
    ['compareStages', [1, 9, 3], tophat],
    ['footprint', [3, 9, 5], fpFigure],
  ] as const) {
    const fig = sliderFigure(values, build);
    const names = values.map(String);
    // 1 -> 9 -> 3 -> 1 (and the figures of the steps, each plotted alone)
    const path = [names[1], names[2], names[0]];
    const seen = await animate(fig, path);
    for (const [i, k] of [0, 1, 2, 0].entries()) {
      const [own] = await animate(build(values[k]), []);
      for (const [ax, range] of Object.entries(own.axes))
        assert.ok(close(seen[i].axes[ax], range), `${label} step ${values[k]} ${ax}: ${seen[i].axes[ax]} vs ${range}`);
      for (const [ca, range] of Object.entries(own.colors))
        assert.ok(
          close(seen[i].colors[ca], range),
          `${label} step ${values[k]} ${ca}: ${seen[i].colors[ca]} vs ${range}`,
        );
      assert.deepEqual(seen[i].annotations, own.annotations, `${label} step ${values[k]} annotations`);
      assert.equal(seen[i].title, own.title, `${label} step ${values[k]} title`);
    }
  }
});
