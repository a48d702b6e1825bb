import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderRaster } from '../../src/notebook/png';
import type { Figure } from '../../src/notebook/types';
import { PNG_FIXTURES, pixelPin } from '../fixtures/gen_png_pins';

// Frozen figures (one of each trace type and layout feature) and the SHA-256 of the pixels the
// renderer drew for them when test/fixtures/gen_png_pins.ts was run: any change to the drawing shows
// here, by figure name. Regenerate only after looking at the new pictures.
const figures = JSON.parse(readFileSync(join(PNG_FIXTURES, 'figures.json'), 'utf8')) as Record<string, Figure>;
const pins = JSON.parse(readFileSync(join(PNG_FIXTURES, 'pins.json'), 'utf8')) as Record<string, string>;

test('PNG pins: every frozen figure has a pin and every pin a figure', () => {
  assert.deepEqual(Object.keys(figures).sort(), Object.keys(pins).sort());
  const types = new Set(Object.values(figures).flatMap((f) => f.data.map((t) => t.type)));
  assert.deepEqual([...types].sort(), ['heatmap', 'scatter', 'scattergl', 'table']);
});

for (const [name, fig] of Object.entries(figures)) {
  test(`PNG pins: ${name} (${[...new Set(fig.data.map((t) => t.type))].join(', ')}) draws the pinned pixels`, () => {
    const r = renderRaster(fig);
    assert.equal(
      pixelPin(r.rgb, r.width, r.height),
      pins[name],
      `${name}: the picture changed (${r.width}x${r.height})`,
    );
  });
}
