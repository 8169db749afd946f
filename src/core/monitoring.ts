/**
 * Live monitoring: metric observations reported after deployment, the policy's monitoring
 * rules, and the pure decision of whether a rule's breach is sustained.
 *
 * A breach is SUSTAINED when, with T the time the rule is judged at and D the rule's
 * `sustainedFor`:
 * - every observation of the metric whose time `at` lies in the span (T − D, T] breaches
 *   the threshold (value < min, or value > max), and
 * - the windows of those observations, each covering [at − window, at], together cover the
 *   whole span [T − D, T] with no gap.
 * An observation exactly at T − D lies outside the span (its window ends where the span
 * starts), so it neither counts for nor against the breach.
 *
 * T is the time of an observation, never the wall clock, so the same observations always
 * give the same answer. After a report, T is the time of the REPORTED observation and
 * observations after T are left out (`evaluateRule`'s `at`): each report is judged on the
 * span that ends with it. Anchoring on the newest stored observation instead would let one
 * observation dated in the future (a skewed clock, a typo in --at) hold the span in the
 * future forever, so that no later breach could ever be sustained. Reports more than
 * MAX_REPORT_SKEW_MS after the registry clock are refused as well; judging per report keeps
 * the rules sound even for observations stored before that refusal existed.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from './errors.js';
import type { ModelRef } from './model.js';

/** How far after the registry clock a report's `at` may lie (clock skew between reporter and registry). */
export const MAX_REPORT_SKEW_MS = 5 * 60_000;

/** The most units a duration may have: `999999d` is the longest. */
const MAX_DURATION_UNITS = 999_999;
const DURATION_FORM = /^(\d+)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const TOO_LONG = `at most ${MAX_DURATION_UNITS} minutes, hours or days (the longest is ${MAX_DURATION_UNITS}d)`;

/** Why a duration text is refused, or null when it is one. */
function durationProblem(text: string): 'form' | 'too-long' | null {
  const m = DURATION_FORM.exec(text.trim());
  if (!m || !/^[1-9]/.test(m[1]!)) return 'form';
  return m[1]!.length > String(MAX_DURATION_UNITS).length || Number(m[1]) > MAX_DURATION_UNITS
    ? 'too-long'
    : null;
}

/** Milliseconds of a duration written `30m`, `6h` or `2d`; throws a ValidationError that says the form. */
export function parseDuration(text: string, what = 'duration'): number {
  const problem = durationProblem(text);
  if (problem === 'too-long') {
    throw new ValidationError(`${what} ${JSON.stringify(text)} is too long: ${TOO_LONG}.`);
  }
  if (problem === 'form') {
    throw new ValidationError(
      `${what} ${JSON.stringify(text)} is not a duration; write a whole number of minutes, hours or days (30m, 6h, 2d).`,
    );
  }
  const m = DURATION_FORM.exec(text.trim())!;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A duration string that parses, for schemas. */
export const DurationSchema = z.string().superRefine((v, ctx) => {
  const problem = durationProblem(v);
  if (problem !== null) {
    ctx.addIssue({
      code: 'custom',
      message:
        problem === 'too-long'
          ? `${JSON.stringify(v)} is too long: ${TOO_LONG}`
          : 'write a whole number of minutes, hours or days (30m, 6h, 2d)',
    });
  }
});

/** What a sustained breach does besides recording a regression event and notifying. */
export const MONITOR_ACTIONS = ['notify', 'rollback', 'archive'] as const;
export type MonitorAction = (typeof MONITOR_ACTIONS)[number];

/** A metric name as gates and versions spell it. */
export const MetricNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'a metric name uses letters, digits, "_", "." or "-" (e.g. auc)');

/** One monitoring rule of a policy: a bound on a live metric that must hold over `sustainedFor`. */
export const MonitoringRuleSchema = z
  .object({
    metric: MetricNameSchema,
    /** The metric must stay at or above this. */
    min: z.number({ error: 'the threshold must be a finite number (e.g. 0.8)' }).finite().optional(),
    /** The metric must stay at or below this. */
    max: z.number({ error: 'the threshold must be a finite number (e.g. 250)' }).finite().optional(),
    /** How long the breach must last before the rule acts, e.g. `6h`. */
    sustainedFor: DurationSchema,
    action: z.enum(MONITOR_ACTIONS).default('notify'),
  })
  .strict()
  .refine((r) => (r.min === undefined) !== (r.max === undefined), {
    message: 'a monitoring rule has exactly one bound: min (metric >= min) or max (metric <= max)',
  });
export type MonitoringRule = z.infer<typeof MonitoringRuleSchema>;

/**
 * Parses the command-line form `auc>=0.8 for 6h then rollback` (or `latency_ms<=250 for
 * 30m`, the action defaulting to notify) into a rule.
 */
export function parseMonitorRule(text: string): MonitoringRule {
  const m =
    /^\s*([A-Za-z][A-Za-z0-9_.-]*)\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s+for\s+(\S+)(?:\s+then\s+(\S+))?\s*$/i.exec(
      text,
    );
  if (!m) {
    throw new ValidationError(
      `monitoring rule ${JSON.stringify(text)} is not "<metric> >=|<= <threshold> for <duration> [then notify|rollback|archive]" (e.g. "auc>=0.8 for 6h then rollback").`,
    );
  }
  const [, metric, op, threshold, sustainedFor, action] = m;
  parseDuration(sustainedFor!, `the duration of rule ${JSON.stringify(text)}`);
  if (action !== undefined && !(MONITOR_ACTIONS as readonly string[]).includes(action)) {
    throw new ValidationError(
      `monitoring rule ${JSON.stringify(text)} has action ${JSON.stringify(action)}; use one of ${MONITOR_ACTIONS.join(', ')}.`,
    );
  }
  const value = Number(threshold);
  const [mantissa] = threshold!.toLowerCase().split('e');
  if (!Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa!))) {
    throw new ValidationError(
      `monitoring rule ${JSON.stringify(text)} has threshold ${threshold}, too large or too small to represent: the threshold must be a finite number (e.g. 0.8 or 250).`,
      { field: 'monitoring', value: threshold },
    );
  }
  const bound = op === '>=' ? { min: value } : { max: value };
  const parsed = MonitoringRuleSchema.safeParse({
    metric,
    ...bound,
    sustainedFor,
    action: action ?? 'notify',
  });
  if (!parsed.success) {
    throw new ValidationError(
      `monitoring rule ${JSON.stringify(text)} is refused: ${parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}.`,
      { field: 'monitoring', value: text },
    );
  }
  return parsed.data;
}

/** The rule as people write it: `auc>=0.8 for 6h then rollback`. */
export function describeRule(rule: MonitoringRule): string {
  const bound = rule.min !== undefined ? `>=${rule.min}` : `<=${rule.max}`;
  return `${rule.metric}${bound} for ${rule.sustainedFor} then ${rule.action}`;
}

/** A stable short key of a rule, part of the id of the record that says it already acted. */
export function ruleKey(rule: MonitoringRule): string {
  return createHash('sha256').update(describeRule(rule)).digest('hex').slice(0, 16);
}

/** One live observation of one metric of one version, over the window that ends at `at`. */
export const ObservationSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  metric: z.string(),
  value: z.number(),
  /** End of the window the value was measured over (ISO 8601, UTC). */
  at: z.string(),
  windowSeconds: z.number().int().positive(),
  reportedBy: z.string(),
  receivedAt: z.string(),
});
export type Observation = z.infer<typeof ObservationSchema>;

/** Record ids and scopes of monitoring, one place. */
export const monitorIds = {
  /** Observations of one version: listed together for status and evaluation. */
  observationScope: (ref: ModelRef, version: string) => `${ref.useCase}/${ref.modelName}@${version}`,
  /**
   * The same (version, metric, at, window) always has the same id, so a redelivered report
   * finds its observation already written and writes nothing.
   */
  observation: (ref: ModelRef, version: string, metric: string, at: string, windowSeconds: number) =>
    `${ref.useCase}/${ref.modelName}@${version}/${metric}/${at}/${windowSeconds}`,
  /** The fact that a rule acted on one breach of one version: written once, in the act's commit. */
  action: (ref: ModelRef, version: string, rule: MonitoringRule, breachStart: string) =>
    `${ref.useCase}/${ref.modelName}@${version}/${ruleKey(rule)}/${breachStart}`,
};

/** Whether one value breaks the rule's bound. */
export function breaches(rule: MonitoringRule, value: number): boolean {
  return rule.min !== undefined ? value < rule.min : value > (rule.max as number);
}

/** Where a rule stands on the observations of a version. */
export interface RuleEvaluation {
  rule: string;
  metric: string;
  /** no-data: no observation; ok: the newest one holds; breaching: it breaks the bound, not yet for long enough; sustained: see the module comment. */
  state: 'no-data' | 'ok' | 'breaching' | 'sustained';
  latest: { value: number; at: string } | null;
  /** The span (T − sustainedFor, T] that was judged. */
  span: { from: string; to: string } | null;
  /** Start of the unbroken run of breaching windows that ends at T (no good observation ends after it). */
  breachStart: string | null;
  /** Why the state is what it is, in a sentence. */
  reason: string;
}

interface Window {
  from: number;
  to: number;
  value: number;
}

/**
 * Judges one rule on a version's observations (of any metric; the rule's are picked out).
 * With `at`, the span ends at `at` and later observations are left out (see the module
 * comment); without it, at the newest observation.
 */
export function evaluateRule(
  rule: MonitoringRule,
  observations: readonly Observation[],
  at?: string,
): RuleEvaluation {
  const text = describeRule(rule);
  const until = at === undefined ? Number.POSITIVE_INFINITY : Date.parse(at);
  const windows: Window[] = observations
    .filter((o) => o.metric === rule.metric)
    .map((o) => {
      const to = Date.parse(o.at);
      return { from: to - o.windowSeconds * 1000, to, value: o.value };
    })
    .filter((w) => w.to <= until)
    .sort((a, b) => b.to - a.to || a.from - b.from);
  const base = { rule: text, metric: rule.metric };
  const newest = windows[0];
  if (!newest) {
    return {
      ...base,
      state: 'no-data',
      latest: null,
      span: null,
      breachStart: null,
      reason: `no observation of ${rule.metric} yet.`,
    };
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const latest = { value: newest.value, at: iso(newest.to) };
  const end = newest.to;
  const start = end - parseDuration(rule.sustainedFor);
  const span = { from: iso(start), to: iso(end) };
  if (!breaches(rule, newest.value)) {
    return {
      ...base,
      state: 'ok',
      latest,
      span,
      breachStart: null,
      reason: `${rule.metric}=${newest.value} holds.`,
    };
  }
  // the unbroken run of breaching windows that ends at the newest one; it starts no earlier
  // than the end of a good window, so every observation after breachStart breaches
  let runStart = newest.from;
  for (const w of windows.slice(1)) {
    if (w.to < runStart) break;
    if (!breaches(rule, w.value)) {
      runStart = Math.max(runStart, w.to);
      break;
    }
    runStart = Math.min(runStart, w.from);
  }
  const breachStart = iso(runStart);
  const inSpan = windows.filter((w) => w.to > start);
  const good = inSpan.find((w) => !breaches(rule, w.value));
  if (good) {
    return {
      ...base,
      state: 'breaching',
      latest,
      span,
      breachStart,
      reason: `${rule.metric}=${good.value} at ${iso(good.to)} held within the last ${rule.sustainedFor}.`,
    };
  }
  let covered = start;
  for (const w of [...inSpan].sort((a, b) => a.from - b.from)) {
    if (w.from > covered) {
      return {
        ...base,
        state: 'breaching',
        latest,
        span,
        breachStart,
        reason: `no observation of ${rule.metric} covers ${iso(covered)} to ${iso(w.from)}; a breach counts only when the windows cover the whole ${rule.sustainedFor}.`,
      };
    }
    covered = Math.max(covered, w.to);
  }
  return {
    ...base,
    state: 'sustained',
    latest,
    span,
    breachStart,
    // one start time in the text: the breach's (the span judged lies inside it)
    reason: `every observation of ${rule.metric} from ${breachStart} to ${span.to} breaks ${text.split(' for ')[0]}, at least the ${rule.sustainedFor} the rule needs.`,
  };
}
