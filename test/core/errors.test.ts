import { describe, expect, it } from 'vitest';
import {
  AliasNotFoundError,
  ArtifactIntegrityError,
  AuditChainError,
  ConcurrentModificationError,
  ConflictError,
  GateFailedError,
  IntegrityError,
  InvalidTransitionError,
  ModelNotFoundError,
  ModelregError,
  NotFoundError,
  ValidationError,
  VersionExistsError,
  VersionNotFoundError,
} from '../../src/core/errors.js';

type ErrorClass = new (message: string, details?: Record<string, unknown>) => ModelregError;

describe('errors', () => {
  it.each<[string, ErrorClass, ErrorClass]>([
    ['ModelregError', ModelregError, ModelregError],
    ['ValidationError', ValidationError, ModelregError],
    ['NotFoundError', NotFoundError, ModelregError],
    ['ModelNotFoundError', ModelNotFoundError, NotFoundError],
    ['VersionNotFoundError', VersionNotFoundError, NotFoundError],
    ['AliasNotFoundError', AliasNotFoundError, NotFoundError],
    ['ConflictError', ConflictError, ModelregError],
    ['InvalidTransitionError', InvalidTransitionError, ConflictError],
    ['VersionExistsError', VersionExistsError, ConflictError],
    ['ConcurrentModificationError', ConcurrentModificationError, ConflictError],
    ['GateFailedError', GateFailedError, ModelregError],
    ['IntegrityError', IntegrityError, ModelregError],
    ['ArtifactIntegrityError', ArtifactIntegrityError, IntegrityError],
    ['AuditChainError', AuditChainError, IntegrityError],
  ])('%s keeps its stable name and extends its parent class', (name, Cls, Parent) => {
    // Act
    const error = new Cls('boom', { value: 1 });

    // Assess
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Parent);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('boom');
    expect(error.details).toEqual({ value: 1 });
    expect(String(error)).toBe(`${name}: boom`);
  });

  it('defaults details to an empty object', () => {
    // Act / Assess
    expect(new ValidationError('x').details).toEqual({});
  });
});
