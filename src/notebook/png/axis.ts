// One axis as the PNG lays it out, and the value <-> pixel maps every drawer uses.
import type { Axis } from '../types';

/** An axis after layout: its value range and the pixels that range spans. */
export interface AxisState {
  id: string; // 'x', 'x2', 'y', ...
  spec: Axis;
  lo: number;
  hi: number;
  px0: number; // pixel of lo
  px1: number; // pixel of hi
}

/** Pixel of value `v` on axis `a` (fractional). */
export function toPx(a: AxisState, v: number): number {
  return a.px0 + ((v - a.lo) / (a.hi - a.lo)) * (a.px1 - a.px0);
}

/** Value at pixel `p` on axis `a`. */
export function fromPx(a: AxisState, p: number): number {
  return a.lo + ((p - a.px0) / (a.px1 - a.px0)) * (a.hi - a.lo);
}

/** `[lo, hi]` of the finite values of `a`, or null when none is finite. */
export function finite(a: ArrayLike<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i])) {
      lo = Math.min(lo, a[i]);
      hi = Math.max(hi, a[i]);
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
