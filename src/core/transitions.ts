import { InvalidTransitionError } from './errors.js';
import type { Stage } from './model.js';

/** The lifecycle verbs. Each moves a version between stages under its own rules. */
export type LifecycleAction = 'promote' | 'demote' | 'archive' | 'rollback' | 'deprecate';

/**
 * Every allowed move, by verb. Written as data so that the rules, the error messages
 * and the tests all read from one table. Not a verb of its own: a promotion (or
 * rollback) to production moves the line's current production version to `superseded`
 * (or `archived`) in the same write.
 */
export const ALLOWED_MOVES: Readonly<Record<LifecycleAction, ReadonlyArray<readonly [Stage, Stage]>>> = {
  promote: [
    ['development', 'staging'],
    ['staging', 'production'],
  ],
  demote: [
    ['production', 'staging'],
    ['production', 'development'],
    ['staging', 'development'],
  ],
  archive: [
    ['development', 'archived'],
    ['staging', 'archived'],
    ['production', 'archived'],
    ['superseded', 'archived'],
    ['deprecated', 'archived'],
  ],
  rollback: [
    ['archived', 'production'],
    ['staging', 'production'],
    ['superseded', 'production'],
  ],
  deprecate: [
    ['development', 'deprecated'],
    ['staging', 'deprecated'],
    ['superseded', 'deprecated'],
    ['production', 'deprecated'],
  ],
};

/** The stage `promote` moves to when no `--to` is given. */
export function nextStage(from: Stage): Stage | null {
  return ALLOWED_MOVES.promote.find(([f]) => f === from)?.[1] ?? null;
}

function describeMoves(action: LifecycleAction): string {
  return ALLOWED_MOVES[action].map(([f, t]) => `${f}→${t}`).join(', ');
}

/**
 * Refuses a move that is not in the table, naming the move and the allowed ones.
 * Archiving the production version additionally needs `force`, because it leaves the
 * model with nothing in production.
 */
export function assertTransition(
  action: LifecycleAction,
  from: Stage,
  to: Stage,
  options: { force?: boolean } = {},
): void {
  const allowed = ALLOWED_MOVES[action].some(([f, t]) => f === from && t === to);
  if (!allowed) {
    throw new InvalidTransitionError(
      `cannot ${action} from ${from} to ${to}; ${action} allows ${describeMoves(action)}.`,
      { action, from, to, allowed: ALLOWED_MOVES[action].map(([f, t]) => ({ from: f, to: t })) },
    );
  }
  if ((action === 'archive' || action === 'deprecate') && from === 'production' && !options.force) {
    throw new InvalidTransitionError(
      `cannot ${action} the production version without --force: it would leave nothing in production. Promote or roll back another version instead, or pass --force.`,
      { action, from, to, requires: 'force' },
    );
  }
}
