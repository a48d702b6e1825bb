// The PNG fallback's reading of Plotly label text (titles, axis titles, annotations, legend
// entries): only the tags plotly.js interprets are markup, anything else between < and > is text,
// and entities are decoded as plotly.js decodes them. Checked against strings plotly.js rendered in
// Chromium (skipped, naming what is missing, without it).
// biome-ignore-all lint/suspicious/noExplicitAny: page code reads untyped plotly.js internals
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { plotlyJs } from '../../src/notebook/bundle';
import { pngLegendBox, renderRaster } from '../../src/notebook/png';
import { decodeEntities, stripTags } from '../../src/notebook/png/text';
import type { Figure } from '../../src/notebook/types';
import { chromiumMissing, launchChromium } from '../helpers/jupyter';

/** Label text and the lines plotly.js 3 shows for it (read back from Chromium). */
const CASES: [string, string[]][] = [
  ['p<0.05 & q>1', ['p<0.05 & q>1']],
  ['p&lt;0.05 &amp; q&gt;1', ['p<0.05 & q>1']],
  ['<b>bold</b> and <i>it</i><br>2nd <sup>up</sup><sub>dn</sub>', ['bold and it', '2nd updn']],
  ['<span style="color:red">red</span> <em>em</em> <s>s</s> <u>u</u>', ['red em s u']],
  ['<a href="https://example.org">link</a>', ['link']],
  ['a<BR>b<br />c', ['a', 'b', 'c']],
  ['a<br/>b', ['a<br/>b']],
  ['&lt;b&gt;not bold&lt;/b&gt;', ['<b>not bold</b>']],
  ['x <y> z <unknown attr="1">w</unknown>', ['x <y> z <unknown attr="1">w</unknown>']],
  ['5 &times; 3 &plusmn; 1 &deg; &mu;s', ['5 × 3 ± 1 ° μs']],
  ['&#60;&#x3E; &#39;q&#39;', ["<> 'q'"]],
  ['&quot;kept&quot; &copy;', ['&quot;kept&quot; &copy;']],
  ['line\none', ['line one']],
  ['a < b', ['a < b']],
];

test('stripTags reads labels as plotly.js shows them: its tags are markup, other <...> is text, entities decoded', () => {
  for (const [s, lines] of CASES) assert.deepEqual(stripTags(s), lines, JSON.stringify(s));
  assert.equal(decodeEntities('&amp;lt;'), '&lt;', 'decoded once');
  assert.deepEqual(stripTags('&nbsp;x'), ['x']);
});

test('PNG legend entries read escaped names literally (the swatch text is as wide as the literal)', () => {
  const fig = (name: string): Figure => ({
    data: [
      { type: 'scatter', mode: 'lines', name, x: [0, 1], y: [0, 1] },
      { type: 'scatter', mode: 'lines', name: 'b', x: [0, 1], y: [1, 0] },
    ],
    layout: { legend: { orientation: 'h' } },
    config: {},
  });
  const escaped = pngLegendBox(fig('x&lt;y&gt;'));
  const literal = pngLegendBox(fig('x<y>'));
  assert.ok(escaped && literal);
  assert.equal(escaped.right, literal.right);
  assert.ok(renderRaster(fig('x&lt;y&gt;')).width > 0);
});

// ---- the real plotly.js ----

const missing = chromiumMissing();
let browser: Browser;

before(async () => {
  if (!missing) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

test('chromium: plotly.js draws every case as stripTags reads it', { skip: missing ?? false }, async () => {
  const page = await browser.newPage();
  await page.setContent('<!DOCTYPE html><html><body style="margin:0"></body></html>');
  await page.addScriptTag({ content: plotlyJs() });
  await page.addScriptTag({ content: 'window.__name = function (f) { return f; };' });
  const shown = (await page.evaluate(
    async (titles: string[]) => {
      const out: string[][] = [];
      for (const text of titles) {
        document.body.innerHTML = '';
        const gd: any = document.createElement('div');
        document.body.appendChild(gd);
        await (window as any).Plotly.newPlot(gd, [], { title: { text }, width: 600, height: 300 });
        const title = gd.querySelector('.gtitle') as Element;
        const lines = [...title.querySelectorAll('tspan.line')];
        const raw = lines.length > 0 ? lines.map((l) => l.textContent ?? '') : [title.textContent ?? ''];
        // zero-width spaces plotly.js puts around <sup>/<sub>; no-break spaces read as spaces
        out.push(
          raw
            .map((l) =>
              l
                .replace(/\u200b/g, '')
                .replace(/\u00a0/g, ' ')
                .trim(),
            )
            .filter((l) => l.length > 0),
        );
      }
      return out;
    },
    CASES.map(([s]) => s),
  )) as string[][];
  CASES.forEach(([s, lines], i) => {
    assert.deepEqual(shown[i], lines, `plotly.js: ${JSON.stringify(s)}`);
  });
  await page.close();
});
