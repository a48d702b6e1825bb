// The package's declared dependencies against what the code imports: a module src/ loads must be a
// runtime dependency (not a devDependency, absent from a user's install), and nothing may import the
// @tensorflow/tfjs umbrella, which is not installed (only tfjs-node brings it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<
  string,
  Record<string, string> | undefined
>;

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** Bare module specifiers of `import ... from 'x'`, `import 'x'`, `import('x')`, `require('x')` in `text`. */
function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s+|\bimport\s+|\bimport\(\s*|\brequire\(\s*)'([^'.][^']*)'/g;
  return [...text.matchAll(re)].map((m) => m[1]).filter((s) => !s.startsWith('node:'));
}

const packageOf = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

test('every package src/ imports is a dependency or optionalDependency of package.json', () => {
  const runtime = new Set(Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }));
  const missing = files('src', /\.ts$/).flatMap((f) =>
    specifiers(readFileSync(path.join(ROOT, f), 'utf8'))
      .filter((s) => !runtime.has(packageOf(s)))
      .map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(missing, []);
});

test('nothing imports the @tensorflow/tfjs umbrella (src, test, bench, scripts, notebook sources)', () => {
  const all = [
    ...files('src', /\.ts$/),
    ...files('test', /\.ts$/),
    ...files('bench', /\.ts$/),
    ...files('scripts', /\.ts$/),
    ...files('notebooks', /\.ts$/),
  ];
  const umbrella = all.filter((f) => specifiers(readFileSync(path.join(ROOT, f), 'utf8')).includes('@tensorflow/tfjs'));
  assert.deepEqual(umbrella, []);
  assert.equal(pkg.dependencies?.['@tensorflow/tfjs'], undefined);
});

test('src declares no local named exports, module or require (the CommonJS build would shadow its own)', () => {
  // tsc rewrites a use of a module-level export X to `exports.X`; a local `exports` turned
  // MAX_OPERANDS into undefined in dist/ only (the wasm kernels lost their reduce functions).
  const re = /\b(?:const|let|var|function)\s+(exports|module|require)\b|[(,]\s*(exports|module|require)\s*\??:/;
  const bad = files('src', /\.ts$/).filter((f) => re.test(readFileSync(path.join(ROOT, f), 'utf8')));
  assert.deepEqual(bad, []);
});
