// A complete AblationResult with made-up EERs (16 arms x 3 seeds, 4 attacks), for figure tests and
// the gallery: the figures' job is to show whatever numbers they get, so these need no training.
import type { AblationResult, ArmResult } from '../../src/report/ablation';
import { ABLATION_FOOTPRINTS, ABLATION_OPS, ABLATION_PIPELINE, ablationArms } from '../../src/report/arms';
import { mean, pairedComparison, std } from '../../src/report/stats';
import { Random } from '../../src/random';

export function syntheticAblation(seed = 7, seeds = 3): AblationResult {
  const rng = new Random(seed);
  const attacks = ['griffin-lim', 'hifigan', 'piper-tts', 'world'];
  // The five classic operators x three footprints (16 arms with none): a table and plot as wide as a full ablation.
  const arms = ablationArms(ABLATION_OPS.slice(0, 5), ABLATION_FOOTPRINTS, false);
  const baseline = Array.from({ length: seeds }, () => 0.2 + 0.06 * rng.next());
  const results: ArmResult[] = arms.map((arm, i) => {
    const shift = i === 0 ? 0 : (rng.next() - 0.6) * 0.12;
    const eers = baseline.map((b) => Math.min(0.6, Math.max(0.01, b + shift + (rng.next() - 0.5) * 0.04)));
    const runs = eers.map((eer, s) => ({
      seed: s,
      eer,
      auc: 1 - eer * 1.1,
      minDcf: Math.min(1, eer * 2.2),
      scores: [],
      perAttack: Object.fromEntries(attacks.map((a, k) => [a, Math.min(0.9, eer * (0.5 + 0.4 * k))])),
      history: [],
      seconds: 0,
      cached: false,
    }));
    const perAttack = Object.fromEntries(
      attacks.map((a) => [
        a,
        { mean: mean(runs.map((r) => r.perAttack[a])), std: std(runs.map((r) => r.perAttack[a])) },
      ]),
    );
    return {
      name: arm.name,
      op: arm.op,
      footprint: arm.op === 'none' ? null : (arm.footprint ?? null),
      pipelineFingerprint: `fp${i}`,
      runs,
      eer: { mean: mean(eers), std: std(eers) },
      auc: { mean: mean(runs.map((r) => r.auc)), std: std(runs.map((r) => r.auc)) },
      minDcf: { mean: mean(runs.map((r) => r.minDcf)), std: std(runs.map((r) => r.minDcf)) },
      perAttack,
      vsBaseline: i === 0 ? null : pairedComparison(eers, baseline),
    };
  });
  return {
    specmorphVersion: '0.1.0',
    createdAt: '2026-01-01T00:00:00.000Z',
    data: {
      root: 'datasets/corpus',
      n: 480,
      bonafide: 160,
      spoof: 320,
      attacks: Object.fromEntries(attacks.map((a) => [a, 80])),
      speakers: 8,
      fingerprint: 'synthetic',
      split: {
        by: 'meta.csv',
        train: 320,
        test: 160,
        unlisted: 0,
        trainBonafide: 106,
        testBonafide: 54,
        testAttacks: Object.fromEntries(attacks.map((a) => [a, 26])),
        trainAttacks: { 'griffin-lim': 54, hifigan: 54, 'piper-tts': 0, world: 54 },
      },
      features: { rows: 64, cols: 64 },
    },
    backend: 'synthetic (no training)',
    model: 'cnn',
    epochs: 6,
    seeds: Array.from({ length: seeds }, (_, i) => i),
    base: ABLATION_PIPELINE,
    arms: results,
    reference: null,
    seconds: { features: 0, training: 0, total: 0 },
  };
}
