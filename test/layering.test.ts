// The import rules of docs/architecture.md, enforced: the table "Folders and what they may import"
// is read from the doc itself, so the documented layering and the code cannot drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const DOC = 'docs/architecture.md';
const HEADING = '## Folders and what they may import';

/** One row of the table: an entry of src/ (`audio/` or `errors.ts`) and what it may import. */
interface Rule {
  entry: string;
  layers: Set<string>;
  packages: Set<string>;
}

/** Backticked names in a table cell (`—` and prose in between are ignored). */
const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The rules table under {@link HEADING}, in row order. */
function readRules(markdown: string): Rule[] {
  const lines = markdown.split('\n');
  const at = lines.indexOf(HEADING);
  assert.ok(at >= 0, `${DOC}: no "${HEADING}" heading`);
  const start = lines.findIndex((l, i) => i > at && l.startsWith('|'));
  const rows: string[] = [];
  for (let i = start; i >= 0 && i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i]);
  // Skip the header and the --- separator.
  return rows.slice(2).map((row) => {
    const cells = row
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    assert.equal(cells.length, 4, `${DOC}: row "${row}" must have 4 cells (entry, role, may import, npm)`);
    const [entry] = ticked(cells[0]);
    assert.ok(entry, `${DOC}: row "${row}" names no entry of src/ in backticks`);
    return { entry, layers: new Set(ticked(cells[2])), packages: new Set(ticked(cells[3])) };
  });
}

/** Entry of src/ a path inside src/ belongs to: its top folder (`model/`) or the top-level file. */
function entryOf(relToSrc: string): string {
  const parts = relToSrc.split(path.sep);
  return parts.length > 1 ? `${parts[0]}/` : parts[0];
}

/** Module specifiers a file loads: static and dynamic imports, re-exports, require and require.resolve. */
function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const re = /(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*|\brequire\.resolve\(\s*)'([^']+)'/g;
  return [...code.matchAll(re)].map((m) => m[1]);
}

const packageOf = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(packageOf(spec));

/** The entry a resolved import target (relative to src/, no extension) belongs to. */
function targetEntry(target: string): string {
  if (target.includes(path.sep)) return entryOf(target);
  // A top-level target is a folder (its index.ts) or a file named without its extension.
  const folder = statSync(path.join(SRC, target), { throwIfNoEntry: false })?.isDirectory();
  return folder ? `${target}/` : `${target.replace(/\.ts$/, '')}.ts`;
}

const unlisted = (from: string): string => `which the ${from} row of ${DOC} does not list`;

/** Every import of `files` (paths relative to src/ with their text) that `rules` do not allow. */
function violations(rules: readonly Rule[], files: readonly { rel: string; text: string }[]): string[] {
  const byEntry = new Map(rules.map((r) => [r.entry, r]));
  const found: string[] = [];
  for (const { rel, text } of files) {
    const from = entryOf(rel);
    const rule = byEntry.get(from);
    if (!rule) {
      found.push(`src/${rel}: ${from} has no row in ${DOC}`);
      continue;
    }
    for (const spec of specifiers(text)) {
      if (spec.startsWith('.')) {
        const target = path.relative(SRC, path.resolve(SRC, path.dirname(rel), spec));
        if (target.startsWith('..')) {
          found.push(`src/${rel} imports '${spec}', outside src/`);
          continue;
        }
        const to = targetEntry(target);
        if (to !== from && !rule.layers.has(to)) found.push(`src/${rel} imports '${spec}' (${to}), ${unlisted(from)}`);
      } else if (!isBuiltin(spec) && !rule.packages.has(packageOf(spec))) {
        found.push(`src/${rel} imports the package '${packageOf(spec)}', ${unlisted(from)}`);
      }
    }
  }
  return found;
}

/** A cycle among the rules' "may import" edges, as `a -> b -> a`, or null when they form one order. */
function cycle(rules: readonly Rule[]): string | null {
  const edges = new Map(rules.map((r) => [r.entry, [...r.layers]]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n].join(' -> ');
    state.set(n, 'open');
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const r of rules) {
    const c = visit(r.entry);
    if (c) return c;
  }
  return null;
}

const rules = readRules(readFileSync(path.join(ROOT, DOC), 'utf8'));
const sources = readdirSync(SRC, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts'))
  .map((e) => {
    const full = path.join(e.parentPath, e.name);
    return { rel: path.relative(SRC, full), text: readFileSync(full, 'utf8') };
  });

test(`${DOC}: every entry of src/ has exactly one row, and every row is an entry of src/`, () => {
  const entries = new Set(
    readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.name.endsWith('.ts'))
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name)),
  );
  const listed = rules.map((r) => r.entry);
  assert.deepEqual([...listed].sort(), [...new Set(listed)].sort(), 'an entry has two rows');
  assert.deepEqual([...listed].sort(), [...entries].sort());
});

test(`${DOC}: every "may import" names a row, and the rows form one order (no cycles)`, () => {
  const known = new Set(rules.map((r) => r.entry));
  const unknown = rules.flatMap((r) => [...r.layers].filter((l) => !known.has(l)).map((l) => `${r.entry} lists ${l}`));
  assert.deepEqual(unknown, []);
  assert.equal(cycle(rules), null);
});

test(`every import in src/ follows the table of ${DOC}`, () => {
  assert.ok(sources.length > 50, `read ${sources.length} source files`);
  assert.deepEqual(violations(rules, sources), []);
});

test('the checker reports an upward import, an unlisted package, a missing row and a cycle', () => {
  const fake = [
    {
      rel: path.join('morphology', 'erode.ts'),
      text: ["import { train } from '../model/train';", "import type { X } from '../grid/grid';"].join('\n'),
    },
    {
      rel: path.join('grid', 'png.ts'),
      text: ["import { PNG } from 'pngjs';", "import * as fs from 'node:fs';", "import F from 'fft.js';"].join('\n'),
    },
    { rel: path.join('newstage', 'x.ts'), text: '' },
  ];
  assert.deepEqual(violations(rules, fake), [
    `src/${fake[0].rel} imports '../model/train' (model/), which the morphology/ row of ${DOC} does not list`,
    `src/${fake[1].rel} imports the package 'fft.js', which the grid/ row of ${DOC} does not list`,
    `src/${fake[2].rel}: newstage/ has no row in ${DOC}`,
  ]);
  const looped = rules.map((r) => (r.entry === 'errors.ts' ? { ...r, layers: new Set(['cli/']) } : r));
  assert.match(cycle(looped) ?? '', /errors\.ts -> cli\/ -> .*errors\.ts/);
});
