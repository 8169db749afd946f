import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/canonical-json.js';

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['sorts object keys', { b: 1, a: 2, c: 3 }, '{"a":2,"b":1,"c":3}'],
    ['sorts nested object keys', { z: { y: 1, x: [{ b: 1, a: 2 }] } }, '{"z":{"x":[{"a":2,"b":1}],"y":1}}'],
    ['sorts keys by code unit, uppercase first', { b: 1, B: 2, a: 3 }, '{"B":2,"a":3,"b":1}'],
    ['drops undefined members', { a: 1, b: undefined }, '{"a":1}'],
    ['keeps null members', { a: null }, '{"a":null}'],
    ['writes undefined array items as null', [1, undefined, 2], '[1,null,2]'],
    ['keeps array order', [3, 1, 2], '[3,1,2]'],
    ['writes no whitespace', { a: [1, { b: 'x y' }] }, '{"a":[1,{"b":"x y"}]}'],
    ['escapes strings as JSON does', { 'k"': 'a\nb' }, '{"k\\"":"a\\nb"}'],
    ['writes numbers in shortest round-trip form', [0.1, 1e21, -0, 1.5e-7], '[0.1,1e+21,0,1.5e-7]'],
    ['writes a top-level undefined as null', undefined, 'null'],
    ['writes booleans and null', [true, false, null], '[true,false,null]'],
    ['writes an empty object and array', { a: {}, b: [] }, '{"a":{},"b":[]}'],
  ])('%s', (_label, value, expected) => {
    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe(expected);
  });

  it('is stable whatever order the keys were inserted in', () => {
    // Prepare
    const a = { actor: 'x', details: { m: 1, n: [1, 2] }, seq: 1 };
    const b = { seq: 1, details: { n: [1, 2], m: 1 }, actor: 'x' };

    // Act / Assess
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it('is the same on repeated calls and parses back to an equal value', () => {
    // Prepare
    const value = { b: [1, 'two', { c: null }], a: { z: true } };

    // Act
    const first = canonicalJson(value);
    const second = canonicalJson(value);

    // Assess
    expect(second).toBe(first);
    expect(JSON.parse(first)).toEqual(value);
  });

  it('differs when a value differs', () => {
    // Act / Assess
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'refuses the non-finite number %d',
    (n) => {
      // Act / Assess
      expect(() => canonicalJson({ a: n })).toThrow(TypeError);
    },
  );
});
