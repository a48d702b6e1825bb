import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plotRect, renderRaster } from '../../src/notebook/png';
import type { Figure } from '../../src/notebook/types';

test('PNG layout showlegend=true with no named trace: the plot keeps its width and the line is drawn', () => {
  const fig: Figure = {
    data: [{ type: 'scatter', mode: 'lines', x: [0, 1], y: [0, 1], line: { color: '#ff0000' } }],
    layout: { showlegend: true },
    config: {},
  };
  const r = plotRect(fig);
  assert.deepEqual(r, { x0: 70, y0: 48, x1: 760 - 20, y1: 380 - 50 });
  const img = renderRaster(fig);
  let red = 0;
  for (let i = 0; i < img.rgb.length; i += 3)
    if (img.rgb[i] === 255 && img.rgb[i + 1] === 0 && img.rgb[i + 2] === 0) red++;
  assert.ok(red > 500, `${red} red pixels: the diagonal line across the plot`);
});
