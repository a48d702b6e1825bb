// The structured results every workload's `run()` returns beside its printed text, and the JSON
// file `bench/run.ts` writes from them. docs/benchmarks.md's table is generated from these files
// (scripts/bench-table.ts), so this is the one definition of what a bench result holds.

/** A measured quantity: `value` in `unit` (e.g. 4.1 'ms', 23.8 'img/s', 33 'MiB', 28.0 '%'). */
export interface Measure {
  value: number;
  unit: string;
}

/**
 * What a row must reach. `of: 'ratio'` compares ours/peer with `value` (`<= 0.5` is the issue's
 * "<= 0.5x"); `of: 'value'` compares our value itself (W4: `<= 600` s); `of: 'difference'` compares
 * |ours - peer| in the row's unit (W7: EER within 2 percentage points).
 */
export interface Target {
  of: 'ratio' | 'value' | 'difference';
  op: '<=' | '>=';
  value: number;
}

/** A peer timed in the same run, e.g. `{ name: 'torch 1.13.0 stft + |.|^2', measure: {...} }`. */
export interface Peer {
  name: string;
  measure: Measure;
}

/** One line of a workload's results. */
export interface BenchRow {
  /** The workload as the issue and the docs name it: 'W1', 'W1m', 'W2', 'W2r', 'W3', ... */
  id: string;
  /** What was measured, with its configuration (the same for every run of the workload). */
  name: string;
  ours: Measure;
  /** The peer timed in the same run ('torch 1.13.0 stft + |.|^2'), or null when there is none. */
  peerName: string | null;
  /** The peer's value in the same unit as `ours`; null when no peer ran. */
  peer: Measure | null;
  /** ours.value / peer.value from the same run; null without a peer. */
  ratio: number | null;
  target: Target | null;
  /** Whether `target` is met; null when there is no target or nothing to compare it with. */
  met: boolean | null;
}

/** One workload (one bench/w*.ts file) in one run. */
export interface WorkloadResult {
  /** The file name without `.ts`: 'w1-spectral'. Later runs of the same file replace its rows. */
  workload: string;
  started: string;
  seconds: number;
  /** os.loadavg() (1, 5 and 15 minutes) just before and just after the workload. */
  loadBefore: [number, number, number];
  loadAfter: [number, number, number];
  rows: BenchRow[];
}

/** The JSON file of one `npm run bench` (bench/results/<date>.json). */
export interface BenchRun {
  date: string;
  node: string;
  platform: string;
  cpu: { model: string; cores: number };
  totalMemoryBytes: number;
  /** MALLOC_TOP_PAD_ the workloads ran with (src/memory.ts MALLOC_PAD_ENV); null: glibc's default; absent in runs before it. */
  mallocTopPad?: string | null;
  workloads: WorkloadResult[];
}

function compare(x: number, op: Target['op'], bound: number): boolean {
  return op === '<=' ? x <= bound : x >= bound;
}

/** Whether `target` is met by `ours` against `peer` (null when it cannot be decided). */
export function targetMet(ours: Measure, peer: Measure | null, target: Target | null): boolean | null {
  if (!target) return null;
  if (target.of === 'value') return compare(ours.value, target.op, target.value);
  if (!peer) return null;
  if (target.of === 'ratio') return compare(ours.value / peer.value, target.op, target.value);
  return compare(Math.abs(ours.value - peer.value), target.op, target.value);
}

/**
 * A row with `ratio` and `met` derived from the measures. `peer` null: no peer ran in this run (its
 * library missing); the row then has no ratio and a ratio/difference target stays undecided.
 */
export function row(
  id: string,
  name: string,
  ours: Measure,
  peer: Peer | null,
  target: Target | null = null,
): BenchRow {
  if (peer && peer.measure.unit !== ours.unit)
    throw new Error(`bench row ${id} ${name}: peer unit ${peer.measure.unit} differs from ours ${ours.unit}`);
  return {
    id,
    name,
    ours,
    peerName: peer?.name ?? null,
    peer: peer?.measure ?? null,
    ratio: peer ? ours.value / peer.measure.value : null,
    target,
    met: targetMet(ours, peer?.measure ?? null, target),
  };
}

/** The common target: ours/peer at most `value` (the "<= 0.5x"). */
export const atMost = (value: number): Target => ({ of: 'ratio', op: '<=', value });
