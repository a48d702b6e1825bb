// W7: the ASVspoof 2019 LFCC-GMM baseline on the bundled corpus (meta.csv split): specmorph's
// fitGmmDetector against scikit-learn GaussianMixture(covariance_type='diag') on the very same LFCC
// frames (exported from here, fitted in bench/gmm_peer.py), same component count and seeds.
// Reports pooled and per-attack test EER of both, and fit time (wall and process CPU).
// Environment: W5_COMPONENTS (default DEFAULT_GMM_COMPONENTS), W5_SEEDS (default 3: seeds 0..N-1).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { scanFolderDataset } from '../src/dataset/folder';
import { computeFeatures } from '../src/dataset/features';
import { heldOutSplit } from '../src/report/split';
import { DEFAULT_GMM_PIPELINE } from '../src/model/gmmModel';
import { DEFAULT_GMM_COMPONENTS, fitGmmDetector, scoreGmmDetector } from '../src/model/gmm';
import { evaluateScores, type ScoreRow } from '../src/metrics/scores';
import type { Grid } from '../src/grid/grid';
import { type BenchRow, type Measure, row } from './rows';
import { median } from './timing';

const ROOT = resolve(__dirname, '..');
const CORPUS = join(ROOT, 'datasets', 'corpus');

type Clip = { id: string; label: 'bonafide' | 'spoof'; attack: string; split: 'train' | 'test'; grid: Grid };
type Outcome = {
  eer: number;
  perAttack: { attackId: string; n: number; eer: number }[];
  fitWall: number;
  fitCpu: number;
  nIter: [number, number];
};

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Frames of every clip, time-major float32, one file + a JSON index, for the Python peer. */
function exportFrames(dir: string, clips: Clip[]): string {
  const dims = clips[0].grid.rows;
  const total = clips.reduce((a, c) => a + c.grid.cols, 0);
  const data = new Float32Array(total * dims);
  const index: { id: string; label: string; attack: string; split: string; offset: number; n: number }[] = [];
  let at = 0;
  for (const c of clips) {
    const { rows, cols, data: g } = c.grid;
    for (let t = 0; t < cols; t++) for (let j = 0; j < rows; j++) data[(at + t) * dims + j] = g[j * cols + t];
    index.push({ id: c.id, label: c.label, attack: c.attack, split: c.split, offset: at, n: cols });
    at += cols;
  }
  writeFileSync(join(dir, 'frames.f32'), new Uint8Array(data.buffer));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ dims, clips: index }));
  return dir;
}

function ours(clips: Clip[], nComponents: number, seed: number): Outcome {
  const train = clips.filter((c) => c.split === 'train');
  const test = clips.filter((c) => c.split === 'test');
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const det = fitGmmDetector(
    train.filter((c) => c.label === 'bonafide').map((c) => c.grid),
    train.filter((c) => c.label === 'spoof').map((c) => c.grid),
    { nComponents, seed },
  );
  const fitWall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const scores = scoreGmmDetector(
    det,
    test.map((c) => c.grid),
  );
  const rows: ScoreRow[] = test.map((c, i) => ({
    uttId: c.id.replace(/\s/g, '_'),
    attackId: c.attack,
    key: c.label,
    score: scores[i],
  }));
  const s = evaluateScores(rows);
  return {
    eer: s.eer,
    perAttack: s.perAttack.map(({ attackId, n, eer }) => ({ attackId, n, eer })),
    fitWall,
    fitCpu: (cpu.user + cpu.system) / 1e6,
    nIter: [det.bonafide.fit!.nIter, det.spoof.fit!.nIter],
  };
}

function peer(dir: string, nComponents: number, seeds: number): Outcome[] | null {
  const py = '/usr/bin/python3';
  if (!existsSync(py) || spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' }).status !== 0) return null;
  const r = spawnSync(py, [join(__dirname, 'gmm_peer.py'), dir, String(nComponents), String(seeds)], {
    encoding: 'utf8',
    timeout: 60 * 60 * 1000,
    env: { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' },
  });
  try {
    const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as {
      runs: {
        eer: number;
        per_attack: { attack: string; n: number; eer: number }[];
        fit_wall: number;
        fit_cpu: number;
        n_iter: [number, number];
      }[];
    };
    return o.runs.map((x) => ({
      eer: x.eer,
      perAttack: x.per_attack.map((a) => ({ attackId: a.attack, n: a.n, eer: a.eer })),
      fitWall: x.fit_wall,
      fitCpu: x.fit_cpu,
      nIter: x.n_iter,
    }));
  } catch {
    console.log(`  scikit-learn: failed (${(r.stderr || r.stdout).trim().split('\n').pop()})`);
    return null;
  }
}

function line(name: string, o: Outcome): string {
  return `  ${name.padEnd(22)} EER ${pct(o.eer).padStart(6)}  ${o.perAttack.map((a) => `${a.attackId} ${pct(a.eer)}`).join('  ')}   fit ${o.fitWall.toFixed(1)} s wall, ${o.fitCpu.toFixed(1)} s CPU, EM iterations ${o.nIter.join('/')}`;
}

/** Rows: median pooled test EER over seeds (target: within 2 pp of scikit-learn) and median fit time. */
export async function run(): Promise<BenchRow[]> {
  const nComponents = Number(process.env.W5_COMPONENTS ?? DEFAULT_GMM_COMPONENTS);
  const seeds = Number(process.env.W5_SEEDS ?? 3);
  const ds = await scanFolderDataset(CORPUS);
  const split = heldOutSplit(ds);
  const items = [
    ...split.train.map((it) => ({ it, split: 'train' as const })),
    ...split.test.map((it) => ({ it, split: 'test' as const })),
  ];
  const tmp = mkdtempSync(join(tmpdir(), 'specmorph-w5-'));
  try {
    const feats = await computeFeatures(
      items.map((x) => x.it.path),
      DEFAULT_GMM_PIPELINE,
      { cacheDir: join(tmp, 'cache') },
    );
    const clips: Clip[] = items.map((x, i) => ({
      id: x.it.id,
      label: x.it.label,
      attack: x.it.attack ?? '-',
      split: x.split,
      grid: feats.features[i],
    }));
    const frames = (s: string, l: string) =>
      clips.filter((c) => c.split === s && c.label === l).reduce((a, c) => a + c.grid.cols, 0);
    console.log(
      `W7 LFCC-GMM (asvspoof2019 LFCC, ${feats.rows} dims), ${nComponents} diagonal components, seeds 0..${seeds - 1}; train ${split.train.length} clips (${frames('train', 'bonafide')} bona fide / ${frames('train', 'spoof')} spoof frames), test ${split.test.length} clips; ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)}`,
    );
    const mine: Outcome[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      mine.push(ours(clips, nComponents, seed));
      console.log(line(`specmorph seed ${seed}`, mine[seed]));
    }
    const theirs = peer(exportFrames(tmp, clips), nComponents, seeds);
    const what = `LFCC-GMM, ${nComponents} diagonal components, bundled corpus (meta.csv split), seeds 0..${seeds - 1}`;
    const rows = (o: Outcome[] | null): BenchRow[] => {
      const sk = (name: string, measure: Measure) => ({
        name: `scikit-learn GaussianMixture(covariance_type='diag')${name}`,
        measure,
      });
      const eer = (v: Outcome[]) => ({ value: 100 * median(v.map((x) => x.eer)), unit: '% EER' });
      const fit = (v: Outcome[], k: 'fitWall' | 'fitCpu') => ({
        value: median(v.map((x) => x[k])),
        unit: k === 'fitWall' ? 's wall' : 's CPU',
      });
      return [
        row('W7', `${what}: median pooled test EER`, eer(mine), o && sk('', eer(o)), {
          of: 'difference',
          op: '<=',
          value: 2,
        }),
        row(
          'W7',
          `${what}: median fit time, both GMMs (ours 1 thread)`,
          fit(mine, 'fitWall'),
          o && sk(', BLAS 2 threads', fit(o, 'fitWall')),
        ),
        row(
          'W7',
          `${what}: median fit CPU, both GMMs`,
          fit(mine, 'fitCpu'),
          o && sk(', BLAS 2 threads', fit(o, 'fitCpu')),
        ),
      ];
    };
    if (!theirs) {
      console.log(
        '  scikit-learn: /usr/bin/python3 cannot import sklearn (apt-get install python3-sklearn), comparison skipped',
      );
      return rows(null);
    }
    theirs.forEach((o, seed) => console.log(line(`scikit-learn seed ${seed}`, o)));
    const mo = median(mine.map((o) => o.eer));
    const th = median(theirs.map((o) => o.eer));
    console.log(
      `  median EER over seeds: specmorph ${pct(mo)}, scikit-learn ${pct(th)}, difference ${((mo - th) * 100).toFixed(1)} pp (target within 2 pp); fit time specmorph/scikit-learn ${(median(mine.map((o) => o.fitWall)) / median(theirs.map((o) => o.fitWall))).toFixed(1)}x wall, ${(median(mine.map((o) => o.fitCpu)) / median(theirs.map((o) => o.fitCpu))).toFixed(1)}x process CPU (scikit-learn's BLAS may use 2 threads)`,
    );
    return rows(theirs);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
