import { readFileSync, statSync } from 'node:fs';
import { LIMITS } from '../app/inputs.js';
import { ValidationError } from '../core/errors.js';
import { METRIC_NAME } from '../core/gates.js';
import type { ParentModel } from '../core/model.js';

import { parseDecimal } from './decimal.js';

/** C0 and C1 control characters (escape codes, NUL, newlines …). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Refuses control characters, which a terminal would interpret when `info` prints the value. */
function refuseControl(what: string, value: string, field: string): void {
  if (CONTROL.test(value)) {
    throw new ValidationError(
      `${what} ${JSON.stringify(value)} contains a control character (an escape code, newline or NUL); use printable text only.`,
      { field, value },
    );
  }
}

/**
 * Parses `--metrics auc=0.93,f1=0.88` into numbers, refusing anything that is not a
 * decimal number. The map has no prototype, so `constructor` or `__proto__` are names like any other.
 */
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = eq === -1 ? item : item.slice(0, eq).trim();
    const raw = eq === -1 ? '' : item.slice(eq + 1).trim();
    const value = parseDecimal(raw);
    if (eq === -1 || value === null) {
      throw new ValidationError(
        `metric ${JSON.stringify(item)} is not name=number (a decimal number such as 0.93 or 1e-3); write --metrics auc=0.93,f1=0.88.`,
        { field: 'metrics', value: item },
      );
    }
    if (!METRIC_NAME.test(name)) {
      throw new ValidationError(
        `metric name ${JSON.stringify(name)} is not allowed: start with a letter or "_", then letters, digits, "_", "." or "-".`,
        { field: 'metrics', value: name },
      );
    }
    if (Object.hasOwn(out, name))
      throw new ValidationError(`metric ${name} is given twice.`, { field: 'metrics', value: name });
    out[name] = value;
  }
  return out;
}

/**
 * Parses repeatable `--tag key=value` into a map without a prototype (so `__proto__` is
 * kept as a tag), refusing a key given twice and control characters in keys or values.
 */
export function parseTags(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new ValidationError(`tag ${JSON.stringify(item)} is not key=value; write --tag team=fraud.`, {
        field: 'tags',
        value: item,
      });
    }
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    refuseControl('tag', item, 'tags');
    if (Object.hasOwn(out, key))
      throw new ValidationError(`tag ${key} is given twice; give each --tag key once.`, {
        field: 'tags',
        value: key,
      });
    out[key] = value;
  }
  return out;
}

/** Parses `--feature-set name@version` (the version after the last `@`). */
export function parseFeatureSet(text: string): { name: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) {
    throw new ValidationError(
      `feature set ${JSON.stringify(text)} is not name@version; write --feature-set transactions@7.`,
      { field: 'lineage.featureSet', value: text },
    );
  }
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

/**
 * Parses `--parent [use-case/]model@version`; the use case defaults to the registering one.
 * The relation is checked by the register schema.
 */
export function parseParent(text: string, useCase: string, relation: ParentModel['relation']): ParentModel {
  const at = text.lastIndexOf('@');
  const slash = text.indexOf('/');
  if (at <= 0 || at === text.length - 1 || (slash >= 0 && (slash === 0 || slash > at - 1))) {
    throw new ValidationError(
      `parent ${JSON.stringify(text)} is not [use-case/]model@version; write --parent base-model@1.2.0.`,
      { field: 'lineage.parent', value: text },
    );
  }
  const model = text.slice(0, at);
  return {
    useCase: slash >= 0 ? model.slice(0, slash) : useCase,
    modelName: slash >= 0 ? model.slice(slash + 1) : model,
    version: text.slice(at + 1),
    relation,
  };
}

/** Reads a JSON object from a file, saying which file and what is wrong with it. */
export function readJsonObject(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    // refuse a huge file before reading it: a 50 MB metadata file would take ~0.5 GB of memory
    const size = statSync(path).size;
    if (size > LIMITS.jsonFileBytes) {
      throw new ValidationError(
        `${what} file ${path} is ${size} bytes; the limit is ${LIMITS.jsonFileBytes} bytes (1 MiB). Keep large data in the artifact.`,
        { field: what, value: path },
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ValidationError) throw e;
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
    // JSON.parse keeps "__proto__" as an own key (it does not set the prototype)
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
