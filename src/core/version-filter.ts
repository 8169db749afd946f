/**
 * Filters of a version listing by tag (`key=value`) and metric (`auc>=0.9`), as the API's
 * `tag` and `metric` query parameters spell them. Pure: parsing refuses what can never match.
 */
import { ValidationError } from './errors.js';
import type { ModelVersion } from './model.js';

/** A metric condition. */
export interface MetricCondition {
  metric: string;
  op: '>=' | '<=' | '>' | '<' | '=';
  value: number;
}

/** Filters a version must pass: every tag equal, every metric condition true. */
export interface VersionFilter {
  tags: Record<string, string>;
  metrics: MetricCondition[];
}

/** Parses `key=value` tags and `name<op>number` metric conditions. */
export function parseVersionFilter(tags: readonly string[], metrics: readonly string[]): VersionFilter {
  const filter: VersionFilter = { tags: {}, metrics: [] };
  for (const t of tags) {
    const at = t.indexOf('=');
    if (at <= 0)
      throw new ValidationError(`tag filter ${JSON.stringify(t)} must be key=value.`, { field: 'tag' });
    filter.tags[t.slice(0, at)] = t.slice(at + 1);
  }
  for (const m of metrics) {
    const match = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*(>=|<=|>|<|=)\s*(-?[0-9.]+(?:e-?[0-9]+)?)$/i.exec(m);
    const value = match ? Number(match[3]) : Number.NaN;
    if (!match || !Number.isFinite(value))
      throw new ValidationError(
        `metric filter ${JSON.stringify(m)} must be NAME OP NUMBER with OP one of >= <= > < = (e.g. auc>=0.9).`,
        { field: 'metric' },
      );
    filter.metrics.push({ metric: match[1]!, op: match[2] as MetricCondition['op'], value });
  }
  return filter;
}

/** True when the version passes the filter (a missing metric fails its condition). */
export function matchesFilter(v: Pick<ModelVersion, 'tags' | 'metrics'>, f: VersionFilter): boolean {
  for (const [k, value] of Object.entries(f.tags)) if (v.tags[k] !== value) return false;
  for (const c of f.metrics) {
    const x = v.metrics[c.metric];
    if (x === undefined) return false;
    const ok =
      c.op === '>='
        ? x >= c.value
        : c.op === '<='
          ? x <= c.value
          : c.op === '>'
            ? x > c.value
            : c.op === '<'
              ? x < c.value
              : x === c.value;
    if (!ok) return false;
  }
  return true;
}
