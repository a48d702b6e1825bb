// The notebook sources (notebooks/src/*.ts, cells in jupytext's percent format) against the notebooks
// made from them by notebooks/make.py: the committed notebooks are up to date, drift and malformed
// sources are reported by file and line, and no cell relies on what tslab cannot compile. Fast: no
// kernel (test/notebooks/notebooks.test.ts executes them); `npm run typecheck` type-checks the sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { PYTHON, ROOT } from '../helpers/jupyter';

const NOTEBOOKS = join(ROOT, 'notebooks');
const SOURCES = readdirSync(join(NOTEBOOKS, 'src')).filter((f) => /^\d\d-.*\.ts$/.test(f)).sort();

const make = (dir: string, ...args: string[]) => spawnSync(PYTHON, [join(dir, 'make.py'), ...args], { encoding: 'utf8' });

/** A scratch copy of make.py with the one source `name` (and its notebook, when `withNotebook`). */
function scratch(name: string, withNotebook: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'specmorph-nbsrc-'));
  cpSync(join(NOTEBOOKS, 'make.py'), join(dir, 'make.py'));
  mkdirSync(join(dir, 'src'));
  cpSync(join(NOTEBOOKS, 'src', `${name}.ts`), join(dir, 'src', `${name}.ts`));
  if (withNotebook) cpSync(join(NOTEBOOKS, `${name}.ipynb`), join(dir, `${name}.ipynb`));
  return dir;
}

test('make.py --check: every committed notebook has the cells of its source, and every source a notebook', () => {
  assert.deepEqual(SOURCES.map((f) => f.replace(/\.ts$/, '.ipynb')), readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort());
  const r = make(NOTEBOOKS, '--check');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /notebooks match their sources/);
});

test('every notebook opens with the same setup cell (SPECMORPH_DATA and SPECMORPH_QUICK, which npm start and the kernel test set)', () => {
  // Each source repeats it so it type-checks and reads on its own; this keeps the five copies one text.
  const setups = SOURCES.map((f) => {
    const nb = JSON.parse(readFileSync(join(NOTEBOOKS, f.replace(/\.ts$/, '.ipynb')), 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
    const first = nb.cells.find((c) => c.cell_type === 'code')!;
    return Array.isArray(first.source) ? first.source.join('') : first.source;
  });
  assert.match(setups[0], /process\.env\.SPECMORPH_DATA[\s\S]*process\.env\.SPECMORPH_QUICK === '1'/);
  for (const [i, s] of setups.entries()) assert.equal(s, setups[0], `${SOURCES[i]}: its setup cell differs from ${SOURCES[0]}'s`);
});

test('make.py regenerates an unexecuted notebook byte for byte from its source (03-detect-deepfakes)', () => {
  const dir = scratch('03-detect-deepfakes', false);
  const r = make(dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, '03-detect-deepfakes.ipynb'), 'utf8'), readFileSync(join(NOTEBOOKS, '03-detect-deepfakes.ipynb'), 'utf8'));
});

test('make.py --check: an edited code cell of 05 not yet regenerated is named, exit 1', () => {
  const dir = scratch('05-learned-morphology', true);
  const src = join(dir, 'src', '05-learned-morphology.ts');
  writeFileSync(src, readFileSync(src, 'utf8').replace('const epochs = QUICK ? 2 : 6;', 'const epochs = QUICK ? 2 : 8;'));
  const r = make(dir, '--check');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /05-learned-morphology\.ipynb: cell 05-07 differs from \S*\/src\/05-learned-morphology\.ts; run python3 notebooks\/make\.py/);
});

test('make.py: a markdown line that is not a // comment is an error naming file and line; nothing is written', () => {
  const dir = scratch('04-ablation-report', false);
  const src = join(dir, 'src', '04-ablation-report.ts');
  writeFileSync(src, readFileSync(src, 'utf8').replace('// **Question.**', '**Question.**'));
  const r = make(dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /04-ablation-report\.ts:4: a markdown cell line must be '\/\/' or start with '\/\/ ', got '\*\*Question\.\*\* Does/);
  assert.equal(existsSync(join(dir, '04-ablation-report.ipynb')), false);
});

test('make.py: an unknown cell marker and text before the first marker are errors naming the line', () => {
  const dir = scratch('01-spectrograms', false);
  const src = join(dir, 'src', '01-spectrograms.ts');
  const text = readFileSync(src, 'utf8');
  writeFileSync(src, text.replace('// %%\nconst t =', '// %% [raw]\nconst t ='));
  let r = make(dir);
  assert.match(r.stderr, /01-spectrograms\.ts:\d+: unknown cell marker '\/\/ %% \[raw\]' \(use '\/\/ %%' or '\/\/ %% \[markdown\]'\)/);
  writeFileSync(src, `const stray = 1;\n\n${text}`);
  r = make(dir);
  assert.match(r.stderr, /01-spectrograms\.ts:1: text before the first '\/\/ %%' cell marker/);
  assert.equal(existsSync(join(dir, '01-spectrograms.ipynb')), false);
});

/**
 * `{ name }` object shorthands in a code cell whose `name` is declared at the top level of an earlier
 * cell, as `file:line name`. tslab rewrites a previous cell's names to `exports.name` and misses them
 * in a shorthand, so the cell fails in the kernel although tsc accepts it: write `{ name: name }`.
 */
function crossCellShorthands(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const markers = [...text.matchAll(/^\/\/ %%.*$/gm)].map((m) => m.index);
  const cellAt = (pos: number) => markers.filter((m) => m <= pos).length;
  const declaredIn = new Map<string, number>();
  const names = (n: ts.Node): string[] => (ts.isIdentifier(n) ? [n.text] : ts.isObjectBindingPattern(n) || ts.isArrayBindingPattern(n) ? n.elements.flatMap((e) => (ts.isBindingElement(e) ? names(e.name) : [])) : []);
  for (const s of sf.statements) {
    const declared = ts.isVariableStatement(s)
      ? s.declarationList.declarations.flatMap((d) => names(d.name))
      : ts.isImportDeclaration(s)
        ? [s.importClause?.name, s.importClause?.namedBindings && ts.isNamespaceImport(s.importClause.namedBindings) ? s.importClause.namedBindings.name : undefined].flatMap((n) => (n ? [n.text] : []))
        : (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name ? [s.name.text] : [];
    for (const n of declared) if (!declaredIn.has(n)) declaredIn.set(n, cellAt(s.getStart()));
  }
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(n)) {
      const cell = declaredIn.get(n.name.text);
      if (cell !== undefined && cell < cellAt(n.getStart())) found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${n.name.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('no notebook cell uses an object shorthand for a name from an earlier cell (tslab cannot compile it)', () => {
  const found = SOURCES.flatMap((f) => crossCellShorthands(`notebooks/src/${f}`, readFileSync(join(NOTEBOOKS, 'src', f), 'utf8')));
  assert.deepEqual(found, []);
});

test('the shorthand check flags `{ cacheDir }` of an earlier cell and passes a shorthand of the same cell', () => {
  const text = "// %%\nconst cacheDir = 'c';\nconst a = { cacheDir };\n\n// %% [markdown]\n// text\n\n// %%\nconst b = { cacheDir };\nconst c = { cacheDir: cacheDir };\n";
  assert.deepEqual(crossCellShorthands('x.ts', text), ['x.ts:9 cacheDir']);
});

/** `nb` as `npm start` leaves it: the plotly.js loader output in the first code cell, no cell numbers. */
function asExecuted(nb: { cells: { cell_type: string; execution_count?: number | null; outputs?: unknown[] }[] }): string {
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  code[0].outputs!.unshift({ output_type: 'display_data', metadata: {}, data: { 'text/html': ['<script>/* plotly.js embedded by specmorph */</script>'], 'text/plain': ['plotly.js'] } });
  for (const c of code) c.execution_count = null;
  return `${JSON.stringify(nb, null, 1)}\n`;
}

test('make.py --adopt: the executed 01-spectrograms becomes the committed notebook byte for byte (loader dropped, cells numbered)', () => {
  const dir = scratch('01-spectrograms', false);
  const reports = mkdtempSync(join(tmpdir(), 'specmorph-nbsrc-reports-'));
  const committed = readFileSync(join(NOTEBOOKS, '01-spectrograms.ipynb'), 'utf8');
  writeFileSync(join(reports, '01-spectrograms.ipynb'), asExecuted(JSON.parse(committed)));
  const r = make(dir, '--adopt', reports);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, '01-spectrograms.ipynb'), 'utf8'), committed);
});

test('make.py --adopt: a notebook executed from other cells than its source is refused and nothing is written', () => {
  const dir = scratch('02-morphology', false);
  const reports = mkdtempSync(join(tmpdir(), 'specmorph-nbsrc-reports-'));
  const nb = JSON.parse(readFileSync(join(NOTEBOOKS, '02-morphology.ipynb'), 'utf8'));
  nb.cells[4].source = ['const fps = {};\n'];
  writeFileSync(join(reports, '02-morphology.ipynb'), asExecuted(nb));
  const r = make(dir, '--adopt', reports);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /02-morphology\.ipynb: cell 02-04 differs from \S*\/src\/02-morphology\.ts; run python3 notebooks\/make\.py, then npm start again/);
  assert.equal(existsSync(join(dir, '02-morphology.ipynb')), false);
});
