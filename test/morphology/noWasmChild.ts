// Run by hybrid.test.ts under `node --jitless` (no WebAssembly): reconstructs the skimage fixtures
// through the public API and prints how many values differ, as one JSON line.
import { footprint, reconstructionByDilation, reconstructionByErosion } from '../../src/morphology';
import { f32, reference } from './fixtures';

let mismatches = 0;
let values = 0;
for (const c of reference().reconstruction) {
  const grid = (data: (number | string)[]) => ({ rows: c.rows, cols: c.cols, data: f32(data) });
  const connectivity = typeof c.connectivity === 'number' ? c.connectivity : footprint.fromMask(c.connectivity);
  const d = reconstructionByDilation(grid(c.seedDilation), grid(c.mask), { connectivity }).data;
  const e = reconstructionByErosion(grid(c.seedErosion), grid(c.mask), { connectivity }).data;
  const [rd, re] = [f32(c.dilation), f32(c.erosion)];
  for (let i = 0; i < d.length; i++) {
    values += 2;
    if (!Object.is(d[i], rd[i])) mismatches++;
    if (!Object.is(e[i], re[i])) mismatches++;
  }
}
console.log(
  JSON.stringify({ webAssembly: typeof (globalThis as { WebAssembly?: unknown }).WebAssembly, values, mismatches }),
);
