// The trace types the PNG fallback draws. Adding one: a drawer file in this folder and a line here.
// Order is drawing order: axes drawers paint in this order (heatmaps under lines), each over the
// grid lines and under the axes; paper drawers paint after the axes.
import type { TraceDrawer } from './drawer';
import { heatmapDrawer } from './heatmap';
import { scatterDrawer } from './scatter';
import { tableDrawer } from './table';

export const DRAWERS: readonly TraceDrawer[] = [heatmapDrawer, scatterDrawer, tableDrawer];

const byType = new Map(DRAWERS.flatMap((d) => d.types.map((type) => [type, d] as const)));

/** The drawer of trace type `type`, or undefined for types the PNG does not draw. */
export function drawerOf(type: string): TraceDrawer | undefined {
  return byType.get(type);
}

export type { Extent, TraceDrawer } from './drawer';
export { xyExtent } from './drawer';
