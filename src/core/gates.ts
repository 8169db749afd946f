import * as z from 'zod';
import { ValidationError } from './errors.js';
import { type ArtifactFormat, type FormatName, parseFormatList } from './formats.js';
import type { Metrics } from './model.js';

/** Metric names: what `--metrics name=value` and gate keys accept. */
export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * A set of promotion gates, keyed the way the reference registry writes them:
 * `min_<metric>`, `max_<metric>`, `min_delta_<metric>`, `max_delta_<metric>` (numbers) and
 * `require_drift_check` (boolean), and `forbid_formats` (a list of format names).
 */
export const GatesSchema = z.record(z.string(), z.union([z.number(), z.boolean(), z.array(z.string())]));
export type Gates = z.infer<typeof GatesSchema>;

/** One evaluated gate, reported whether it passed or not. */
export interface GateResult {
  gate: string;
  metric: string;
  /** The measured value: a number, a flag, a sentence (`require_signature`: "unsigned"), a detected format, or the missing card sections of `require_model_card`. */
  actual: number | boolean | string | readonly string[] | null;
  threshold: number | boolean | string | readonly string[];
  passed: boolean;
  /** Where the gate came from: the model's policy or the caller. */
  source: 'policy' | 'request';
  /** Why a gate passed or failed when the numbers alone do not say. */
  note?: string;
}

type GateKind =
  | 'min'
  | 'max'
  | 'min_delta'
  | 'max_delta'
  | 'require_drift_check'
  | 'forbid_formats'
  | 'require_signature';

/** The yes/no gates (no metric), for help and "did you mean". */
export const FLAG_GATES = ['require_drift_check', 'require_signature'] as const;

interface ParsedGate {
  kind: GateKind;
  metric: string;
  threshold: number | boolean | FormatName[];
}

const GATE_HELP =
  'gates are min_<metric>=N, max_<metric>=N, min_delta_<metric>=N, max_delta_<metric>=N, require_drift_check=true, require_signature=true or forbid_formats=pickle,joblib';

/** Splits a gate key into its kind and metric; refuses keys that are not a gate. */
export function parseGateKey(key: string, threshold: number | boolean | string[]): ParsedGate {
  // formats (issue 11): the artifact's detected format must not be one of the listed ones
  if (key === 'forbid_formats') {
    return { kind: 'forbid_formats', metric: 'format', threshold: parseFormatList(threshold) };
  }
  if (key === 'require_drift_check') {
    if (typeof threshold !== 'boolean') {
      throw new ValidationError(
        `gate require_drift_check takes true or false, not ${JSON.stringify(threshold)}.`,
        {
          gate: key,
        },
      );
    }
    return { kind: 'require_drift_check', metric: 'drift_check_passed', threshold };
  }
  // signing: a signature by a key the use case trusts
  if (key === 'require_signature') {
    if (typeof threshold !== 'boolean') {
      throw new ValidationError(
        `gate require_signature takes true or false, not ${JSON.stringify(threshold)}.`,
        { gate: key },
      );
    }
    return { kind: 'require_signature', metric: 'signature', threshold };
  }
  const match = /^(min_delta|max_delta|min|max)_(.+)$/.exec(key);
  if (match === null || !METRIC_NAME.test(match[2]!)) {
    throw new ValidationError(`${JSON.stringify(key)} is not a gate: ${GATE_HELP}.`, { gate: key });
  }
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new ValidationError(
      `gate ${key} needs a number threshold, not ${JSON.stringify(threshold)}: write it as ${key}=0.85.`,
      {
        gate: key,
      },
    );
  }
  return { kind: match[1] as GateKind, metric: match[2]!, threshold };
}

/** Validates a whole gate set (from a policy, a file or the command line). */
export function validateGates(input: unknown): Gates {
  const parsed = GatesSchema.safeParse(input);
  if (!parsed.success) {
    const gate = parsed.error.issues[0]?.path[0];
    const bad =
      typeof gate === 'string'
        ? ` (gate ${gate} is ${JSON.stringify((input as Record<string, unknown>)[gate])})`
        : '';
    throw new ValidationError(`gates must be an object of gate → number|boolean${bad}; ${GATE_HELP}.`, {
      issues: parsed.error.issues,
    });
  }
  for (const [key, value] of Object.entries(parsed.data)) parseGateKey(key, value);
  return parsed.data;
}

/** Parses `min_auc=0.85` / `require_drift_check` / `forbid_formats=pickle,joblib` (as given on a command line). */
export function parseGateArg(arg: string): [string, number | boolean | string[]] {
  const eq = arg.indexOf('=');
  const key = (eq === -1 ? arg : arg.slice(0, eq)).trim();
  const raw = eq === -1 ? 'true' : arg.slice(eq + 1).trim();
  if (key === 'forbid_formats') return [key, parseFormatList(raw)];
  let value: number | boolean;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else {
    value = Number(raw);
    if (raw === '' || !Number.isFinite(value)) {
      throw new ValidationError(
        `gate ${JSON.stringify(arg)} has no numeric threshold; write it as ${key}=0.85.`,
        {
          gate: arg,
        },
      );
    }
  }
  parseGateKey(key, value);
  return [key, value];
}

/** What a gate is checked against. */
export interface GateSubject {
  metrics: Metrics;
  metadata: Record<string, unknown>;
  /** The artifact's detected format (absent on versions registered before detection). */
  format?: ArtifactFormat | undefined;
  /** Signing: the version's signature as the registry verified it (absent: unsigned). */
  signature?: { status: string; description: string } | undefined;
}

/** The current production version, for delta gates (null when nothing is in production). */
export interface GateBaseline {
  version: string;
  metrics: Metrics;
}

/** Production exists but cannot be compared with the candidate (measured on different evaluation sets). */
export interface IncomparableBaseline {
  incomparable: string;
}

/**
 * Evaluates every gate and reports each one, passed or not, with its actual value and
 * threshold. A missing metric fails its gate. Delta gates pass when there is no
 * production version to beat.
 */
export function evaluateGates(
  gates: Gates,
  candidate: GateSubject,
  baseline: GateBaseline | IncomparableBaseline | null,
  source: GateResult['source'],
): GateResult[] {
  return Object.entries(gates).map(([gate, value]) => {
    const g = parseGateKey(gate, value);
    const base = { gate, metric: g.metric, threshold: g.threshold, source };
    if (g.kind === 'forbid_formats') {
      const actual = candidate.format?.name ?? null;
      const forbidden = g.threshold as FormatName[];
      if (actual === null) {
        return {
          ...base,
          actual,
          passed: false,
          note: 'the format was not detected (the version was registered before format detection); register the artifact again',
        };
      }
      const passed = !forbidden.includes(actual);
      return {
        ...base,
        actual,
        passed,
        ...(passed
          ? {}
          : { note: `${actual} is a forbidden format${actual === 'unknown' ? '' : ' for this stage'}` }),
      };
    }
    if (g.kind === 'require_drift_check') {
      const actual = candidate.metadata.drift_check_passed;
      const flag = typeof actual === 'boolean' ? actual : null;
      const passed = g.threshold === false || flag === true;
      return {
        ...base,
        actual: flag,
        passed,
        ...(flag === null && g.threshold === true ? { note: 'metadata.drift_check_passed is missing' } : {}),
      };
    }
    if (g.kind === 'require_signature') {
      const sig = candidate.signature ?? { status: 'unsigned', description: 'unsigned' };
      if (g.threshold === false) return { ...base, actual: sig.description, passed: true };
      return {
        ...base,
        actual: sig.status === 'untrusted' ? 'signed by untrusted key' : sig.status,
        threshold: 'a signature by a trusted key',
        passed: sig.status === 'trusted',
        note: sig.description,
      };
    }
    const actualValue = candidate.metrics[g.metric];
    if (actualValue === undefined) {
      return { ...base, actual: null, passed: false, note: `metric ${g.metric} is missing` };
    }
    const threshold = g.threshold as number;
    if (g.kind === 'min') return { ...base, actual: actualValue, passed: actualValue >= threshold };
    if (g.kind === 'max') return { ...base, actual: actualValue, passed: actualValue <= threshold };
    if (baseline === null) {
      return { ...base, actual: null, passed: true, note: 'nothing in production to compare with' };
    }
    if ('incomparable' in baseline) {
      return { ...base, actual: null, passed: false, note: baseline.incomparable };
    }
    const baseValue = baseline.metrics[g.metric];
    if (baseValue === undefined) {
      return {
        ...base,
        actual: null,
        passed: false,
        note: `production version ${baseline.version} has no metric ${g.metric}`,
      };
    }
    const delta = roundDelta(actualValue - baseValue);
    const passed = g.kind === 'min_delta' ? delta >= threshold : delta <= threshold;
    return { ...base, actual: delta, passed, note: `vs production ${baseline.version} (${baseValue})` };
  });
}

/** Differences of floats such as 0.93 − 0.91 are rounded to 12 digits so 0.02 ≥ 0.02 holds. */
export function roundDelta(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}

/** A one-line summary of failing gates, e.g. `min_auc: 0.74 < 0.8`. */
export function describeFailures(results: GateResult[]): string {
  return results
    .filter((r) => !r.passed)
    .map((r) => {
      // list gates: require_model_card (what is missing of what is required), forbid_formats (the format found)
      if (Array.isArray(r.threshold)) {
        if (Array.isArray(r.actual) || r.gate === 'require_model_card')
          return `${r.gate}: ${Array.isArray(r.actual) ? `missing ${r.actual.join(', ')}` : 'not satisfied'}${r.note ? ` (${r.note})` : ''}`;
        return `${r.gate}: ${r.actual ?? 'not detected'} is one of ${r.threshold.join(', ')}`;
      }
      // yes/no checks (drift check, evaluation, approval) read better as their note
      if (typeof r.threshold === 'boolean' && r.gate !== 'require_drift_check')
        return `${r.gate}: ${r.note ?? 'not satisfied'}`;
      if (typeof r.threshold === 'string') return `${r.gate}: ${r.actual}, needs ${r.threshold}`;
      const op = r.gate.startsWith('max') ? '>' : r.gate === 'require_drift_check' ? '≠' : '<';
      return `${r.gate}: ${r.actual === null ? 'missing' : r.actual} ${op} ${r.threshold}${r.note ? ` (${r.note})` : ''}`;
    })
    .join('; ');
}
