import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../src/core/errors.js';
import { STAGES, type Stage } from '../../src/core/model.js';
import {
  ALLOWED_MOVES,
  assertTransition,
  type LifecycleAction,
  nextStage,
} from '../../src/core/transitions.js';

const ACTIONS: readonly LifecycleAction[] = ['promote', 'demote', 'archive', 'rollback', 'deprecate'];

/** The lifecycle as the design notes draw it, written out independently of ALLOWED_MOVES. */
const EXPECTED: Record<LifecycleAction, readonly string[]> = {
  promote: ['development→staging', 'staging→production'],
  demote: ['production→staging', 'production→development', 'staging→development'],
  archive: [
    'development→archived',
    'staging→archived',
    'production→archived',
    'superseded→archived',
    'deprecated→archived',
  ],
  rollback: ['archived→production', 'staging→production', 'superseded→production'],
  deprecate: [
    'development→deprecated',
    'staging→deprecated',
    'superseded→deprecated',
    'production→deprecated',
  ],
};

const cases = ACTIONS.flatMap((action) =>
  STAGES.flatMap((from) =>
    STAGES.map((to) => ({ action, from, to, allowed: EXPECTED[action].includes(`${from}→${to}`) })),
  ),
);

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('assertTransition', () => {
  it('covers every action × from × to combination', () => {
    // Prepare / Act
    const count = cases.length;
    const allowedCount = cases.filter((c) => c.allowed).length;

    // Assess
    expect(count).toBe(5 * 6 * 6);
    expect(allowedCount).toBe(17);
  });

  it.each(
    cases.filter(
      (c) => c.allowed && !((c.action === 'archive' || c.action === 'deprecate') && c.from === 'production'),
    ),
  )('allows $action from $from to $to', ({ action, from, to }) => {
    // Act / Assess
    expect(() => assertTransition(action, from, to)).not.toThrow();
  });

  it.each(cases.filter((c) => !c.allowed))('refuses $action from $from to $to', ({ action, from, to }) => {
    // Act
    const error = thrown(() => assertTransition(action, from, to, { force: true }));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    const e = error as InvalidTransitionError;
    expect(e.name).toBe('InvalidTransitionError');
    expect(e.message).toContain(`cannot ${action} from ${from} to ${to}`);
    for (const move of EXPECTED[action]) expect(e.message).toContain(move);
    expect(e.details).toMatchObject({ action, from, to });
  });

  it('refuses to archive the production version without force', () => {
    // Act
    const error = thrown(() => assertTransition('archive', 'production', 'archived'));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as Error).message).toContain('--force');
    expect((error as InvalidTransitionError).details).toMatchObject({ requires: 'force' });
  });

  it('refuses to archive the production version with force explicitly false', () => {
    // Act / Assess
    expect(() => assertTransition('archive', 'production', 'archived', { force: false })).toThrow(
      InvalidTransitionError,
    );
  });

  it('archives the production version with force', () => {
    // Act / Assess
    expect(() => assertTransition('archive', 'production', 'archived', { force: true })).not.toThrow();
  });

  it.each(['development', 'staging'] as const)('archives %s without force', (from) => {
    // Act / Assess
    expect(() => assertTransition('archive', from, 'archived')).not.toThrow();
  });

  it('refuses to deprecate the production version without force, and allows it with force', () => {
    // Act
    const error = thrown(() => assertTransition('deprecate', 'production', 'deprecated'));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as Error).message).toContain('cannot deprecate the production version without --force');
    expect(() => assertTransition('deprecate', 'production', 'deprecated', { force: true })).not.toThrow();
  });

  it.each(['promote', 'rollback', 'demote'] as const)('never moves a deprecated version by %s', (action) => {
    // Act / Assess
    for (const to of STAGES) {
      expect(() => assertTransition(action, 'deprecated', to, { force: true })).toThrow(
        InvalidTransitionError,
      );
    }
  });

  it('lists the allowed moves in the error details', () => {
    // Act
    const error = thrown(() => assertTransition('rollback', 'development', 'production'));

    // Assess
    expect((error as InvalidTransitionError).details.allowed).toEqual([
      { from: 'archived', to: 'production' },
      { from: 'staging', to: 'production' },
      { from: 'superseded', to: 'production' },
    ]);
  });

  it('reads its rules from ALLOWED_MOVES, which matches the documented lifecycle', () => {
    // Act
    const table = Object.fromEntries(
      ACTIONS.map((a) => [a, ALLOWED_MOVES[a].map(([f, t]) => `${f}→${t}`).sort()]),
    );

    // Assess
    expect(table).toEqual(Object.fromEntries(ACTIONS.map((a) => [a, [...EXPECTED[a]].sort()])));
  });
});

describe('nextStage', () => {
  it.each<[Stage, Stage | null]>([
    ['development', 'staging'],
    ['staging', 'production'],
    ['production', null],
    ['superseded', null],
    ['deprecated', null],
    ['archived', null],
  ])('moves %s to %s', (from, expected) => {
    // Act
    const next = nextStage(from);

    // Assess
    expect(next).toBe(expected);
  });
});
