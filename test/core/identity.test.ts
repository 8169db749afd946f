import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { NAME_PATTERN, validateAlias, validateName, validateRef } from '../../src/core/identity.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('validateName', () => {
  it.each([
    'churn',
    'a',
    'A',
    '7',
    'fraud-detector',
    'fraud_detector',
    'model.v2',
    'X1_y-2.z',
    'a'.repeat(128),
    `0${'-'.repeat(127)}`,
  ])('accepts %j', (name) => {
    // Act
    const result = validateName('model name', name);

    // Assess
    expect(result).toBe(name);
  });

  it.each([
    ['"../x"', '../x'],
    ['"a/b"', 'a/b'],
    ['"a\\\\b"', 'a\\b'],
    ['".."', '..'],
    ['"a..b"', 'a..b'],
    ['"-a"', '-a'],
    ['".a"', '.a'],
    ['"_a"', '_a'],
    ['"a b"', 'a b'],
    ['" a"', ' a'],
    ['"a "', 'a '],
    ['"a\\u0000b"', 'a\u0000b'],
    ['"a\\nb"', 'a\nb'],
    ['"a\\tb"', 'a\tb'],
    ['"é"', 'é'],
    ['"a:b"', 'a:b'],
    ['"a#b"', 'a#b'],
    [`129 × "a"`, 'a'.repeat(129)],
  ])('refuses %s, naming the value and the rule', (_label, value) => {
    // Act
    const error = thrown(() => validateName('model name', value));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.name).toBe('ValidationError');
    expect(e.message).toContain(`model name ${JSON.stringify(value)} is not allowed`);
    expect(e.message).toContain('start with a letter or digit');
    expect(e.message).toContain('no "/", no ".."');
    expect(e.details).toMatchObject({ field: 'model name', value, rule: NAME_PATTERN.source });
  });

  it.each([
    ['an empty string', ''],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { name: 'x' }],
  ])('refuses %s as missing, naming the field and the rule', (_label, value) => {
    // Act
    const error = thrown(() => validateName('use case', value));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^use case is required: it must start with a letter or digit/);
    expect((error as ValidationError).details).toMatchObject({ field: 'use case' });
  });
});

describe('validateRef', () => {
  it('returns both halves of a valid identity', () => {
    // Act
    const ref = validateRef('fraud', 'detector');

    // Assess
    expect(ref).toEqual({ useCase: 'fraud', modelName: 'detector' });
  });

  it.each([
    ['use case', '../etc', 'detector'],
    ['model name', 'fraud', 'a/b'],
  ])('refuses a bad %s', (field, useCase, modelName) => {
    // Act
    const error = thrown(() => validateRef(useCase, modelName));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.field).toBe(field);
  });
});

describe('validateAlias', () => {
  it.each(['champion', 'challenger-2', 'Prod_v1', 'a.b'])('accepts %j', (alias) => {
    // Act / Assess
    expect(validateAlias(alias)).toBe(alias);
  });

  it.each(['1', '1.0.0', '2champion', '0x'])('refuses %j because it starts with a digit', (alias) => {
    // Act
    const error = thrown(() => validateAlias(alias));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(`alias ${JSON.stringify(alias)} starts with a digit`);
    expect((error as Error).message).toContain('start it with a letter');
  });

  it.each(['', '-x', 'a/b', 'a..b'])('refuses %j by the name rule', (alias) => {
    // Act
    const error = thrown(() => validateAlias(alias));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.field).toBe('alias');
  });
});
