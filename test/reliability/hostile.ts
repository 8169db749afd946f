/**
 * fast-check generators of hostile input: names with path traversal, unicode, NUL and
 * control characters, 10k-character strings; metric values that are not finite numbers;
 * bad versions; bad JSON; and events that keep a valid base with one field made hostile.
 */
import fc from 'fast-check';

/** Strings a name, version or free-text field should refuse (or carry harmlessly). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '../../etc/passwd',
    '..\\..\\windows',
    '/abs/path',
    'a/b',
    'nul\u0000byte',
    'bell\u0007',
    'esc\u001b[31mred',
    'rtl\u202eevil',
    'zero\u200bwidth',
    'emoji😀',
    'Ωμέγα',
    '__proto__',
    'constructor',
    'prototype',
    'valueOf',
    'toString',
    'hasOwnProperty',
    'CON',
    '1.0.0',
    'v1',
    '01.2.3',
    '1.2',
    '-1.0.0',
    '1.0.0-',
    '999999999999999999999.0.0',
    '@',
    '@alias',
    'a@b@c',
    '%2e%2e%2f',
    '\n',
    '\t',
  ),
  fc.constant('x'.repeat(10_000)),
  fc.constant('é'.repeat(5_000)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Metric values: NaN, ±Infinity, 1e999 (Infinity once parsed), huge and tiny numbers, strings, nulls. */
export const hostileMetric: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    JSON.parse('1e999'),
    -0,
    1e308,
    5e-324,
  ),
  fc.double(),
  fc.constantFrom('0.9', '0x10', 'NaN', '', null, true, [], {}),
);

/** Any JSON-ish value, hostile strings included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  hostileString,
  hostileMetric,
  fc.integer(),
  fc.constant(undefined),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileMetric, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A record of hostile metrics, duplicate-looking and prototype keys included. */
export const hostileMetrics: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(hostileString, hostileMetric, { maxKeys: 4 }),
  fc.constant(JSON.parse('{"__proto__": 1, "constructor": 2, "auc": 0.9}')),
  fc.constant(JSON.parse('{"auc": 0.9, "auc": "0.8"}')),
  hostileValue,
);

/** `base` with some fields replaced by hostile values, some removed and some added. */
export function mutated(base: Record<string, unknown>, extra: Record<string, fc.Arbitrary<unknown>> = {}) {
  const keys = Object.keys(base);
  return fc
    .record({
      replace: fc.dictionary(fc.constantFrom(...keys), hostileValue, { maxKeys: 2 }),
      special: fc.record(extra, { requiredKeys: [] }),
      drop: fc.subarray(keys, { maxLength: Math.min(2, keys.length) }),
      add: fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }),
    })
    .map(({ replace, special, drop, add }) => {
      const out: Record<string, unknown> = { ...add, ...base, ...replace, ...special };
      for (const k of drop) delete out[k];
      return out;
    });
}

/** Input that is not an object at all, or is bad JSON taken as a string. */
export const notAnEvent: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, 0, '', '{', '{"useCase": ', '[]', 'null', true, [], [1, 2]),
  fc.string({ maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }),
);
