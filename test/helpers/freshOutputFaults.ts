// Child process of test/memory.test.ts: minor page faults of each of 100 erosions of a 257 x 6001
// grid into fresh outputs (the default call), printed as one JSON array. Its environment is the test's
// to choose (with or without the malloc pad of src/memory.ts).
import { createGrid, erode, footprint } from '../../src';

const rows = 257;
const cols = 6001;
const g = createGrid(
  rows,
  cols,
  Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 40 - 40),
);
const fp = footprint.rect(3, 3);
const faults: number[] = [];
let kept = 0;
const calls = 100;
for (let i = 0; i < calls; i++) {
  const before = process.resourceUsage().minorPageFault;
  kept += erode(g, fp).data[i];
  faults.push(process.resourceUsage().minorPageFault - before);
}
process.stdout.write(`${JSON.stringify({ faults, kept })}\n`);
