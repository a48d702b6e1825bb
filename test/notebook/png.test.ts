import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { colorAt } from '../../src/notebook/colormap';
import { heatmap } from '../../src/notebook/heatmap';
import { compareStages } from '../../src/notebook/compare';
import { lineFigure } from '../../src/notebook/curves';
import { mimeBundle } from '../../src/notebook/bundle';
import { plotRect, renderPng, renderRaster } from '../../src/notebook/png';
import { Raster, COLOR_LEVELS } from '../../src/notebook/raster';
import { glyph } from '../../src/notebook/font';
import { synthSpectrogram } from './synth';
import { corpusExample } from '../helpers/figureCatalog';

function decode(buf: Buffer): PNG {
  return PNG.sync.read(buf);
}

function pixel(png: PNG, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * png.width + Math.round(x)) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}

function mapped(
  name: 'viridis' | 'magma' | 'greys' | 'diverging',
  v: number,
  lo: number,
  hi: number,
): [number, number, number] {
  const t = (v - lo) / (hi - lo);
  return colorAt(name, Math.round(t * (COLOR_LEVELS - 1)) / (COLOR_LEVELS - 1));
}

for (const colorScale of ['viridis', 'magma', 'greys', 'diverging'] as const) {
  test(`PNG heatmap rows=4 cols=6 ${colorScale}: decoded colour at each cell centre is the colour map of its value`, () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => (i * 7) % 24);
    const fig = heatmap({ rows: 4, cols: 6, data }, { colorScale, zmin: 0, zmax: 23 });
    const png = decode(renderPng(fig));
    assert.deepEqual([png.width, png.height], [760, 380]);
    const r = plotRect(fig);
    for (let row = 0; row < 4; row++) {
      for (let col = 0; col < 6; col++) {
        const x = r.x0 + ((col + 0.5) / 6) * (r.x1 - r.x0);
        const y = r.y1 - ((row + 0.5) / 4) * (r.y1 - r.y0); // row 0 at the bottom
        assert.deepEqual(pixel(png, x, y), mapped(colorScale, data[row * 6 + col], 0, 23), `cell (${row}, ${col})`);
      }
    }
    // Colour bar (18 px below the plot top, under its title): pixel row y shows the value at its
    // centre, zmax at the top edge and zmin at the bottom edge.
    const cbx = r.x1 + 20;
    const top = r.y0 + 18;
    for (const y of [top, Math.round((top + r.y1) / 2), r.y1 - 1]) {
      const v = 23 - ((y + 0.5 - top) / (r.y1 - top)) * 23;
      assert.deepEqual(pixel(png, cbx, y), mapped(colorScale, v, 0, 23), `colour bar row ${y}`);
    }
  });
}

test('PNG is 8-bit indexed when <= 256 colours and decodes to exactly the drawn canvas', () => {
  const fig = heatmap(synthSpectrogram(2));
  const buf = renderPng(fig);
  assert.equal(buf[25], 3, 'IHDR colour type 3 (indexed)');
  const png = decode(buf);
  const raster = renderRaster(fig);
  for (let i = 0, j = 0; i < raster.rgb.length; i += 3, j += 4) {
    if (png.data[j] !== raster.rgb[i] || png.data[j + 1] !== raster.rgb[i + 1] || png.data[j + 2] !== raster.rgb[i + 2])
      assert.fail(`pixel ${i / 3} differs`);
  }
});

test('Raster with more than 256 colours falls back to RGB PNG (pngjs) and round-trips', () => {
  const r = new Raster(32, 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 32; x++) r.set(x, y, [x * 8, y * 16, (x * y) % 256]);
  const buf = r.toPng();
  assert.equal(buf[25], 2, 'IHDR colour type 2 (RGB)');
  const png = decode(buf);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 32; x++) assert.deepEqual(pixel(png, x, y), r.get(x, y));
});

test('PNG text: the title is drawn with the bitmap font (glyph pixels where the font says)', () => {
  const fig = lineFigure([{ y: [1, 2, 3] }], { title: 'I' });
  const raster = renderRaster(fig);
  // 'I' at scale 2, centred: glyph rows of 'I' are ' ### ' then '  #  '; find the ink bounding box.
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  for (let y = 0; y < 40; y++)
    for (let x = 0; x < raster.width; x++)
      if (raster.get(x, y)[0] < 128) (minX = Math.min(minX, x)), (minY = Math.min(minY, y)), (maxX = Math.max(maxX, x));
  assert.equal(maxX - minX + 1, 3 * 2, 'I is 3 pixels wide at scale 2');
  const rows = glyph('I');
  for (let gy = 0; gy < 7; gy++) {
    for (let gx = 1; gx < 4; gx++) {
      const on = ((rows[gy] >> (4 - gx)) & 1) === 1;
      assert.equal(raster.get(minX + (gx - 1) * 2, minY + gy * 2)[0] < 128, on, `glyph pixel (${gx}, ${gy})`);
    }
  }
});

test('PNG compareStages 2 stages sharedScale=true: both subplots coloured from the shared scale', () => {
  const a = { rows: 2, cols: 2, data: new Float32Array([0, 0, 0, 0]) };
  const b = { rows: 2, cols: 2, data: new Float32Array([10, 10, 10, 10]) };
  const fig = compareStages(
    [
      { name: 'a', grid: a },
      { name: 'b', grid: b },
    ],
    { sharedScale: true },
  );
  const png = decode(renderPng(fig));
  const r = plotRect(fig);
  const midY = (r.y0 + r.y1) / 2;
  assert.deepEqual(pixel(png, r.x0 + (r.x1 - r.x0) * 0.2, midY), mapped('viridis', 0, 0, 10));
  assert.deepEqual(pixel(png, r.x0 + (r.x1 - r.x0) * 0.8, midY), mapped('viridis', 10, 0, 10));
});

test('PNG compareStages 2 plain grids sharedScale=auto: each panel on its own scale (constant grids at mid-scale)', () => {
  const a = { rows: 2, cols: 2, data: new Float32Array([0, 0, 0, 0]) };
  const b = { rows: 2, cols: 2, data: new Float32Array([10, 10, 10, 10]) };
  const fig = compareStages([
    { name: 'a', grid: a },
    { name: 'b', grid: b },
  ]);
  const png = decode(renderPng(fig));
  const r = plotRect(fig);
  const midY = (r.y0 + r.y1) / 2;
  assert.deepEqual(pixel(png, r.x0 + (r.x1 - r.x0) * 0.2, midY), mapped('viridis', 0, -0.5, 0.5));
  assert.deepEqual(pixel(png, r.x0 + (r.x1 - r.x0) * 0.7, midY), mapped('viridis', 10, 9.5, 10.5));
});

test('budget: every MIME part of the default heatmap of a 10 s 16 kHz clip (257x1001) totals <= 400 KB', (t) => {
  const s = synthSpectrogram(10);
  assert.deepEqual([s.rows, s.cols], [257, 1001]);
  const b = mimeBundle(s);
  const sizes = {
    plotly: Buffer.byteLength(JSON.stringify(b['application/vnd.plotly.v1+json'])),
    html: Buffer.byteLength(b['text/html']),
    png: Buffer.byteLength(b['image/png'] ?? ''),
    text: Buffer.byteLength(b['text/plain']),
  };
  const total = sizes.plotly + sizes.html + sizes.png + sizes.text;
  t.diagnostic(`MIME sizes (bytes as stored in the notebook): ${JSON.stringify(sizes)} total ${total}`);
  assert.ok(total <= 400 * 1024, `total ${total} bytes`);
  assert.doesNotMatch(b['text/html'], /window\.Plotly\s*=/, 'plotly.js is not inside the figure');
});

test('budget: a real 2 s corpus clip at full resolution (129x201, every cell sent) totals <= 400 KB', async (t) => {
  const { db } = await corpusExample();
  const b = mimeBundle(heatmap(db));
  assert.equal((b['application/vnd.plotly.v1+json']!.data[0].z as { shape: string }).shape, '129,201');
  const total = Object.values(b).reduce(
    (a, v) => a + Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v)),
    0,
  );
  t.diagnostic(`real clip bundle ${total} bytes`);
  assert.ok(total <= 400 * 1024, `total ${total} bytes`);
});
