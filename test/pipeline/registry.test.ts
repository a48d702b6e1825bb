import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { MORPHOLOGY_OPS, OP_NAMES, PIPELINE_OPS, stageKind } from '../../src/pipeline/ops';
import { resolvePipelineConfig, type StageConfig } from '../../src/pipeline/config';

const OPS_DIR = path.join(__dirname, '../../src/pipeline/ops');
const FIELD_BUILDERS = new Set([
  'posInt',
  'num',
  'optNum',
  'nullableNum',
  'oneOf',
  'bool',
  'withDefault',
  'optional',
  'required',
]);
const NEEDS = { footprint: { shape: 'rect', rows: 3, cols: 3 } };

/** A stage of `op` with nothing but its required fields. */
function minimal(op: string): Record<string, unknown> {
  return (MORPHOLOGY_OPS as readonly string[]).includes(op) ? { op, ...NEEDS } : { op };
}

/** The stage in a pipeline that admits it: audio before an stft, grid after one. */
function resolveAlone(stage: Record<string, unknown>): StageConfig {
  const kind = stageKind(String(stage.op));
  const stages = kind === 'audio' ? [stage, { op: 'stft' }] : kind === 'grid' ? [{ op: 'stft' }, stage] : [stage];
  return resolvePipelineConfig({ stages }).stages[kind === 'grid' ? 1 : 0];
}

test('registry order is audio, spectral, grid (the order of every "known ops" message)', () => {
  const kinds = OP_NAMES.map((op) => PIPELINE_OPS[op].kind);
  assert.deepEqual(
    kinds,
    [...kinds].sort((a, b) => ['audio', 'spectral', 'grid'].indexOf(a) - ['audio', 'spectral', 'grid'].indexOf(b)),
  );
  assert.throws(
    () => resolvePipelineConfig({ stages: [{ op: 'blur' }] }),
    new RegExp(`\\(known: ${OP_NAMES.join(', ')}\\)`),
  );
});

for (const op of OP_NAMES) {
  test(`op ${op}: resolving writes every default in schema order, and resolving again changes nothing`, () => {
    const once = resolveAlone(minimal(op));
    const { names } = PIPELINE_OPS[op].schema;
    assert.deepEqual(Object.keys(once), ['op', ...names.filter((k) => Object.hasOwn(once, k))]);
    assert.deepEqual(resolveAlone({ ...once }), once);
    const listed = `\\(parameters: ${names.join(', ') || 'none'}\\)`;
    assert.throws(
      () => resolveAlone({ ...minimal(op), notAField: 1 }),
      new RegExp(`\\.notAField is not a parameter of op "${op}" ${listed}`),
    );
  });
}

/**
 * The `@default` in a field's TSDoc (what tslab shows on Shift-Tab) must be the default its schema
 * writes: both sit on the same line of the registry source, and this keeps them from drifting apart.
 */
test('every registry field has TSDoc, and its @default states the default its schema writes', () => {
  let checked = 0;
  for (const file of fs.readdirSync(OPS_DIR).filter((f) => f.endsWith('.ts'))) {
    const src = ts.createSourceFile(
      file,
      fs.readFileSync(path.join(OPS_DIR, file), 'utf8'),
      ts.ScriptTarget.ES2022,
      true,
    );
    const visit = (node: ts.Node): void => {
      const decl = ts.isPropertyAssignment(node) || ts.isVariableDeclaration(node) ? node : undefined;
      const init = decl?.initializer;
      if (
        decl &&
        init &&
        ts.isCallExpression(init) &&
        ts.isIdentifier(init.expression) &&
        FIELD_BUILDERS.has(init.expression.text)
      ) {
        const name = decl.name.getText(src);
        const host = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
        const docs = ts.getJSDocCommentsAndTags(host);
        assert.ok(docs.length > 0, `${file}: field ${name} has no TSDoc`);
        const tag = ts.getJSDocTags(host).find((t) => t.tagName.text === 'default');
        const arg = init.arguments[0];
        const builder = init.expression.text;
        if (builder !== 'optNum' && builder !== 'optional' && builder !== 'required') {
          assert.ok(tag, `${file}: field ${name} has no @default`);
          if (arg && !ts.isIdentifier(arg)) {
            const stated = ts.getTextOfJSDocComment(tag.comment)?.trim().split(/\s+/)[0];
            assert.equal(
              stated,
              arg.getText(src),
              `${file}: field ${name}: @default ${stated} but the schema writes ${arg.getText(src)}`,
            );
            checked++;
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  assert.ok(checked >= 30, `only ${checked} defaults found: has the registry moved?`);
});
