import { roundDelta } from './gates.js';
import type { Metrics } from './model.js';

/** One metric of a comparison; a side is null when that version lacks the metric. */
export interface MetricDelta {
  a: number | null;
  b: number | null;
  delta: number | null;
}

/**
 * For every metric in either version, `{a, b, delta}` with `delta = b − a`, in the order
 * the versions were registered with (A's metrics, then those only B has), as the reference
 * lists them (auc, f1, accuracy), not alphabetically.
 */
export function compareMetrics(a: Metrics, b: Metrics): Record<string, MetricDelta> {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const out: Record<string, MetricDelta> = Object.create(null);
  for (const name of names) {
    const va = a[name] ?? null;
    const vb = b[name] ?? null;
    out[name] = { a: va, b: vb, delta: va === null || vb === null ? null : roundDelta(vb - va) };
  }
  return out;
}
