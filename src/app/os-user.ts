import { userInfo } from 'node:os';

/**
 * Who acts when nobody is named: MODELREG_ACTOR, else the OS user. One place, so the CLI, the
 * registry and `modelreg serve` record the same name (and loading it costs the CLI no zod).
 */
export function osUser(): string {
  if (process.env.MODELREG_ACTOR) return process.env.MODELREG_ACTOR;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
