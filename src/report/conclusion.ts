import type { AblationResult, ArmResult } from './ablation';

/** How one arm compares with the baseline, decided from the numbers only. */
export type Verdict = 'lower' | 'higher' | 'unclear' | 'baseline';

/**
 * Verdict of an arm: `'lower'` / `'higher'` EER than the baseline when the 95 % interval of the
 * paired (same-seed) difference excludes zero, else `'unclear'`. With one seed there is no interval
 * and every arm is `'unclear'`.
 */
export function verdict(arm: ArmResult): Verdict {
  const c = arm.vsBaseline;
  if (!c) return 'baseline';
  if (!c.ci95) return 'unclear';
  if (c.ci95[1] < 0) return 'lower';
  if (c.ci95[0] > 0) return 'higher';
  return 'unclear';
}

const pct = (v: number, digits = 1): string => `${(100 * v).toFixed(digits)}%`;
const pp = (v: number, digits = 1): string => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(digits)} pp`;

/** `12.3% ± 1.4%` (mean ± sample sd over seeds). */
export function formatMeanStd(m: { mean: number; std: number }): string {
  return `${pct(m.mean)} ± ${pct(m.std)}`;
}

function describe(arm: ArmResult): string {
  const c = arm.vsBaseline!;
  const ci = c.ci95 ? `, 95% CI [${pp(c.ci95[0])}, ${pp(c.ci95[1])}]` : '';
  return (
    `**${arm.name}** (EER ${formatMeanStd(arm.eer)}; Δ ${pp(c.mean)}${ci}; ` +
    `lower in ${c.lower}/${c.differences.length} seeds)`
  );
}

/**
 * How the baseline compares with the LFCC-GMM reference: pooled, and the attacks where either is
 * better by more than 5 pp (mean over seeds; these per-attack EERs rest on few clips, so no finer
 * claim is made).
 */
function referenceSentence(r: AblationResult, base: ArmResult): string {
  const ref = r.reference!;
  const seeds = ref.runs.map((x) => x.seed);
  const diff = base.eer.mean - ref.eer.mean;
  const attacks = Object.keys(base.perAttack)
    .filter((k) => ref.perAttack[k])
    .sort();
  const list = (sign: 1 | -1): string =>
    attacks
      .filter((k) => sign * (base.perAttack[k].mean - ref.perAttack[k].mean) > 0.05)
      .map((k) => `${k} (${pct(base.perAttack[k].mean)} vs ${pct(ref.perAttack[k].mean)})`)
      .join(', ');
  const worse = list(1);
  const better = list(-1);
  return (
    `The classical reference, the ASVspoof 2019 LFCC-GMM baseline (${ref.components} components, ` +
    `seed${seeds.length === 1 ? '' : 's'} ${seeds.join(', ')}), ` +
    // One seed has no spread to show.
    `reached ${seeds.length === 1 ? pct(ref.eer.mean) : formatMeanStd(ref.eer)} on the same split, ` +
    `so the baseline CNN is ${
      Math.abs(diff) < 0.005
        ? 'level with it'
        : `${(100 * Math.abs(diff)).toFixed(1)} pp ${diff > 0 ? 'worse' : 'better'}`
    }. ` +
    'Per attack (baseline vs reference, differences over 5 pp): ' +
    `${worse ? `the reference is better on ${worse}` : 'the reference is better on none'}; ` +
    `${better ? `the baseline is better on ${better}` : 'the baseline is better on none'}.`
  );
}

/**
 * Arms grouped by operator: mean of their mean EERs, and how many fall below the baseline's mean;
 * sorted best first.
 */
export function operatorSummary(r: AblationResult): { op: string; mean: number; arms: number; below: number }[] {
  const base = r.arms[0].eer.mean;
  const groups = new Map<string, number[]>();
  for (const a of r.arms.slice(1)) groups.set(a.op, [...(groups.get(a.op) ?? []), a.eer.mean]);
  return [...groups.entries()]
    .map(([op, v]) => ({
      op,
      mean: v.reduce((x, y) => x + y, 0) / v.length,
      arms: v.length,
      below: v.filter((x) => x < base).length,
    }))
    .sort((a, b) => a.mean - b.mean);
}

/**
 * The conclusion of an ablation, as markdown, written from the numbers: the baseline's EER, which
 * arms differ from it beyond seed-to-seed variation (95 % interval of the paired difference
 * excluding zero), whether that survives a Bonferroni correction for the number of arms compared,
 * and the caveats that bound what the experiment can show (seeds, one split, chance-level baseline).
 * Nothing here is typed in by hand: every claim is a branch on the result.
 */
export function conclusion(r: AblationResult): string {
  const base = r.arms[0];
  const others = r.arms.slice(1);
  const k = others.length;
  const n = r.seeds.length;
  const lines: string[] = [];
  lines.push(
    `On ${r.data.split.test} held-out test clips (${r.data.split.testBonafide} bona fide, ` +
      `${r.data.split.test - r.data.split.testBonafide} spoofed; split by ${
        r.data.split.by === 'meta.csv'
          ? "the corpus's meta.csv, speakers and sentences disjoint from training"
          : r.data.split.by
      }), ` +
      `the baseline without morphology reached an EER of ${formatMeanStd(base.eer)} ` +
      `(mean ± sd over ${n} seed${n === 1 ? '' : 's'}, at most ${r.epochs} epochs each with early stopping ` +
      `on a validation part of the training split, ${r.data.features.rows}×${r.data.features.cols} inputs, ` +
      `backend ${r.backend.split(' ')[0]}).`,
  );
  if (r.reference) lines.push(referenceSentence(r, base));
  if (base.eer.mean >= 0.4) {
    lines.push(
      'That is close to chance (50%): with this model and training budget the baseline detector barely ' +
        'separates the classes, so every difference below is measured against a weak baseline and may not ' +
        'carry over to a better-trained model.',
    );
  }
  if (k === 0) return lines.join('\n\n');
  const lower = others.filter((a) => verdict(a) === 'lower');
  const higher = others.filter((a) => verdict(a) === 'higher');
  const best = others.reduce((b, a) => (a.eer.mean < b.eer.mean ? a : b));
  const worst = others.reduce((b, a) => (a.eer.mean > b.eer.mean ? a : b));
  if (n < 2) {
    lines.push(
      'With a single seed there is no estimate of seed-to-seed variation, so no arm can be said to differ ' +
        `from the baseline. Lowest EER: ${describe(best)}.`,
    );
    return lines.join('\n\n');
  }
  const bonf = 0.05 / k;
  const survives = (a: ArmResult): boolean =>
    a.vsBaseline?.pValue !== null && a.vsBaseline?.pValue !== undefined && a.vsBaseline.pValue < bonf;
  if (lower.length === 0 && higher.length === 0) {
    lines.push(
      'No morphology arm differs from the baseline by more than the seed-to-seed variation: ' +
        `for all ${k} arms the 95% interval of the paired EER difference includes zero. ` +
        `The lowest mean EER was ${describe(best)}; the highest ${describe(worst)}. ` +
        'These numbers do not support a claim that morphological preprocessing helps or hurts in this setup.',
    );
  } else {
    if (lower.length) {
      const s = lower.filter(survives);
      lines.push(
        `${lower.length} arm${lower.length === 1 ? '' : 's'} had a lower EER than the baseline ` +
          `with the 95% interval of the paired difference below zero: ${lower.map(describe).join('; ')}. ` +
          (s.length
            ? `${s.length === lower.length ? 'All' : `${s.length} of them`} remain${s.length === 1 ? 's' : ''} ` +
              `significant after a Bonferroni correction for ${k} comparisons (p < ${bonf.toFixed(4)}).`
            : `None remains significant after a Bonferroni correction for ${k} comparisons ` +
              `(p < ${bonf.toFixed(4)}), so ${lower.length === 1 ? 'this' : 'these'} may be chance findings ` +
              'among many arms.'),
      );
    }
    if (higher.length) {
      const s = higher.filter(survives);
      lines.push(
        `${higher.length} arm${higher.length === 1 ? '' : 's'} had a higher (worse) EER than the baseline ` +
          `with the interval above zero: ${higher.map(describe).join('; ')}. ` +
          (s.length
            ? `${s.length} of them survive${s.length === 1 ? 's' : ''} the Bonferroni correction.`
            : `None survives the Bonferroni correction for ${k} comparisons.`),
      );
    }
    const rest = k - lower.length - higher.length;
    if (rest > 0)
      lines.push(
        `The other ${rest} arm${rest === 1 ? '' : 's'} cannot be told apart from the baseline ` +
          '(interval includes zero).',
      );
  }
  const byOp = operatorSummary(r);
  if (byOp.length > 1) {
    const [top, next] = byOp;
    const all =
      top.below === top.arms ? `all ${top.arms} of its footprints` : `${top.below} of its ${top.arms} footprints`;
    lines.push(
      `By operator (mean EER over its footprints): ${byOp.map((o) => `${o.op} ${pct(o.mean)}`).join(', ')}, ` +
        `against ${pct(base.eer.mean)} for no morphology. ` +
        `${top.op} ranks first with ${all} below the baseline mean${
          top.mean < next.mean ? `, ${pp(top.mean - next.mean)} from the next operator (${next.op})` : ''
        }.`,
    );
  }
  lines.push(
    `Caveats: ${n} seeds (the t interval with ${n - 1} degrees of freedom is wide), one train/test split, ` +
      `one small model (at most ${r.epochs} epochs), and ${k} comparisons (at the 5% level about ` +
      `${(0.05 * k).toFixed(1)} would exclude zero by chance alone even with no real effect). ` +
      'Read the per-seed points in the plot before trusting any single difference.',
  );
  return lines.join('\n\n');
}
