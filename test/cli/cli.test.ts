import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdtempSync,
  mkdirSync,
  rmSync,
  writeFileSync,
  readFileSync,
  existsSync,
  readdirSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeWav, sine, whiteNoise } from '../../src/audio';
import { computeEer, formatScores, parseScores } from '../../src/metrics';
import { runCli } from '../helpers/cli';

const repo = path.join(__dirname, '..', '..');
let root = '';
let data = '';
let cfg = '';

const run = (args: string[]) => runCli(args, path.join(root, 'cache'));

function wav(file: string, x: Float32Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodeWav({ sampleRate: 16000, channels: [x] }));
}

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'specmorph-cli-'));
  data = path.join(root, 'data');
  // Tone-vs-noise synthetic classes, 0.25 s each: bona fide = tones, spoof = noise from two "attack systems".
  for (let i = 0; i < 8; i++) {
    wav(
      path.join(data, 'bonafide', `b${i}.wav`),
      sine(220 + 70 * i, { sampleRate: 16000, duration: 0.25, amplitude: 0.5 }),
    );
    wav(
      path.join(data, 'spoof', i % 2 ? 'A01' : 'A02', `s${i}.wav`),
      whiteNoise({ sampleRate: 16000, duration: 0.25, amplitude: 0.3, seed: i }),
    );
  }
  cfg = path.join(root, 'cfg.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      stages: [
        { op: 'mono' },
        { op: 'crop', seconds: 0.25 },
        { op: 'stft', nFft: 256, hopLength: 128, winLength: 256 },
        { op: 'db' },
        { op: 'opening', footprint: { shape: 'rect', rows: 3, cols: 1 } },
        { op: 'resize', rows: 24, cols: 24 },
        { op: 'normalise' },
      ],
    }),
  );
});

after(() => rmSync(root, { recursive: true, force: true }));

test('specmorph train then evaluate (--data and --protocol) on a synthetic tone-vs-noise set', async () => {
  const model = path.join(root, 'model');
  const t = await run([
    'train',
    '--data',
    data,
    '--out',
    model,
    '--config',
    cfg,
    '--epochs',
    '2',
    '--seed',
    '3',
    '--workers',
    '0',
    '--json',
  ]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, /^backend (wasm|cpu|tensorflow)/m);
  assert.match(t.stderr, /epoch 2\/2 loss/);
  assert.match(t.stderr, /features 16\/16 \(100%\)/);
  const tj = JSON.parse(t.stdout.trim().split('\n').pop()!);
  assert.equal(tj.n, 16);
  assert.equal(tj.epochs, 2);
  assert.deepEqual(readdirSync(model).sort(), [
    'labels.json',
    'metadata.json',
    'model.json',
    'pipeline.json',
    'weights.bin',
  ]);
  assert.deepEqual(
    readdirSync(root).filter((f) => f.startsWith('.')),
    [],
  );

  const scores = path.join(root, 'scores.txt');
  const proto = path.join(root, 'protocol.txt');
  const flat = path.join(root, 'flat');
  mkdirSync(flat);
  const lines: string[] = [];
  for (let i = 0; i < 8; i++) {
    copyFileSync(path.join(data, 'bonafide', `b${i}.wav`), path.join(flat, `LA_B_${i}.wav`));
    copyFileSync(path.join(data, 'spoof', i % 2 ? 'A01' : 'A02', `s${i}.wav`), path.join(flat, `LA_S_${i}.wav`));
    lines.push(`LA_00${i % 3} LA_B_${i} - - bonafide`, `LA_00${i % 3} LA_S_${i} - ${i % 2 ? 'A01' : 'A02'} spoof`);
  }
  writeFileSync(proto, `${lines.join('\n')}\n`);
  // Every clip was used to train or validate the model: evaluate refuses, then scores them when told, and says how many.
  const refused = await run(['evaluate', '--model', model, '--data', data, '--scores', scores]);
  assert.notEqual(refused.code, 0);
  assert.match(
    refused.stderr,
    /evaluate: 16 of 16 clips \(e\.g\. .*\) were used to train or validate .*--allow-overlap/,
  );
  assert.ok(!existsSync(scores), 'nothing written when refused');
  const [e, p] = await Promise.all([
    run(['evaluate', '--model', model, '--data', data, '--scores', scores, '--json', '--allow-overlap']),
    run([
      'evaluate',
      '--model',
      model,
      '--protocol',
      proto,
      '--audio',
      flat,
      '--json',
      '--no-cache',
      '--allow-overlap',
    ]),
  ]);
  assert.match(e.stderr, /warning: 16 of 16 clips were used to train or validate this model/);
  assert.equal(e.code, 0, e.stderr);
  const ej = JSON.parse(e.stdout.trim().split('\n').pop()!);
  for (const k of ['n', 'eer', 'auc', 'accuracy', 'minDcf', 'perAttack', 'backend']) assert.ok(k in ej, k);
  assert.equal(ej.n, 16);
  assert.equal(ej.trainingOverlap, 16);
  const rows = parseScores(readFileSync(scores, 'utf8'));
  assert.equal(rows.length, 16);
  assert.deepEqual(
    rows
      .filter((r) => r.key === 'spoof')
      .map((r) => r.attackId)
      .sort(),
    ['A01', 'A01', 'A01', 'A01', 'A02', 'A02', 'A02', 'A02'],
  );
  const bona = rows.filter((r) => r.key === 'bonafide').map((r) => r.score);
  const spoof = rows.filter((r) => r.key === 'spoof').map((r) => r.score);
  assert.equal(ej.eer, computeEer(bona, spoof).eer);
  assert.deepEqual(
    ej.perAttack.map((a: { attackId: string }) => a.attackId),
    ['A01', 'A02'],
  );
  // --compare: B = the same scores with the A01 spoofs pushed far below every bona fide score.
  // Checked against the model's own rows; a file that lacks a clip is refused before any scoring.
  const better = path.join(root, 'better.txt');
  writeFileSync(better, formatScores(rows.map((r) => (r.attackId === 'A01' ? { ...r, score: -1e6 } : r))));
  const c = await run(['evaluate', '--model', model, '--data', data, '--compare', better, '--json', '--allow-overlap']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /this model \(A\) against better\.txt \(B\), the same clips/);
  const cj = JSON.parse(c.stdout.trim().split('\n').pop()!);
  assert.ok(cj.eerInterval.low <= cj.eer && cj.eer <= cj.eerInterval.high, JSON.stringify(cj.eerInterval));
  const byAttack = Object.fromEntries(
    cj.comparison.rows.map((r: { attackId: string; eerA: number; eerB: number }) => [r.attackId, r]),
  );
  assert.deepEqual(Object.keys(byAttack), ['pooled', 'A01', 'A02']);
  assert.equal(byAttack.A01.eerA, ej.perAttack[0].eer);
  assert.equal(byAttack.A01.eerB, 0);
  assert.equal(byAttack.A02.difference, 0, 'A02 scored alike');
  const partial = path.join(root, 'partial.txt');
  writeFileSync(partial, formatScores(rows.slice(1)));
  const bad = await run(['evaluate', '--model', model, '--data', data, '--compare', partial, '--allow-overlap']);
  assert.notEqual(bad.code, 0);
  assert.match(
    bad.stderr,
    new RegExp(`evaluate: --compare: utterance "${rows[0].uttId}" is in the clips of .* but not in .*partial\\.txt`),
  );
  assert.equal(p.code, 0, p.stderr);
  const pj = JSON.parse(p.stdout.trim().split('\n').pop()!);
  assert.equal(pj.n, 16);
  // Same audio, same model: the protocol route gives the same pooled metrics.
  assert.equal(pj.eer, ej.eer);
  assert.equal(pj.auc, ej.auc);

  const other = path.join(root, 'other.json');
  writeFileSync(other, JSON.stringify({ stages: [{ op: 'stft' }] }));
  const m = await run(['evaluate', '--model', model, '--data', data, '--config', other, '--allow-overlap']);
  assert.notEqual(m.code, 0);
  assert.match(m.stderr, /other\.json: pipeline fingerprint [0-9a-f]{12} differs from the model's/);
  assert.equal(m.stderr.trim().split('\n').length, 1);
});

test('train --split honours meta.csv (train rows by default), evaluate --split test scores only held-out clips', async () => {
  const corpus = path.join(root, 'corpus');
  const rowsCsv = ['path,split'];
  for (let i = 0; i < 8; i++) {
    const split = i < 5 ? 'train' : 'test';
    wav(
      path.join(corpus, 'bonafide', `b${i}.wav`),
      sine(200 + 60 * i, { sampleRate: 16000, duration: 0.25, amplitude: 0.5 }),
    );
    wav(
      path.join(corpus, 'spoof', 'A01', `s${i}.wav`),
      whiteNoise({ sampleRate: 16000, duration: 0.25, amplitude: 0.3, seed: 40 + i }),
    );
    rowsCsv.push(`bonafide/b${i}.wav,${split}`, `spoof/A01/s${i}.wav,${split}`);
  }
  writeFileSync(path.join(corpus, 'meta.csv'), `${rowsCsv.join('\n')}\n`);
  const model = path.join(root, 'split-model');
  const t = await run([
    'train',
    '--data',
    corpus,
    '--out',
    model,
    '--config',
    cfg,
    '--epochs',
    '1',
    '--workers',
    '0',
    '--json',
  ]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(
    t.stderr,
    /split: 10 of 16 clips \(meta\.csv split "train", the default for train; --split all uses every clip\)/,
  );
  assert.equal(JSON.parse(t.stdout.trim().split('\n').pop()!).n, 10);
  const e = await run(['evaluate', '--model', model, '--data', corpus, '--split', 'test', '--json']);
  assert.equal(e.code, 0, e.stderr);
  const ej = JSON.parse(e.stdout.trim().split('\n').pop()!);
  assert.equal(ej.n, 6);
  assert.equal(ej.trainingOverlap, 0);
  const all = await run(['evaluate', '--model', model, '--data', corpus]);
  assert.notEqual(all.code, 0);
  assert.match(all.stderr, /10 of 16 clips .* were used to train or validate/);
  const none = await run(['evaluate', '--model', model, '--data', corpus, '--split', 'dev']);
  assert.match(none.stderr, /--split="dev" selects no clips of .* \(meta\.csv splits: test, train\)/);

  // A model trained on crops narrower than the clips (and with excitation rows) scores whole clips.
  const cropCfg = path.join(root, 'crop-cfg.json');
  writeFileSync(
    cropCfg,
    JSON.stringify({
      stages: [
        { op: 'mono' },
        { op: 'resample', sampleRate: 16000 },
        { op: 'stft', nFft: 256, hopLength: 160, winLength: 256 },
        { op: 'db' },
      ],
      excitation: {},
    }),
  );
  const cropModel = path.join(root, 'crop-model');
  const c = await run([
    'train',
    '--data',
    corpus,
    '--out',
    cropModel,
    '--config',
    cropCfg,
    '--epochs',
    '1',
    '--crop-seconds',
    '0.1',
    '--workers',
    '0',
  ]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /features: 132x26/);
  assert.match(c.stderr, /\+ excitation/);
  assert.deepEqual(
    JSON.parse(readFileSync(path.join(cropModel, 'metadata.json'), 'utf8')).inputShape.slice(0, 2),
    [132, 10],
  );
  const ce = await run(['evaluate', '--model', cropModel, '--data', corpus, '--split', 'test', '--json']);
  assert.equal(ce.code, 0, ce.stderr);
  assert.equal(JSON.parse(ce.stdout.trim().split('\n').pop()!).n, 6);

  // --experts: each expert alone. The model's score is the mean over windows of min(network, excitation),
  // so it is at most the smaller of the two experts' window means, for every clip.
  const scoresFile = path.join(root, 'crop.scores');
  const ex = await run([
    'evaluate',
    '--model',
    cropModel,
    '--data',
    corpus,
    '--split',
    'test',
    '--experts',
    '--scores',
    scoresFile,
    '--json',
  ]);
  assert.equal(ex.code, 0, ex.stderr);
  assert.match(ex.stdout, /each expert alone \(EER, against all bona fide\):\n +pooled/);
  assert.match(ex.stdout, /\n {2}fused \(the model\) +\d+\.\d\d%/);
  assert.match(ex.stdout, /\n {2}network +\d+\.\d\d%/);
  assert.match(ex.stdout, /\n {2}excitation +\d+\.\d\d%/);
  const exj = JSON.parse(ex.stdout.trim().split('\n').pop()!);
  assert.deepEqual(
    exj.experts.systems.map((e: { name: string }) => e.name),
    ['network', 'excitation'],
  );
  const written = new Map(parseScores(readFileSync(scoresFile, 'utf8')).map((r) => [r.uttId, r]));
  const [net, exc] = exj.experts.systems as { scores: number[]; eer: number }[];
  assert.equal(exj.experts.uttIds.length, 6);
  exj.experts.uttIds.forEach((id: string, i: number) =>
    assert.ok(
      written.get(id)!.score <= Math.min(net.scores[i], exc.scores[i]) + 1e-5,
      `${id}: ${written.get(id)!.score}`,
    ),
  );
  // its EER is that of its own scores
  const ids = exj.experts.uttIds as string[];
  const side = (k: string) => net.scores.filter((_, i) => written.get(ids[i])!.key === k);
  assert.equal(net.eer, computeEer(side('bonafide'), side('spoof')).eer);
  const noExperts = await run(['evaluate', '--model', model, '--data', corpus, '--split', 'test', '--experts']);
  assert.notEqual(noExperts.code, 0);
  assert.match(noExperts.stderr, /--experts: .* has no experts \(its pipeline has neither lfcc nor excitation rows\)/);
});

test('specmorph rejects bad inputs with a one-line reason, non-zero exit and nothing written', async () => {
  const bad = path.join(root, 'bad');
  mkdirSync(path.join(bad, 'empty'), { recursive: true });
  mkdirSync(path.join(bad, 'oneclass', 'bonafide'), { recursive: true });
  mkdirSync(path.join(bad, 'oneclass', 'spoof'), { recursive: true });
  copyFileSync(path.join(data, 'bonafide', 'b0.wav'), path.join(bad, 'oneclass', 'bonafide', 'b0.wav'));
  mkdirSync(path.join(bad, 'corrupt', 'bonafide'), { recursive: true });
  mkdirSync(path.join(bad, 'corrupt', 'spoof'), { recursive: true });
  copyFileSync(path.join(data, 'bonafide', 'b0.wav'), path.join(bad, 'corrupt', 'bonafide', 'b0.wav'));
  writeFileSync(path.join(bad, 'corrupt', 'spoof', 'x.wav'), 'ID3 this is not audio');
  writeFileSync(path.join(bad, 'syntax.json'), '{"stages": [');
  writeFileSync(
    path.join(bad, 'rows0.json'),
    JSON.stringify({ stages: [{ op: 'stft' }, { op: 'opening', footprint: { shape: 'rect', rows: 0, cols: 3 } }] }),
  );
  const out = path.join(bad, 'out');
  const cases: [string[], RegExp][] = [
    [['train', '--data', path.join(bad, 'missing'), '--out', out], /missing: data folder does not exist/],
    [['train', '--data', path.join(bad, 'empty'), '--out', out], /empty: data folder is empty/],
    [['train', '--data', path.join(bad, 'oneclass'), '--out', out], /spoof: class folder holds no \.wav\/\.flac files/],
    [['train', '--data', path.join(bad, 'corrupt'), '--out', out, '--workers', '0'], /x\.wav: /],
    [
      ['train', '--data', data, '--out', out, '--config', path.join(bad, 'syntax.json')],
      /syntax\.json: not valid JSON/,
    ],
    [
      ['train', '--data', data, '--out', out, '--config', path.join(bad, 'rows0.json')],
      /rows0\.json: stages\[1\]\.footprint\.rows=0 must be a positive integer/,
    ],
    [
      ['train', '--data', data, '--out', out, '--config', path.join(bad, 'none.json')],
      /none\.json: cannot read config \(ENOENT\)/,
    ],
    [['train', '--data', data, '--out', out, '--epochs', '0'], /--epochs=0 must be an integer in \[1, 100000\]/],
    [['train', '--data', data, '--out', out, '--seed', 'abc'], /--seed=abc must be an integer/],
    [['train', '--data', data], /--out MODEL_DIR is required/],
    [['train', '--data', data, '--out', out, '--epoch', '3'], /unknown option --epoch/],
    [['evaluate', '--model', path.join(bad, 'nomodel'), '--data', data], /nomodel: model folder does not exist/],
    [['evaluate', '--model', out, '--protocol', path.join(bad, 'p.txt')], /--protocol needs --audio DIR/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  // Two at a time: the machine has two cores.
  const results: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < cases.length; i += 2)
    results.push(...(await Promise.all(cases.slice(i, i + 2).map(([args]) => run(args)))));
  results.forEach((r, i) => {
    const [args, re] = cases[i];
    assert.notEqual(r.code, 0, args.join(' '));
    // Progress lines may precede it, but the reason is exactly one line, the last, and the only one starting "specmorph: ".
    const lines = r.stderr.trim().split('\n');
    const reasons = lines.filter((l) => l.startsWith('specmorph: '));
    assert.equal(reasons.length, 1, `one reason line for ${args.join(' ')}: ${r.stderr}`);
    assert.equal(lines[lines.length - 1], reasons[0]);
    assert.match(reasons[0], re, args.join(' '));
    // Argument, config and folder errors are found before any work starts: nothing else is printed.
    if (!args.includes(path.join(bad, 'corrupt'))) assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
  });
  assert.equal(existsSync(out), false);
  assert.deepEqual(
    readdirSync(bad).filter((f) => f.startsWith('.')),
    [],
  );
});

test('specmorph --help, --version and train --help print usage / version and exit 0', async () => {
  const [h, t, e, v] = await Promise.all([
    run(['--help']),
    run(['train', '--help']),
    run(['evaluate', '--help']),
    run(['--version']),
  ]);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `specmorph ${JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).version}\n`);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Commands:\n {2}train/);
  assert.equal(t.code, 0);
  assert.match(t.stdout, /--epochs N/);
  assert.equal(e.code, 0);
  assert.match(e.stdout, /--scores FILE/);
});
