/**
 * Gates given on the command line (`--gate min_auc=0.9`, `--gates-file`), and the hints the
 * CLI adds to a refusal: a gate on a metric the version does not have is most often a typo.
 */

import { ValidationError } from '../core/errors.js';
import type { GateResult } from '../core/gates.js';
import { FLAG_GATES, parseGateArg } from '../core/gates.js';
import { nearest } from './suggest.js';

/** `parseGateArg` with "did you mean" for a misspelled yes/no gate (`require_signatur` → require_signature). */
export function parseGateArgHinted(arg: string): ReturnType<typeof parseGateArg> {
  try {
    return parseGateArg(arg);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const key = (arg.split('=')[0] ?? '').trim();
    const match = nearest(key, FLAG_GATES);
    if (match === undefined || match === key) throw e;
    throw new ValidationError(`${e.message} Did you mean ${match}?`, e.details);
  }
}

/** The gates of a `--gates-file` object plus every `--gate` (a flag wins over the file). */
export function parseGates(fromFile: Record<string, number | boolean | string[]>, args: readonly string[]) {
  const gates: Record<string, number | boolean | string[]> = { ...fromFile };
  for (const arg of args) {
    const [key, value] = parseGateArgHinted(arg);
    gates[key] = value;
  }
  return gates;
}

const PREFIXES = ['min_delta_', 'max_delta_', 'min_', 'max_'] as const;

/** For each failed gate on a metric the version lacks: "did you mean" the nearest metric's gate. */
export function gateHints(gates: readonly GateResult[], metricNames: readonly string[]): string[] {
  const hints: string[] = [];
  for (const g of gates) {
    if (g.passed || g.actual !== null || g.gate === 'require_drift_check') continue;
    const match = nearest(g.metric, metricNames);
    if (match === undefined) continue;
    const prefix = PREFIXES.find((p) => g.gate.startsWith(p)) ?? '';
    hints.push(`gate ${g.gate}: the version has no metric ${g.metric}. Did you mean ${prefix}${match}?`);
  }
  return hints;
}
