import { ValidationError } from './errors.js';
import type { ModelRef } from './model.js';

/**
 * Names become path segments (local store), S3 key segments and DynamoDB keys, so they
 * are restricted to a portable alphabet: no separators, no `..`, no control characters.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const NAME_RULE =
  'start with a letter or digit, then up to 127 letters, digits, "_", "." or "-" (no "/", no "..", no spaces)';

/** Returns `value` when it is a valid name; otherwise says which rule it broke. */
export function validateName(kind: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(`${kind} is required: it must ${NAME_RULE}.`, { field: kind, value });
  }
  if (!NAME_PATTERN.test(value) || value.includes('..')) {
    throw new ValidationError(`${kind} ${JSON.stringify(value)} is not allowed: it must ${NAME_RULE}.`, {
      field: kind,
      value,
      rule: NAME_PATTERN.source,
    });
  }
  return value;
}

/** Validates both halves of a model identity. */
export function validateRef(useCase: unknown, modelName: unknown): ModelRef {
  return { useCase: validateName('use case', useCase), modelName: validateName('model name', modelName) };
}

/** Alias names follow the same rule as model names, and may not look like a version. */
export function validateAlias(value: unknown): string {
  const alias = validateName('alias', value);
  if (/^\d/.test(alias)) {
    throw new ValidationError(
      `alias ${JSON.stringify(alias)} starts with a digit and could be mistaken for a version; start it with a letter (e.g. "champion").`,
      { field: 'alias', value: alias },
    );
  }
  return alias;
}
