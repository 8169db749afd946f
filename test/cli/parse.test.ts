/** The CLI's own parsing of --metrics and --tag: decimal numbers only, no prototype keys, no duplicates. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/app/inputs.js';
import { parseMetrics, parseTags, readJsonObject } from '../../src/cli/parse.js';
import { ValidationError } from '../../src/core/errors.js';

function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  return expect.fail('expected a ValidationError');
}

describe('parseMetrics', () => {
  it.each(['0x10', '0o7', '0b1', 'Infinity', '-Infinity', '1e999', ' ', '1_000', '1.2.3'])(
    'refuses %j, which is not a finite decimal number',
    (raw) => {
      const error = refusal(() => parseMetrics(`auc=${raw}`));
      expect(error.message).toContain('decimal number');
    },
  );

  it.each([
    ['0.93', 0.93],
    ['-1', -1],
    ['+2', 2],
    ['1e-3', 0.001],
    ['.5', 0.5],
    ['7.', 7],
  ])('accepts the decimal number %j', (raw, value) => {
    expect(parseMetrics(`auc=${raw}`).auc).toBe(value);
  });

  it('takes constructor and __proto__ as ordinary metric names', () => {
    // Act
    const m = parseMetrics('constructor=1,__proto__=2,toString=3');

    // Assess
    expect(Object.entries(m)).toEqual([
      ['constructor', 1],
      ['__proto__', 2],
      ['toString', 3],
    ]);
  });

  it('still refuses a metric given twice', () => {
    expect(refusal(() => parseMetrics('__proto__=1,__proto__=2')).message).toContain('given twice');
  });
});

describe('parseTags', () => {
  it('refuses a key given twice instead of keeping the last', () => {
    const error = refusal(() => parseTags(['team=fraud', 'team=risk']));
    expect(error.message).toContain('team is given twice');
  });

  it('keeps __proto__ and constructor as tags', () => {
    const tags = parseTags(['__proto__=a', 'constructor=b']);
    expect(Object.entries(tags)).toEqual([
      ['__proto__', 'a'],
      ['constructor', 'b'],
    ]);
  });

  it.each(['\u001b[31mred', 'two\nlines', 'nul\u0000', 'c1\u009b'])(
    'refuses the control characters in %j',
    (value) => {
      expect(refusal(() => parseTags([`note=${value}`])).message).toContain('control character');
    },
  );
});

describe('readJsonObject', () => {
  it('refuses a file over the JSON file limit before reading it, saying the limit', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'modelreg-parse-'));
    const file = join(dir, 'metadata.json');
    writeFileSync(file, `{"notes": "${'x'.repeat(LIMITS.jsonFileBytes)}"}`);
    try {
      // Act
      const error = refusal(() => readJsonObject(file, 'metadata'));

      // Assess
      expect(error.message).toContain(`the limit is ${LIMITS.jsonFileBytes} bytes`);
      expect(error.message).toContain(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
