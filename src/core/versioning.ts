import semver from 'semver';
import { ValidationError } from './errors.js';

/** How an automatically assigned version moves past the highest existing one. */
export type Bump = 'major' | 'minor' | 'patch';
export const BUMPS: readonly Bump[] = ['major', 'minor', 'patch'];

/** The version given to the first registration of a model. */
export const FIRST_VERSION = '1.0.0';

/**
 * Accepts only strict semver (`1.2.3`, `1.2.3-rc.1`): no `v` prefix, no build metadata
 * (build metadata has no precedence, so two versions could not be ordered).
 */
export function parseVersion(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const parsed = semver.parse(text);
  if (parsed === null || parsed.raw !== text || parsed.version !== text.replace(/\+.*$/, '')) {
    throw new ValidationError(
      `version ${JSON.stringify(text)} is not strict semantic versioning: use MAJOR.MINOR.PATCH such as "1.4.0" or "2.0.0-rc.1" (no "v" prefix).`,
      { field: 'version', value: text },
    );
  }
  if (parsed.build.length > 0) {
    throw new ValidationError(
      `version ${JSON.stringify(text)} has build metadata ("+${parsed.build.join('.')}"), which has no precedence: drop it or use a pre-release such as "-rc.1".`,
      { field: 'version', value: text },
    );
  }
  for (const n of [parsed.major, parsed.minor, parsed.patch]) {
    if (!Number.isSafeInteger(n)) {
      throw new ValidationError(`version ${JSON.stringify(text)} has a component larger than 2^53.`, {
        field: 'version',
        value: text,
      });
    }
  }
  // semver keeps numeric pre-release identifiers ≥ 2^53 − 1 as strings, which versionSortKey would order as text.
  if (parsed.prerelease.some((id) => typeof id === 'string' && /^\d+$/.test(id))) {
    throw new ValidationError(
      `version ${JSON.stringify(text)} has a numeric pre-release identifier of 2^53 − 1 or more; use a smaller number.`,
      { field: 'version', value: text },
    );
  }
  return text;
}

/** Validates a `--bump` value. */
export function parseBump(value: unknown): Bump {
  if (typeof value === 'string' && (BUMPS as readonly string[]).includes(value)) return value as Bump;
  throw new ValidationError(`bump ${JSON.stringify(value)} is not one of ${BUMPS.join(', ')}.`, {
    field: 'bump',
    value,
  });
}

/** The next version after `highest` (or the first version when there is none). */
export function nextVersion(highest: string | null, bump: Bump = 'patch'): string {
  if (highest === null) return FIRST_VERSION;
  const next = semver.inc(highest, bump);
  if (next === null) throw new ValidationError(`cannot bump version ${highest}`, { value: highest });
  return next;
}

/** Semver precedence comparison, for sorting newest first with `(a, b) => compareVersions(b, a)`. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(a, b);
}

/** The higher of two versions by precedence (null-safe). */
export function maxVersion(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return semver.gt(b, a) ? b : a;
}

const PAD = 16;
function pad(n: number): string {
  return String(n).padStart(PAD, '0');
}

/**
 * A string whose byte order equals semver precedence, so stores can sort and paginate
 * versions with an ordinary index (SQLite) or sort key (DynamoDB) instead of loading all
 * of them. Pre-release identifiers: numeric ones sort below alphanumeric ones and
 * compare numerically; a release sorts above all of its pre-releases.
 */
export function versionSortKey(version: string): string {
  const v = semver.parse(version);
  if (v === null) throw new ValidationError(`not a version: ${version}`);
  const core = `${pad(v.major)}.${pad(v.minor)}.${pad(v.patch)}`;
  if (v.prerelease.length === 0) return `${core}~`;
  const ids = v.prerelease.map((id) => (typeof id === 'number' ? `0${pad(id)}` : `1${id}`));
  return `${core}!${ids.join(' ')}`;
}
