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

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: unknown[];
}

const NOTEBOOKS = join(ROOT, 'notebooks');
const SOURCES = readdirSync(join(NOTEBOOKS, 'src'))
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort();
const ipynbOf = (source: string) => source.replace(/\.ts$/, '.ipynb');
const readNotebook = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { cells: Cell[] };
const textOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source);

const make = (dir: string, ...args: string[]) =>
  spawnSync(PYTHON, [join(dir, 'make.py'), ...args], { encoding: 'utf8' });

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
  assert.deepEqual(
    SOURCES.map(ipynbOf),
    readdirSync(NOTEBOOKS)
      .filter((f) => f.endsWith('.ipynb'))
      .sort(),
  );
  const r = make(NOTEBOOKS, '--check');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /notebooks match their sources/);
});

test('every notebook opens with the same setup cell (SPECMORPH_DATA, SPECMORPH_QUICK set by npm start, CI)', () => {
  // Each source repeats it so it type-checks and reads on its own; this keeps the five copies one text.
  const firstCode = (f: string) => readNotebook(join(NOTEBOOKS, ipynbOf(f))).cells.find((c) => c.cell_type === 'code')!;
  const setups = SOURCES.map((f) => textOf(firstCode(f)));
  assert.match(setups[0], /process\.env\.SPECMORPH_DATA[\s\S]*process\.env\.SPECMORPH_QUICK === '1'/);
  for (const [i, s] of setups.entries())
    assert.equal(s, setups[0], `${SOURCES[i]}: setup cell differs from ${SOURCES[0]}'s`);
});

test('make.py regenerates an unexecuted notebook byte for byte from its source (03-detect-deepfakes)', () => {
  const dir = scratch('03-detect-deepfakes', false);
  const r = make(dir);
  assert.equal(r.status, 0, r.stderr);
  const committed = readFileSync(join(NOTEBOOKS, '03-detect-deepfakes.ipynb'), 'utf8');
  assert.equal(readFileSync(join(dir, '03-detect-deepfakes.ipynb'), 'utf8'), committed);
});

test('make.py --check: an edited code cell of 05 not yet regenerated is named, exit 1', () => {
  const dir = scratch('05-learned-morphology', true);
  const src = join(dir, 'src', '05-learned-morphology.ts');
  writeFileSync(
    src,
    readFileSync(src, 'utf8').replace('const epochs = QUICK ? 2 : 6;', 'const epochs = QUICK ? 2 : 8;'),
  );
  const r = make(dir, '--check');
  assert.equal(r.status, 1);
  assert.match(
    r.stdout,
    /05-learned-morphology\.ipynb: cell 05-07 differs from \S*\/src\/05-learned-morphology\.ts; run python3/,
  );
});

test('make.py: a markdown line that is not a // comment is an error naming file and line; nothing is written', () => {
  const dir = scratch('04-ablation-report', false);
  const src = join(dir, 'src', '04-ablation-report.ts');
  writeFileSync(src, readFileSync(src, 'utf8').replace('// **Question.**', '**Question.**'));
  const r = make(dir);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /04-ablation-report\.ts:4: a markdown cell line must be '\/\/' or start with '\/\/ ', got '\*\*Question/,
  );
  assert.equal(existsSync(join(dir, '04-ablation-report.ipynb')), false);
});

test('make.py: an unknown cell marker and text before the first marker are errors naming the line', () => {
  const dir = scratch('01-spectrograms', false);
  const src = join(dir, 'src', '01-spectrograms.ts');
  const text = readFileSync(src, 'utf8');
  const markerLine = text.slice(0, text.indexOf('// %%\nconst t =')).split('\n').length;
  writeFileSync(src, text.replace('// %%\nconst t =', '// %% [raw]\nconst t ='));
  let r = make(dir);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    new RegExp(`01-spectrograms\\.ts:${markerLine}: unknown cell marker '// %% \\[raw\\]' \\(use '// %%' or`),
  );
  writeFileSync(src, `const stray = 1;\n\n${text}`);
  r = make(dir);
  assert.match(r.stderr, /01-spectrograms\.ts:1: text before the first '\/\/ %%' cell marker/);
  assert.equal(existsSync(join(dir, '01-spectrograms.ipynb')), false);
});

/** Top-level names a statement declares (variables, destructured names, imports, functions, classes). */
function declaredBy(s: ts.Statement): string[] {
  const names = (n: ts.BindingName): string[] =>
    ts.isIdentifier(n) ? [n.text] : n.elements.flatMap((e) => (ts.isBindingElement(e) ? names(e.name) : []));
  if (ts.isVariableStatement(s)) return s.declarationList.declarations.flatMap((d) => names(d.name));
  if (ts.isImportDeclaration(s)) {
    const bindings = s.importClause?.namedBindings;
    const star = bindings && ts.isNamespaceImport(bindings) ? bindings.name : undefined;
    const named = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => e.name) : [];
    return [s.importClause?.name, star, ...named].flatMap((n) => (n ? [n.text] : []));
  }
  return (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name ? [s.name.text] : [];
}

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
  for (const s of sf.statements) {
    for (const n of declaredBy(s)) if (!declaredIn.has(n)) declaredIn.set(n, cellAt(s.getStart()));
  }
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(n) && (declaredIn.get(n.name.text) ?? Infinity) < cellAt(n.getStart())) {
      found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${n.name.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

test('no notebook cell uses an object shorthand for a name from an earlier cell (tslab cannot compile it)', () => {
  const read = (f: string) => readFileSync(join(NOTEBOOKS, 'src', f), 'utf8');
  const found = SOURCES.flatMap((f) => crossCellShorthands(`notebooks/src/${f}`, read(f)));
  assert.deepEqual(found, []);
});

test('the shorthand check flags `{ cacheDir }`, `{ sm }` of an earlier cell, not one of the same cell', () => {
  const text = [
    '// %%',
    "import * as sm from 'specmorph';",
    "const cacheDir = 'c';",
    'const a = { cacheDir, sm };',
    '',
    '// %% [markdown]',
    '// text',
    '',
    '// %%',
    'const b = { cacheDir, sm };',
    'const c = { cacheDir: cacheDir };',
    '',
  ].join('\n');
  assert.deepEqual(crossCellShorthands('x.ts', text), ['x.ts:10 cacheDir', 'x.ts:10 sm']);
});

/** `nb` as `npm start` leaves it: the plotly.js loader output in the first code cell, no cell numbers. */
function asExecuted(nb: { cells: Cell[] }): string {
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  const loader = {
    'text/html': ['<script>/* plotly.js embedded by specmorph */</script>'],
    'text/plain': ['plotly.js'],
  };
  code[0].outputs!.unshift({ output_type: 'display_data', metadata: {}, data: loader });
  for (const c of code) c.execution_count = null;
  return `${JSON.stringify(nb, null, 1)}\n`;
}

test('make.py --adopt: the executed 01-spectrograms becomes the committed notebook byte for byte', () => {
  const dir = scratch('01-spectrograms', false);
  const reports = mkdtempSync(join(tmpdir(), 'specmorph-nbsrc-reports-'));
  const committed = readFileSync(join(NOTEBOOKS, '01-spectrograms.ipynb'), 'utf8');
  writeFileSync(join(reports, '01-spectrograms.ipynb'), asExecuted(JSON.parse(committed)));
  const r = make(dir, '--adopt', reports);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, '01-spectrograms.ipynb'), 'utf8'), committed, 'loader dropped, cells numbered');
});

test('make.py --adopt: a notebook executed from other cells than its source is refused and nothing is written', () => {
  const dir = scratch('02-morphology', false);
  const reports = mkdtempSync(join(tmpdir(), 'specmorph-nbsrc-reports-'));
  const nb = readNotebook(join(NOTEBOOKS, '02-morphology.ipynb'));
  nb.cells[4].source = ['const fps = {};\n'];
  writeFileSync(join(reports, '02-morphology.ipynb'), asExecuted(nb));
  const r = make(dir, '--adopt', reports);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /02-morphology\.ipynb: cell 02-04 differs from \S*\/src\/02-morphology\.ts; run python3 .*, then npm start/,
  );
  assert.equal(existsSync(join(dir, '02-morphology.ipynb')), false);
});
