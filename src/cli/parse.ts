import { readFileSync } from 'node:fs';
import { ValidationError } from '../core/errors.js';
import { METRIC_NAME } from '../core/gates.js';

/** Parses `--metrics auc=0.93,f1=0.88` into numbers, refusing anything that is not one. */
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = eq === -1 ? item : item.slice(0, eq).trim();
    const raw = eq === -1 ? '' : item.slice(eq + 1).trim();
    const value = Number(raw);
    if (eq === -1 || raw === '' || !Number.isFinite(value)) {
      throw new ValidationError(
        `metric ${JSON.stringify(item)} is not name=number; write --metrics auc=0.93,f1=0.88.`,
        { field: 'metrics', value: item },
      );
    }
    if (!METRIC_NAME.test(name)) {
      throw new ValidationError(
        `metric name ${JSON.stringify(name)} is not allowed: start with a letter or "_", then letters, digits, "_", "." or "-".`,
        { field: 'metrics', value: name },
      );
    }
    if (name in out)
      throw new ValidationError(`metric ${name} is given twice.`, { field: 'metrics', value: name });
    out[name] = value;
  }
  return out;
}

/** Parses repeatable `--tag key=value`. */
export function parseTags(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new ValidationError(`tag ${JSON.stringify(item)} is not key=value; write --tag team=fraud.`, {
        field: 'tags',
        value: item,
      });
    }
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** Reads a JSON object from a file, saying which file and what is wrong with it. */
export function readJsonObject(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ValidationError(
      `cannot read ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      {
        field: what,
        value: path,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValidationError(`${what} file ${path} is not valid JSON: ${(e as Error).message}.`, {
      field: what,
      value: path,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(`${what} file ${path} must hold a JSON object ({"name": value, …}).`, {
      field: what,
      value: path,
    });
  }
  return value as Record<string, unknown>;
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a positive integer option. */
export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new ValidationError(`${name} must be a positive whole number, not ${JSON.stringify(value)}.`, {
        field: name,
        value,
      });
    }
    return n;
  };
}
