/** Tick positions shared by the Plotly figures and the PNG renderer, so both pictures agree. */

/** "Nice" tick values (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) out.push(roundTo(k * step, step));
  return out;
}

/** Label of a tick value with no more decimals than `step` needs; -0 prints as 0. */
export function formatTick(v: number, step?: number): string {
  if (v === 0 || Object.is(v, -0)) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(1).replace('e+', 'e');
  let decimals = 6;
  if (step !== undefined && step > 0) {
    // Enough decimals to write the step exactly (2.5 needs one, 0.25 two).
    decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    while (decimals < 6 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals++;
  }
  return stripZeros(v.toFixed(decimals));
}

/** Hz label: 1000 -> "1k", 1500 -> "1.5k", 250 -> "250". */
export function formatHz(hz: number): string {
  if (Math.abs(hz) >= 1000) return `${stripZeros((hz / 1000).toFixed(2))}k`;
  return stripZeros(hz.toFixed(hz < 10 ? 1 : 0));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function roundTo(v: number, step: number): number {
  const d = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(20, d)));
}

/** Frequency tick candidates for mel and log axes, in Hz. */
export const HZ_TICK_CANDIDATES = [10, 20, 50, 100, 200, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000];
