import Table from 'cli-table3';
import type { AuditEvent } from '../core/audit.js';
import type { GateResult } from '../core/gates.js';
import type { ModelVersion } from '../core/model.js';

const BLANK = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** An aligned, borderless table with a dashed rule under the header, like the reference CLI. */
/**
 * A cell as the terminal should show it: control characters (escape sequences, carriage
 * returns, line breaks) written as visible `\u001b`-style escapes, so stored text can never
 * move the cursor, recolour the screen or forge another line of output.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** C0 and C1 control characters, DEL included. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these characters are what printable() replaces
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function table(head: string[], input: string[][]): string {
  const rows = input.map((r) => r.map(printable));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const t = new Table({
    chars: BLANK,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  t.push(
    head,
    widths.map((w) => '-'.repeat(w)),
    ...rows,
  );
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** `2024-06-15T02:10:00.123Z` → `2024-06-15T02:10:00Z`. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d{3}Z$/, 'Z') : '-';
}

/** A number with 4 decimals (metrics) or as-is. */
export function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

/** A signed delta: `+0.0200`. */
export function signed(x: number | null): string {
  if (x === null) return '-';
  return `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
}

/** The "Key metrics" column: the first three metrics as `auc=0.930, f1=0.880`. */
export function keyMetrics(metrics: Record<string, number>, count = 3): string {
  return Object.entries(metrics)
    .slice(0, count)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
    .join(', ');
}

/** The versions table of `models list`. */
export function versionsTable(items: ModelVersion[]): string {
  // the Line column only when a version targets a named release line
  const lines = items.some((v) => v.line);
  return table(
    ['Version', 'Stage', ...(lines ? ['Line'] : []), 'Aliases', 'Registered', 'Key metrics'],
    items.map((v) => [
      v.version,
      v.stage,
      ...(lines ? [v.line ?? 'default'] : []),
      v.aliases.join(',') || '-',
      shortTime(v.registeredAt),
      keyMetrics(v.metrics),
    ]),
  );
}

/** The gates table of a promotion. */
export function gatesTable(gates: GateResult[]): string {
  const show = (x: GateResult['actual']) =>
    x === null
      ? 'missing'
      : typeof x === 'number'
        ? num(x)
        : Array.isArray(x)
          ? x.join(', ') || 'none'
          : String(x);
  return table(
    ['Gate', 'Actual', 'Threshold', 'Result', 'Note'],
    gates.map((g) => [g.gate, show(g.actual), show(g.threshold), g.passed ? 'pass' : 'FAIL', g.note ?? '']),
  );
}

/** The audit trail table. */
export function auditTable(items: AuditEvent[]): string {
  return table(
    ['Seq', 'At', 'Actor', 'Action', 'Version', 'Change', 'Why', 'Hash'],
    items.map((e) => [
      String(e.seq),
      shortTime(e.at),
      e.actor,
      e.action,
      e.version ?? '-',
      e.fromStage || e.toStage ? `${e.fromStage ?? '∅'} → ${e.toStage ?? '∅'}` : describeDetails(e),
      describeWhy(e),
      e.hash.slice(0, 12),
    ]),
  );
}

/** The reason, the gates checked (actual vs threshold) and any bypass an event records. */
export function describeWhy(e: AuditEvent): string {
  const d = e.details as Record<string, unknown>;
  const parts: string[] = [];
  if (d.gatesSkipped === true) parts.push('GATES SKIPPED');
  if (typeof d.reason === 'string' && d.reason) parts.push(d.reason);
  if (Array.isArray(d.gates)) {
    for (const g of d.gates as { gate?: unknown; actual?: unknown; threshold?: unknown }[]) {
      parts.push(`${String(g.gate)} ${formatValue(g.actual)} vs ${formatValue(g.threshold)}`);
    }
  }
  return parts.join('; ');
}

function formatValue(v: unknown): string {
  return typeof v === 'number' ? num(v) : v === null || v === undefined ? '-' : String(v);
}

function describeDetails(e: AuditEvent): string {
  if (e.action.startsWith('alias.')) {
    const d = e.details as { alias?: unknown; weight?: unknown; shadow?: unknown };
    const routing = typeof d.weight === 'number' ? ` weight ${d.weight}` : d.shadow === true ? ' shadow' : '';
    return `@${String(d.alias)}${routing}`;
  }
  if (e.action === 'policy.set') return 'policy changed';
  // the other changes (deployments, variants, events, keys, webhooks …): their short scalar details
  const text = Object.entries(e.details)
    .filter(
      ([k, v]) =>
        k !== 'reason' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'),
    )
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
